/// A topic filter as a dictionary key, equal only to a filter with the same UTF-8 bytes.
///
/// MQTT compares topics byte for byte, with no Unicode normalisation (§4.7.3 [MQTT-4.7.3-4]),
/// but Swift's `String` equality is canonical: `é` (C3 A9) and `e` + U+0301 (65 CC 81) are one
/// `String` key and two filters to the router's trie, which compares bytes. Keyed by `String`,
/// a session counted them once against `subscriptionsPerClientMax`, unsubscribing one spelling
/// left the other delivering, and discarding the session left it in every router shard (found
/// by the MQTTBindingFuzz target).
public struct MQTTFilterKey: Hashable, Sendable, CustomStringConvertible {
    public let filter: String

    public init(_ filter: String) { self.filter = filter }

    public static func == (lhs: MQTTFilterKey, rhs: MQTTFilterKey) -> Bool {
        lhs.filter.utf8.elementsEqual(rhs.filter.utf8)
    }

    public func hash(into hasher: inout Hasher) {
        for byte in filter.utf8 { hasher.combine(byte) }
    }

    public var description: String { filter }
}

extension MQTTFilterKey: ExpressibleByStringLiteral {
    public init(stringLiteral filter: String) { self.init(filter) }
}
