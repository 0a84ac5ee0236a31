/// Helpers over a request target: split path and query, percent-decode (RFC 3986 §2.1, §3.3,
/// §3.4). The decoder has already checked every byte is one RFC 3986 allows.
public enum HTTPTarget {
    /// The path and query of an origin-form or absolute-form target.
    public static func components(of target: String) -> (path: Substring, query: Substring?) {
        var rest = target[...]
        if !rest.hasPrefix("/"), let colon = rest.firstIndex(of: ":"), rest[colon...].hasPrefix("://") {
            // absolute-form: skip scheme and authority (RFC 9112 §3.2.2).
            rest = rest[rest.index(colon, offsetBy: 3)...]
            rest = rest[(rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex)...]
        }
        let question = rest.firstIndex(of: "?")
        var path = rest[..<(question ?? rest.endIndex)]
        if path.isEmpty { path = "/" }
        return (path, question.map { rest[rest.index(after: $0)...] })
    }

    /// `text` with every "%HH" replaced by its byte, as UTF-8; nil if an escape is malformed or
    /// the result is not valid UTF-8. "+" stays "+" (RFC 3986 has no form encoding).
    public static func percentDecoded(_ text: some StringProtocol) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(HTTPSyntax.hexValue),
                  let low = iterator.next().flatMap(HTTPSyntax.hexValue)
            else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    /// The path's segments, split on "/" before decoding so an encoded "%2F" stays inside its
    /// segment (RFC 3986 §2.2); nil if any segment fails `percentDecoded`.
    /// "/devices/d%2F1/messages" gives ["devices", "d/1", "messages"].
    public static func pathSegments(_ path: some StringProtocol) -> [String]? {
        var segments: [String] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
            guard let decoded = percentDecoded(segment) else { return nil }
            segments.append(decoded)
        }
        return segments
    }

    /// The query's "name=value" pairs split on "&", each side percent-decoded; a pair without
    /// "=" has an empty value, empty pairs are skipped. Nil if any part fails to decode.
    public static func queryItems(_ query: some StringProtocol) -> [(name: String, value: String)]? {
        var items: [(name: String, value: String)] = []
        for pair in query.split(separator: "&") {
            let equals = pair.firstIndex(of: "=")
            guard let name = percentDecoded(pair[..<(equals ?? pair.endIndex)]),
                  let value = percentDecoded(equals.map { pair[pair.index(after: $0)...] } ?? "")
            else { return nil }
            items.append((name, value))
        }
        return items
    }
}
