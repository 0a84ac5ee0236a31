/// Helpers over a request target: split path and query, percent-decode (RFC 3986 §2.1, §3.3,
/// §3.4). The decoder has already checked every byte is one RFC 3986 allows.
public enum HTTPTarget {
    /// The path and query of an origin-form or absolute-form target. Walks the UTF-8 view: the
    /// decoder let only RFC 3986's ASCII through, so bytes are characters and no grapheme
    /// breaking is needed (it cost more than the rest of this per request).
    public static func components(of target: String) -> (path: Substring, query: Substring?) {
        let utf8 = target.utf8
        var start = utf8.startIndex
        if utf8.first != slash, let colon = utf8.firstIndex(of: UInt8(ascii: ":")), utf8[colon...].starts(with: "://".utf8) {
            // absolute-form: skip scheme and authority (RFC 9112 §3.2.2).
            let authority = utf8.index(colon, offsetBy: 3)
            start = utf8[authority...].firstIndex { $0 == slash || $0 == question } ?? utf8.endIndex
        }
        let mark = utf8[start...].firstIndex(of: question)
        var path = target[start..<(mark ?? utf8.endIndex)]
        if path.isEmpty { path = "/" }
        return (path, mark.map { target[utf8.index(after: $0)...] })
    }

    private static let slash = UInt8(ascii: "/")
    private static let question = UInt8(ascii: "?")

    /// `text` with every "%HH" replaced by its byte, as UTF-8; nil if an escape is malformed or
    /// the result is not valid UTF-8. "+" stays "+" (RFC 3986 has no form encoding).
    public static func percentDecoded(_ text: some StringProtocol) -> String? {
        // Most segments and query values carry no escape: copied as they are.
        guard text.utf8.contains(UInt8(ascii: "%")) else { return String(text) }
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
        pathSegments(String(path)[...])
    }

    /// `pathSegments` for a `Substring` (what `HTTPRequestHead.path` is). Concrete, so a caller
    /// in another module runs code specialised for it, not the generic version (which, per
    /// request, cost as much again as the splitting itself).
    public static func pathSegments(_ path: Substring) -> [String]? {
        let utf8 = path.utf8
        // What precedes the first "/" is not a segment (an origin-form path has nothing there).
        guard var start = utf8.firstIndex(of: slash) else { return [] }
        var segments: [String] = []
        while true {
            start = utf8.index(after: start)
            let end = utf8[start...].firstIndex(of: slash) ?? utf8.endIndex
            guard let decoded = percentDecoded(path[start..<end]) else { return nil }
            segments.append(decoded)
            guard end != utf8.endIndex else { return segments }
            start = end
        }
    }

    /// The query's "name=value" pairs split on "&", each side percent-decoded; a pair without
    /// "=" has an empty value, empty pairs are skipped. Nil if any part fails to decode.
    public static func queryItems(_ query: some StringProtocol) -> [(name: String, value: String)]? {
        queryItems(String(query)[...])
    }

    /// `queryItems` for a `Substring` (what `HTTPRequestHead.query` is), concrete for the same
    /// reason as `pathSegments(_:)`.
    public static func queryItems(_ query: Substring) -> [(name: String, value: String)]? {
        var items: [(name: String, value: String)] = []
        let utf8 = query.utf8
        var start = utf8.startIndex
        while start != utf8.endIndex {
            let end = utf8[start...].firstIndex(of: UInt8(ascii: "&")) ?? utf8.endIndex
            if start != end {
                let equals = utf8[start..<end].firstIndex(of: UInt8(ascii: "="))
                guard let name = percentDecoded(query[start..<(equals ?? end)]),
                      let value = percentDecoded(equals.map { query[utf8.index(after: $0)..<end] } ?? query[end..<end])
                else { return nil }
                items.append((name, value))
            }
            start = end == utf8.endIndex ? end : utf8.index(after: end)
        }
        return items
    }
}
