import NaveEncoding

/// IoT Hub's identity etags: the base64 of a decimal version number ("MQ==" is version 1),
/// a new one on every change. `If-Match` values arrive quoted and perhaps weak (`W/"…"`).
public enum ETag {
    public static let initial = encode(1)

    /// The etag after `etag` (which this hub issued; anything else restarts at 1).
    public static func next(after etag: String) -> String {
        encode((version(of: etag) ?? 0) + 1)
    }

    /// Whether an `If-Match` header value allows a change to a resource with `current`:
    /// absent or `*` always does; otherwise the unquoted values must be equal.
    public static func matches(ifMatch: String?, current: String) -> Bool {
        guard let ifMatch else { return true }
        let value = unquoted(ifMatch)
        return value == "*" || value == current
    }

    /// Strips a weak prefix and surrounding quotes: `W/"MQ=="` → `MQ==` (contract §4.4).
    public static func unquoted(_ header: String) -> String {
        var value = Substring(header)
        if value.hasPrefix("W/") { value = value.dropFirst(2) }
        if value.count >= 2, value.first == "\"", value.last == "\"" { value = value.dropFirst().dropLast() }
        return String(value)
    }

    static func encode(_ version: Int64) -> String { Base64.encode(Array(String(version).utf8)) }

    static func version(of etag: String) -> Int64? {
        Base64.decode(etag).flatMap { Int64(String(decoding: $0, as: UTF8.self)) }
    }
}
