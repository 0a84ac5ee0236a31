/// A property path (`tags.site`, `properties.reported.[[cfg-1]]`, `$body.a[0].b`), resolved into
/// segments at parse time so evaluation never splits or folds text.
///
/// Canonical form: built-in twin and device-job field names are stored in IoT Hub's spelling
/// whatever case the query used (`DeviceId` → `deviceId`, `Properties.Reported` →
/// `properties.reported`, reference §1.4 and the documented `SELECT DeviceId` example), and so
/// are routing's `$`-names (`$ContentType` → `$contentType`); user keys under `tags`,
/// `properties.desired`/`reported` and `$body` stay exactly as written (twin keys are
/// case-sensitive). Two spellings of one field are therefore equal and hash alike, so the REST
/// layer can key an index by a path, and a document stored in IoT Hub's spelling is read with
/// exact-key lookups.
///
/// A path whose first segment starts with `$` (`isSystemRooted`) exists only in the routing
/// dialect; its meaning belongs to the routing document (§2.3).
public struct QueryPath: Hashable, Sendable {
    public enum Segment: Hashable, Sendable {
        /// An object member: an identifier, a `[[quoted]]` name, or a `$name` as first segment.
        case name(String)
        /// An array element, 0-based (routing dialect only).
        case index(Int)
    }

    public let segments: [Segment]

    /// The canonical path of `segments` (built-in names folded to IoT Hub's spelling).
    public init(_ segments: [Segment]) {
        self.segments = QueryPath.canonical(segments)
    }

    /// A path of plain names, e.g. `QueryPath(names: "tags", "site")`.
    public init(names: String...) {
        self.init(names.map(Segment.name))
    }

    /// True when the first segment is a `$`-name (`$body`, `$twin`, `$contentType`, …).
    public var isSystemRooted: Bool {
        if case .name(let first)? = segments.first { return first.utf8.first == UInt8(ascii: "$") }
        return false
    }

    /// The name of the last segment, or nil when it is an index: a projection's default key (§1.6).
    public var lastName: String? {
        if case .name(let name)? = segments.last { return name }
        return nil
    }
}

extension QueryPath {
    /// Folds built-in names to their stored spelling. Built-in levels: the document's top level
    /// (twin and device-job fields), `properties.{desired,reported}`, `x509Thumbprint.*`,
    /// `capabilities.iotEdge`, `devices.jobs.<field>`, and the same under routing's `$twin`.
    static func canonical(_ segments: [Segment]) -> [Segment] {
        guard case .name(let first)? = segments.first else { return segments }
        var result = segments
        if first.utf8.first == UInt8(ascii: "$") {
            let folded = BuiltInNames.system[first.lowercased()] ?? first
            result[0] = .name(folded)
            if folded == "$twin" { foldTwin(&result, from: 1) }
            return result
        }
        if segments.count > 2, case .name(let second) = segments[1],
           first.lowercased() == "devices", second.lowercased() == "jobs" {
            result[0] = .name("devices")
            result[1] = .name("jobs")
            foldTwin(&result, from: 2)
            return result
        }
        foldTwin(&result, from: 0)
        return result
    }

    /// Folds the twin's built-in names of `segments[start...]`.
    private static func foldTwin(_ segments: inout [Segment], from start: Int) {
        guard let top = fold(segments, start, BuiltInNames.topLevel) else { return }
        segments[start] = .name(top)
        let child: [String: String]
        switch top {
        case "properties": child = BuiltInNames.propertySections
        case "x509Thumbprint": child = BuiltInNames.thumbprints
        case "capabilities": child = BuiltInNames.capabilities
        default: return
        }
        if let name = fold(segments, start + 1, child) { segments[start + 1] = .name(name) }
    }

    /// The stored spelling of `segments[position]` when it is a name in `table` (keys lowercased).
    private static func fold(_ segments: [Segment], _ position: Int, _ table: [String: String]) -> String? {
        guard position < segments.count, case .name(let name) = segments[position] else { return nil }
        return table[name.lowercased()]
    }
}

/// IoT Hub's spellings of the fields a query can address (reference §1.2, §2.3, §3.4), keyed
/// by their lowercased form.
enum BuiltInNames {
    static func table(_ names: [String]) -> [String: String] {
        Dictionary(uniqueKeysWithValues: names.map { ($0.lowercased(), $0) })
    }

    static let topLevel = table([
        // Twins of devices and modules (§1.2).
        "deviceId", "moduleId", "etag", "deviceEtag", "status", "statusReason", "statusUpdateTime",
        "connectionState", "lastActivityTime", "cloudToDeviceMessageCount", "authenticationType",
        "x509Thumbprint", "version", "tags", "properties", "capabilities", "modelId", "deviceScope",
        "parentScopes", "configurations",
        // Device-job rows (§3.4).
        "jobId", "jobType", "startTimeUtc", "endTimeUtc", "createdDateTimeUtc", "lastUpdatedDateTimeUtc",
        "outcome", "error",
    ])
    static let propertySections = table(["desired", "reported"])
    static let thumbprints = table(["primaryThumbprint", "secondaryThumbprint"])
    static let capabilities = table(["iotEdge"])
    /// Routing's system names (§2.3); lookups of these are case-insensitive.
    static let system = table([
        "$body", "$twin", "$contentType", "$contentEncoding", "$connectionDeviceId", "$connectionModuleId",
        "$enqueuedTime", "$correlationId", "$userId", "$messageId", "$dt-dataschema", "$dt-subject",
        "$iothubname",
    ])
}
