import NaveModel

/// The result of an expression (reference §1.4): a JSON value, or `undefined` (a path that
/// does not exist, or an operation outside its domain).
public enum QueryValue: Sendable, Hashable {
    case undefined
    case value(JSONValue)

    /// True only for the Boolean `true`: what WHERE and a routing condition pass on (§1.4).
    public var isTrue: Bool {
        if case .value(.bool(true)) = self { return true }
        return false
    }

    public var jsonValue: JSONValue? {
        if case .value(let value) = self { return value }
        return nil
    }
}

/// What a condition is evaluated over: whatever answers paths. Twins and device-job rows have
/// ready implementations; routing supplies messages (system and application properties,
/// `$body`, `$twin`, §2.3) through the same protocol.
public protocol QueryDocument {
    /// The value at `path` (already canonical: built-in names in IoT Hub's spelling), or
    /// `.undefined` when there is none.
    func value(at path: QueryPath) -> QueryValue
}

extension JSONValue {
    /// The value reached by following `segments` from this value: names through objects,
    /// indexes through arrays; `.undefined` as soon as a step finds nothing.
    public func value(following segments: ArraySlice<QueryPath.Segment>) -> QueryValue {
        var current = self
        for segment in segments {
            switch (segment, current) {
            case (.name(let name), .object(let object)):
                guard let member = object[name] else { return .undefined }
                current = member
            case (.index(let index), .array(let elements)):
                guard index < elements.count else { return .undefined }
                current = elements[index]
            default:
                return .undefined
            }
        }
        return .value(current)
    }
}

/// A device or module twin as `FROM devices` / `devices.modules` sees it (§1.2): its JSON in
/// IoT Hub's shape (`deviceId`, `tags`, `properties.desired`/`reported`, …).
///
/// Built-in field names match case-insensitively because every `QueryPath` folds them to IoT
/// Hub's spelling when it is made, and the twin is stored in that spelling (`Twin+JSON`);
/// user keys under `tags` and `properties.*` are matched exactly, as twin keys are
/// case-sensitive (§1.4). Lookups are therefore plain hashed member lookups, no case folding
/// per document.
public struct TwinQueryDocument: QueryDocument, Sendable {
    public let twin: JSONValue

    public init(_ twin: JSONValue) {
        self.twin = twin
    }

    public func value(at path: QueryPath) -> QueryValue {
        twin.value(following: path.segments[...])
    }
}

/// A device-job row as `FROM devices.jobs` sees it (§3.4): fields are addressed as
/// `devices.jobs.<field>` (the docs' form) or as the bare `<field>`.
public struct DeviceJobQueryDocument: QueryDocument, Sendable {
    public let row: JSONValue

    public init(_ row: JSONValue) {
        self.row = row
    }

    public func value(at path: QueryPath) -> QueryValue {
        let segments = path.segments
        if segments.count > 2, segments[0] == .name("devices"), segments[1] == .name("jobs") {
            return row.value(following: segments[2...])
        }
        return row.value(following: segments[...])
    }
}
