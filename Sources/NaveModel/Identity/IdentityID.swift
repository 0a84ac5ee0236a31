/// The rule for device and module ids (IoT Hub identity registry, "Device identity
/// properties"; the same set is spelled out on every Event Grid `deviceId`/`moduleId` field):
/// a case-sensitive string of 1 to 128 ASCII letters, digits and
/// `- : . + % _ # * ? ! ( ) , = @ ; $ '`. No `/` (ids sit in URL paths and MQTT topics), no
/// spaces, nothing outside 7-bit ASCII.
public enum IdentityID {
    /// Longest id, in characters (all ASCII, so also bytes).
    public static let lengthMax = 128

    /// The punctuation allowed besides ASCII letters and digits.
    public static let punctuation: Set<UInt8> = Set("-:.+%_#*?!(),=@;$'".utf8)

    /// Whether `id` follows the rule.
    public static func isValid(_ id: String) -> Bool {
        var count = 0
        for byte in id.utf8 {
            count += 1
            guard count <= lengthMax else { return false }
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"):
                continue
            default:
                guard punctuation.contains(byte) else { return false }
            }
        }
        return count > 0
    }

    /// ArgumentInvalid naming `field` (`deviceId`, `moduleId`) unless `id` is valid.
    public static func validate(_ id: String, field: String) throws(HubError) {
        guard isValid(id) else {
            throw HubError.argumentInvalid(
                "\(field) must be 1 to \(lengthMax) ASCII letters, digits or any of - : . + % _ # * ? ! ( ) , = @ ; $ '.")
        }
    }
}
