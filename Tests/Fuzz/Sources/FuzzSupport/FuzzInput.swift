/// One libFuzzer input, cut into the pieces a target needs.
///
/// Targets that take several strings (a username and a client id, a key and a resource) read
/// them as fields separated by a 0x00 byte: the seeds stay readable (`printf 'a\0b'`) and the
/// fuzzer's mutations (insert, erase, copy a byte) move a cut as easily as any other byte.
public struct FuzzInput {
    public let bytes: [UInt8]

    public init(_ data: UnsafePointer<UInt8>, _ size: Int) {
        bytes = Array(UnsafeBufferPointer(start: data, count: size))
    }

    /// The first byte, which targets with several modes use to pick one, and the rest.
    public var selector: (UInt8, ArraySlice<UInt8>) {
        guard let first = bytes.first else { return (0, []) }
        return (first, bytes.dropFirst())
    }

    /// Exactly `count` fields: the input cut at its first `count - 1` zero bytes, missing fields
    /// empty (the last field keeps any further zero bytes).
    public func fields(_ count: Int) -> [ArraySlice<UInt8>] {
        Self.fields(bytes[...], count)
    }

    public static func fields(_ bytes: ArraySlice<UInt8>, _ count: Int) -> [ArraySlice<UInt8>] {
        var result: [ArraySlice<UInt8>] = []
        var rest = bytes
        while result.count < count - 1, let zero = rest.firstIndex(of: 0) {
            result.append(rest[..<zero])
            rest = rest[(zero + 1)...]
        }
        result.append(rest)
        while result.count < count { result.append([]) }
        return result
    }
}

extension Collection<UInt8> {
    /// The bytes as a string, ill-formed UTF-8 repaired with U+FFFD (as a socket's bytes would
    /// be before any Nave parser sees them as text).
    public var text: String { String(decoding: self, as: UTF8.self) }

    /// The bytes as a string only when they are valid UTF-8.
    public var validText: String? { String(validating: self, as: UTF8.self) }
}

/// The whole input, its two halves, and one byte at a time: the deliveries a resumable decoder
/// must treat alike (STYLE.md, after swift-nio's ByteToMessageDecoderVerifier).
public func deliveries(_ bytes: [UInt8]) -> [[ArraySlice<UInt8>]] {
    let half = bytes.count / 2
    return [
        [bytes[...]],
        [bytes[..<half], bytes[half...]],
        bytes.indices.map { bytes[$0..<($0 + 1)] },
    ]
}
