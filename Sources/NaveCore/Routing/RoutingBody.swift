import NaveModel

/// When and how a message's body is JSON to a routing condition (reference §2.3): only with
/// `$contentType` `application/json` and `$contentEncoding` UTF-8, UTF-16 or UTF-32 (both
/// case-insensitive); otherwise `$body` is undefined and the message is still routed.
enum RoutingBody {
    /// The limits a body is parsed under: the telemetry size bound and `bodyDepthMax`.
    static let parseLimits = JSONLimits(documentBytesMax: DeviceMessage.telemetryBodyBytesMax,
                                        depthMax: RoutingLimits.bodyDepthMax)

    /// The body of `message` as JSON, or nil when it is not eligible or does not parse.
    static func json(of message: DeviceMessage) -> JSONValue? {
        guard let contentType = message.systemProperty("$.ct"), contentType.lowercased() == "application/json",
              let encoding = message.systemProperty("$.ce") else { return nil }
        let utf8: [UInt8]
        switch encoding.lowercased() {
        case "utf-8", "utf8": utf8 = message.body
        case "utf-16", "utf16": guard let text = decodeUTF16(message.body) else { return nil }; utf8 = text
        case "utf-32", "utf32": guard let text = decodeUTF32(message.body) else { return nil }; utf8 = text
        default: return nil
        }
        return try? JSONValue(parsing: utf8, limits: parseLimits)
    }

    /// UTF-16 to UTF-8: big-endian with a BOM saying so, little-endian otherwise (.NET's
    /// `Encoding.Unicode`, what "utf-16" means to the C# SDK); nil for an odd length.
    static func decodeUTF16(_ bytes: [UInt8]) -> [UInt8]? {
        guard bytes.count % 2 == 0 else { return nil }
        var bigEndian = false
        var start = 0
        if bytes.count >= 2, bytes[0] == 0xFE, bytes[1] == 0xFF { bigEndian = true; start = 2 }
        else if bytes.count >= 2, bytes[0] == 0xFF, bytes[1] == 0xFE { start = 2 }
        var units: [UInt16] = []
        units.reserveCapacity((bytes.count - start) / 2)
        for index in stride(from: start, to: bytes.count, by: 2) {
            let (high, low) = bigEndian ? (bytes[index], bytes[index + 1]) : (bytes[index + 1], bytes[index])
            units.append(UInt16(high) << 8 | UInt16(low))
        }
        var output: [UInt8] = []
        let failed = transcode(units.makeIterator(), from: UTF16.self, to: UTF8.self, stoppingOnError: true) { output.append($0) }
        return failed ? nil : output
    }

    /// UTF-32 to UTF-8, with the same byte-order rule as UTF-16; nil for a length that is not a
    /// multiple of four or a value that is no Unicode scalar.
    static func decodeUTF32(_ bytes: [UInt8]) -> [UInt8]? {
        guard bytes.count % 4 == 0 else { return nil }
        var bigEndian = false
        var start = 0
        if bytes.count >= 4, bytes[0...3].elementsEqual([0, 0, 0xFE, 0xFF]) { bigEndian = true; start = 4 }
        else if bytes.count >= 4, bytes[0...3].elementsEqual([0xFF, 0xFE, 0, 0]) { start = 4 }
        var output: [UInt8] = []
        for index in stride(from: start, to: bytes.count, by: 4) {
            let word = bytes[index..<index + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            let value = bigEndian ? word : word.byteSwapped
            guard let scalar = Unicode.Scalar(value) else { return nil }
            output.append(contentsOf: String(scalar).utf8)
        }
        return output
    }
}
