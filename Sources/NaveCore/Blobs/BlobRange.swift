/// A byte range of a Get Blob (`x-ms-range` or `Range`, RFC 9110 §14.1.2: `bytes=first-last`,
/// `bytes=first-`, `bytes=-suffix`; one range only, as Azure serves).
public enum BlobRangeRequest: Sendable, Hashable {
    case from(first: Int64, last: Int64?)
    case suffix(byteCount: Int64)

    /// Parses the header value; nil when it is not a single bytes range (the header is then
    /// ignored, RFC 9110 §14.2, and the whole blob is sent).
    public init?(header: String) {
        let text = header.trimmingWhitespace()
        guard text.hasPrefix("bytes="), !text.contains(",") else { return nil }
        let spec = text.dropFirst("bytes=".count)
        guard let dash = spec.firstIndex(of: "-") else { return nil }
        let first = spec[..<dash]
        let last = spec[spec.index(after: dash)...]
        if first.isEmpty {
            guard let suffix = Self.number(last), suffix > 0 else { return nil }
            self = .suffix(byteCount: suffix)
            return
        }
        guard let start = Self.number(first) else { return nil }
        if last.isEmpty {
            self = .from(first: start, last: nil)
            return
        }
        guard let end = Self.number(last), end >= start else { return nil }
        self = .from(first: start, last: end)
    }

    /// The bytes to send of a blob of `size` bytes (clamped to its end).
    ///
    /// - Throws: `InvalidRange` (416) when the range starts at or past the end: Azure's answer,
    ///   which an empty blob's first ranged read gets (the SDK then reads without a range).
    public func resolved(size: Int64) throws(BlobError) -> ClosedRange<Int64> {
        switch self {
        case .from(let first, let last):
            guard first < size else { throw .invalidRange() }
            return first...min(last ?? size - 1, size - 1)
        case .suffix(let count):
            guard size > 0 else { throw .invalidRange() }
            return max(size - count, 0)...(size - 1)
        }
    }

    /// Up to 18 decimal digits (no sign, no overflow).
    private static func number(_ text: Substring) -> Int64? {
        guard (1...18).contains(text.utf8.count), text.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        return Int64(text)
    }
}
