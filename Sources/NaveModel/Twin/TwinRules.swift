/// IoT Hub's rules for twin documents (device twins devguide, "Tags and properties format" and
/// "Twin size"; contract §8), checked before a change is applied. Every refusal is 400004
/// ArgumentInvalid naming the section and the path of the offending member.
public enum TwinRules {
    /// The sections, named as in the REST body.
    public enum Section: String, Sendable, CaseIterable {
        case tags
        case desired = "properties.desired"
        case reported = "properties.reported"

        /// Largest serialized section, bytes (contract §8: desired and reported 32 KB each,
        /// tags 8 KB), measured on the compact JSON of the properties alone.
        public var bytesMax: Int { self == .tags ? 8 * 1024 : 32 * 1024 }
    }

    /// Deepest nesting of objects inside a section. IoT Hub counts levels *inside* the section:
    /// its devguide's valid example nests ten objects under `tags` and then a leaf member, so
    /// the section object's `JSONValue.depth` may be one more than this.
    public static let depthMax = 10
    /// Longest member name, bytes of UTF-8 (IoT Hub: "up to 1 KB in length").
    public static let keyBytesMax = 1024
    /// Longest string value, bytes of UTF-8 (IoT Hub: "a maximum length of 4 KB").
    public static let stringBytesMax = 4 * 1024
    /// Integers IoT Hub stores exactly (±2^52, its documented range).
    public static let integerRange: ClosedRange<Int64> = -4_503_599_627_370_496...4_503_599_627_370_495

    /// Checks a patch (or replacement) for `section` before it is applied: member names,
    /// string lengths, integer range, depth. Names must be 1 to 1 KB of UTF-8 without `.`, `$`,
    /// space or control characters (C0, DEL, C1): IoT Hub reserves `$` for its own members and
    /// uses `.` as the path separator in queries.
    public static func validatePatch(_ patch: JSONObject, section: Section) throws(HubError) {
        try validateDepth(patch, section: section)
        try validateMembers(patch, path: section.rawValue)
    }

    /// Checks a section as it would be after a change: its size and depth (contract §8).
    public static func validateSection(_ values: JSONObject, section: Section) throws(HubError) {
        let size = JSONValue.object(values).serializedByteCount
        guard size <= section.bytesMax else {
            throw .argumentInvalid("\(section.rawValue) would be \(size) bytes; at most \(section.bytesMax) bytes are allowed.")
        }
        try validateDepth(values, section: section)
    }

    /// Whether `name` may name a twin property.
    public static func isValidKey(_ name: String) -> Bool {
        var count = 0
        for byte in name.utf8 {
            count += 1
            guard count <= keyBytesMax else { return false }
            // C0 controls, space, '$', '.', DEL.
            if byte <= 0x20 || byte == UInt8(ascii: "$") || byte == UInt8(ascii: ".") || byte == 0x7F { return false }
        }
        guard count > 0 else { return false }
        // C1 controls (U+0080…U+009F) are two UTF-8 bytes: C2 80…C2 9F.
        return !name.unicodeScalars.contains { (0x80...0x9F).contains($0.value) }
    }

    private static func validateDepth(_ object: JSONObject, section: Section) throws(HubError) {
        let depth = JSONValue.object(object).depth - 1
        guard depth <= depthMax else {
            throw .argumentInvalid("\(section.rawValue) nests \(depth) levels deep; at most \(depthMax) are allowed.")
        }
    }

    private static func validateMembers(_ object: JSONObject, path: String) throws(HubError) {
        for (name, value) in object {
            guard isValidKey(name) else {
                throw .argumentInvalid("\(path) has a member named '\(shown(name))'; names must be 1 to \(keyBytesMax) bytes "
                                       + "without '.', '$', spaces or control characters.")
            }
            try validateValue(value, path: "\(path).\(shown(name))")
        }
    }

    private static func validateValue(_ value: JSONValue, path: String) throws(HubError) {
        switch value {
        case .object(let members):
            try validateMembers(members, path: path)
        case .array(let elements):
            for element in elements { try validateValue(element, path: "\(path)[]") }
        case .string(let text):
            guard text.utf8.count <= stringBytesMax else {
                throw .argumentInvalid("\(path) is a string of \(text.utf8.count) bytes; at most \(stringBytesMax) are allowed.")
            }
        case .integer(let number):
            guard integerRange.contains(number) else {
                throw .argumentInvalid("\(path) is outside the integers a twin keeps (\(integerRange.lowerBound)...\(integerRange.upperBound)).")
            }
        case .null, .bool, .double:
            break
        }
    }

    /// A member name as an error message shows it: at most 64 characters, controls escaped,
    /// so a hostile name cannot flood or garble a log line.
    static func shown(_ name: String) -> String {
        var result = ""
        for scalar in name.unicodeScalars.prefix(64) {
            if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
                result += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return name.unicodeScalars.count > 64 ? result + "…" : result
    }
}
