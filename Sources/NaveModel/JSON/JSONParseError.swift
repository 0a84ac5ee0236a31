/// The limits one parse runs under. Every input the hub parses comes from a peer, so each
/// dimension that costs memory or stack has a maximum with its unit in its name (RFC 8259 §9
/// lets a parser set limits on size, depth, and the range and precision of numbers).
public struct JSONLimits: Sendable, Equatable {
    /// Whole document, bytes of UTF-8 (checked before any work).
    public var documentBytesMax: Int
    /// Container nesting, counted like `JSONValue.depth` (`[]` is 1). Checked before a
    /// container is opened, so nothing deeper is ever built.
    public var depthMax: Int
    /// One decoded string (member names included), bytes of UTF-8.
    public var stringBytesMax: Int
    /// One number token, bytes. Keeps `Double` conversion linear and bounded.
    public var numberBytesMax: Int

    /// The deepest `depthMax` allowed. The parser itself does not recurse, but serialization,
    /// `depth`, merging, equality and deallocation of a value do, one frame per level; 512
    /// frames fit comfortably in any thread's stack (a loop thread's or a task's).
    public static let depthMaxCeiling = 512

    public init(documentBytesMax: Int = 1_048_576, depthMax: Int = 64, stringBytesMax: Int? = nil,
                numberBytesMax: Int = 1_024) {
        precondition(documentBytesMax >= 0 && numberBytesMax > 0, "JSON limits must be positive")
        precondition((1...Self.depthMaxCeiling).contains(depthMax), "depthMax must be 1...\(Self.depthMaxCeiling)")
        self.documentBytesMax = documentBytesMax
        self.depthMax = depthMax
        self.stringBytesMax = stringBytesMax ?? documentBytesMax
        self.numberBytesMax = numberBytesMax
    }

    /// 1 MiB documents, depth 64, strings up to the document size, numbers up to 1 KiB.
    public static let `default` = JSONLimits()
}

/// Why a document was refused and where: the byte offset of the offending byte (or of the
/// start of the offending string, number or member name). Never carries document content,
/// so it can be logged and returned to clients.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: String, Sendable, CaseIterable {
        /// Longer than `documentBytesMax` (offset: the limit).
        case documentTooLarge
        /// A container would nest deeper than `depthMax` (offset: its opening bracket).
        case depthExceeded
        /// A decoded string is longer than `stringBytesMax` (offset: its opening quote).
        case stringTooLong
        /// A number token is longer than `numberBytesMax` (offset: its first byte).
        case numberTooLong
        /// The input ended inside a value, or is empty.
        case unexpectedEnd
        /// A byte that cannot start or continue what the grammar expects here (RFC 8259 §2).
        case unexpectedByte
        /// Non-whitespace after the top-level value (RFC 8259 §2: `JSON-text = ws value ws`).
        case trailingData
        /// Something starting like `true`, `false` or `null` that is not one of them.
        case invalidLiteral
        /// An integer part with a leading zero, like `01` (RFC 8259 §6).
        case leadingZero
        /// A malformed number: `-` without digits, `1.`, `1e` (RFC 8259 §6).
        case invalidNumber
        /// A number outside `Double`'s finite range (RFC 8259 §6 allows this limit).
        case numberOutOfRange
        /// An unescaped U+0000…U+001F inside a string (RFC 8259 §7).
        case controlCharacterInString
        /// A backslash followed by anything but `"\/bfnrtu` (RFC 8259 §7).
        case invalidEscape
        /// `\u` not followed by four hex digits.
        case invalidUnicodeEscape
        /// A `\u` escape of a UTF-16 surrogate that is not part of a high-low pair.
        case loneSurrogate
        /// Bytes that are not well-formed UTF-8 (RFC 8259 §8.1, RFC 3629 §4).
        case invalidUTF8
        /// An object names the same member twice (RFC 8259 §4 leaves it unpredictable).
        case duplicateKey
    }

    public var reason: Reason
    /// Byte offset into the document.
    public var offset: Int

    public init(_ reason: Reason, at offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    public var description: String { "\(reason.rawValue) at byte \(offset)" }
}
