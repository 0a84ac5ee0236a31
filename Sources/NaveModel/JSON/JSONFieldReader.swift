/// Typed, validating reads of a request body's members, failing with 400004 ArgumentInvalid
/// and the member's dotted path (`authentication.type must be a string`), so every REST body
/// is checked the same way.
///
/// Tolerant where IoT Hub's clients need it: unknown members are ignored (newer SDKs add
/// fields), and a member set to `null` reads as absent (msrest omits nulls, other clients
/// send them).
public struct JSONFieldReader: Sendable {
    public let object: JSONObject
    /// Dotted path of this object in the body, with a trailing dot ("" at the top).
    public let path: String

    /// Reads `value` as an object; ArgumentInvalid naming `path` when it is not one.
    public init(_ value: JSONValue, path: String = "") throws(HubError) {
        guard case .object(let object) = value else {
            throw HubError.argumentInvalid(path.isEmpty ? "The request body must be a JSON object."
                                                        : "\(path.dropLast()) must be a JSON object.")
        }
        self.object = object
        self.path = path
    }

    /// The member, nil when absent or null.
    public func value(_ key: String) -> JSONValue? {
        guard let value = object[key], !value.isNull else { return nil }
        return value
    }

    public func string(_ key: String) throws(HubError) -> String? {
        guard let value = value(key) else { return nil }
        guard case .string(let text) = value else { throw typeError(key, "a string") }
        return text
    }

    public func bool(_ key: String) throws(HubError) -> Bool? {
        guard let value = value(key) else { return nil }
        guard case .bool(let flag) = value else { throw typeError(key, "true or false") }
        return flag
    }

    /// A number that is a whole value within Int64 (`30` or `30.0`).
    public func integer(_ key: String) throws(HubError) -> Int64? {
        guard let value = value(key) else { return nil }
        guard let number = value.int64Value else { throw typeError(key, "an integer") }
        return number
    }

    public func object(_ key: String) throws(HubError) -> JSONObject? {
        guard let value = value(key) else { return nil }
        guard case .object(let object) = value else { throw typeError(key, "a JSON object") }
        return object
    }

    /// The member as a nested reader whose errors name `path.key.`.
    public func reader(_ key: String) throws(HubError) -> JSONFieldReader? {
        guard let value = value(key) else { return nil }
        return try JSONFieldReader(value, path: "\(path)\(key).")
    }

    public func strings(_ key: String) throws(HubError) -> [String]? {
        guard let value = value(key) else { return nil }
        guard case .array(let elements) = value else { throw typeError(key, "an array of strings") }
        var result: [String] = []
        result.reserveCapacity(elements.count)
        for element in elements {
            guard case .string(let text) = element else { throw typeError(key, "an array of strings") }
            result.append(text)
        }
        return result
    }

    /// A string naming one of `Choice`'s cases, matched case-insensitively as IoT Hub's .NET
    /// enum parsing does; ArgumentInvalid listing the accepted names otherwise.
    public func choice<Choice: RawRepresentable & CaseIterable>(_ key: String, _ type: Choice.Type) throws(HubError) -> Choice?
        where Choice.RawValue == String
    {
        guard let text = try string(key) else { return nil }
        let folded = text.lowercased()
        if let match = Choice.allCases.first(where: { $0.rawValue.lowercased() == folded }) { return match }
        let names = Choice.allCases.map(\.rawValue).joined(separator: ", ")
        throw HubError.argumentInvalid("\(path)\(key) must be one of \(names).")
    }

    /// ArgumentInvalid for a required member that is absent or null.
    public func missing(_ key: String) -> HubError {
        HubError.argumentInvalid("\(path)\(key) is required.")
    }

    private func typeError(_ key: String, _ expected: String) -> HubError {
        HubError.argumentInvalid("\(path)\(key) must be \(expected).")
    }
}
