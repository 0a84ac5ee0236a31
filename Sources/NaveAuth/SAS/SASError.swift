/// Why a SAS token was refused before its signature was checked, or why one could not be signed.
/// Descriptions name fields, never their values: a token's signature must not reach a log.
public enum SASError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The text is longer than `SASToken.textBytesMax`.
    case tooLong(byteCount: Int)
    /// The text does not start with `SharedAccessSignature ` (one space).
    case missingPrefix
    /// Two `&` in a row, or a leading or trailing `&`.
    case emptyPair
    /// A pair without `=`. Its text is not kept: it could be a misplaced signature.
    case pairWithoutEquals
    /// A field other than sr, sig, se, skn (contract §1.3 step 2). The name is kept only when it
    /// is short and plain (see `SASError.printableName`).
    case unknownField(name: String?)
    case duplicateField(String)
    case missingField(String)
    case emptyValue(field: String)
    /// A `%` not followed by two hex digits, or an escape that does not decode to UTF-8.
    case badPercentEscape(field: String)
    /// `se` is not a decimal number of seconds.
    case badExpiry
    /// A signing key that is not base64 (IoT Hub keys are base64; contract §0.1 item 8).
    case keyNotBase64

    public var description: String {
        switch self {
        case .tooLong(let count): "token is \(count) bytes, more than \(SASToken.textBytesMax)"
        case .missingPrefix: "token does not start with 'SharedAccessSignature '"
        case .emptyPair: "token has an empty field"
        case .pairWithoutEquals: "token has a field without '='"
        case .unknownField(let name): "token has an unknown field" + (name.map { " '\($0)'" } ?? "")
        case .duplicateField(let name): "token repeats field '\(name)'"
        case .missingField(let name): "token lacks field '\(name)'"
        case .emptyValue(let name): "token field '\(name)' is empty"
        case .badPercentEscape(let name): "token field '\(name)' has a bad percent escape"
        case .badExpiry: "token field 'se' is not a number of seconds"
        case .keyNotBase64: "signing key is not base64"
        }
    }

    /// `name` when it is at most 8 ASCII letters, digits, `-` or `_`; nil otherwise, so that no
    /// fragment of a garbled signature is echoed.
    static func printableName(_ name: some Collection<UInt8>) -> String? {
        guard !name.isEmpty, name.count <= 8 else { return nil }
        let plain = name.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
        }
        return plain ? String(decoding: name, as: UTF8.self) : nil
    }
}
