import NaveEncoding

/// The property bag IoT Hub puts in MQTT topics (contract §1.7, §1.8): `key=value` pairs
/// joined by `&`, keys and values percent-encoded as Python's `quote(safe="")` does; keys that
/// start with `$.` are system properties.
public enum PropertyBag {
    /// Longest bag accepted (bytes); topics are bounded by the MQTT packet anyway.
    public static let bagBytesMax = 16 * 1024

    /// Parses a bag (an optional leading `?` is allowed). A pair without `=` has no value.
    public static func decode(_ bag: Substring) throws(HubError) -> (system: [MessageProperty], application: [MessageProperty]) {
        var system: [MessageProperty] = []
        var application: [MessageProperty] = []
        for property in try decodeList(bag) {
            if property.name.hasPrefix("$.") { system.append(property) } else { application.append(property) }
        }
        return (system, application)
    }

    /// Parses a bag into its properties in order, without telling system from application
    /// ones (stores keep each list as its own bag).
    public static func decodeList(_ bag: Substring) throws(HubError) -> [MessageProperty] {
        var text = bag
        if text.first == "?" { text = text.dropFirst() }
        guard text.utf8.count <= bagBytesMax else { throw .argumentInvalid("The property bag is longer than \(bagBytesMax) bytes.") }
        var properties: [MessageProperty] = []
        // Split on the scalars `&` and `=`, not on Characters: a combining mark right after one
        // would merge with it into one Character and hide it (`a=1&\u{301}b=2` is two pairs, as
        // the SDKs and IoT Hub read it). Found by PropertyBagFuzz's campaign.
        for pair in text.unicodeScalars.split(separator: "&", omittingEmptySubsequences: true) {
            let equals = pair.firstIndex(of: "=")
            guard let name = PercentEncoding.decode(Substring(pair[..<(equals ?? pair.endIndex)])), !name.isEmpty else {
                throw .argumentInvalid("The property bag has a malformed key.")
            }
            var value: String?
            if let equals {
                guard let decoded = PercentEncoding.decode(Substring(pair[pair.index(after: equals)...])) else {
                    throw .argumentInvalid("The property bag has a malformed value for '\(name)'.")
                }
                value = decoded
            }
            properties.append(MessageProperty(name, value))
        }
        return properties
    }

    /// Encodes system then application properties, as the SDKs write them.
    public static func encode(system: [MessageProperty], application: [MessageProperty]) -> String {
        (system + application).map { property in
            let name = PercentEncoding.encode(property.name, safe: "")
            guard let value = property.value else { return name }
            return name + "=" + PercentEncoding.encode(value, safe: "")
        }.joined(separator: "&")
    }

    /// The UTF-8 byte count of `encode(system:application:)`, without building the bag (a C2D
    /// send checks its bag's size against the limit; the text itself is made where it is sent).
    public static func encodedByteCount(system: [MessageProperty], application: [MessageProperty]) -> Int {
        // Each list on its own: `[system, application]` would allocate an array per send.
        func pairs(_ properties: [MessageProperty]) -> Int {
            properties.reduce(0) { count, property in
                count + PercentEncoding.encodedByteCount(property.name)
                    + (property.value.map { 1 + PercentEncoding.encodedByteCount($0) } ?? 0)
            }
        }
        return max(0, system.count + application.count - 1) + pairs(system) + pairs(application)  // and the `&`s
    }
}
