import NaveCore
import NaveModel

/// The `twins.document` format, version 1 — a file format once released, so changes add a new
/// `format` and keep reading the old one:
///
/// ```
/// {"format":1,"generation":"<identity generationId>","tags":{…},
///  "desired":{"values":{…},"metadata":M},"reported":{"values":{…},"metadata":M}}
/// M = {"t":<lastUpdated, ms since epoch>,"v":<lastUpdatedVersion>,"m":{"<member>":M,…}}
/// ```
///
/// Times are integers (milliseconds, `Timestamp.never` as Int64.min), so they round-trip
/// exactly; member metadata sits under `"m"`, apart from `"t"` and `"v"`, so no property name
/// can collide with them. The versions are in the row's columns, not here.
extension SQLiteTwinStore {
    static let documentFormat: Int64 = 1
    /// Parser limits for a stored document: far above what the twin limits let a twin grow to
    /// (72 KB of properties plus their metadata), and nesting room for metadata's two levels per
    /// property level.
    static let documentLimits = JSONLimits(documentBytesMax: 16 * 1024 * 1024, depthMax: 128)

    static func document(of twin: Twin) -> String {
        JSONValue.object(JSONObject([
            ("format", .integer(documentFormat)),
            ("generation", .string(twin.identityGenerationID)),
            ("tags", .object(twin.tags)),
            ("desired", section(twin.desired)),
            ("reported", section(twin.reported)),
        ])).serializedString()
    }

    static func twin(deviceID: String, moduleID: String?, row: StoredRow) throws -> Twin {
        let key = moduleID.map { "\(deviceID)/\($0)" } ?? deviceID
        func malformed(_ what: String) -> TwinStoreError { .storage("the stored twin of '\(key)' is malformed: \(what)") }
        let value: JSONValue
        do {
            value = try JSONValue(parsing: row.document, limits: documentLimits)
        } catch {
            throw malformed("not JSON (\(error.description))")
        }
        guard value["format"]?.int64Value == documentFormat else { throw malformed("unknown format") }
        guard let generation = value["generation"]?.stringValue else { throw malformed("no generation") }
        guard let tags = value["tags"]?.objectValue else { throw malformed("no tags") }
        guard let desired = try properties(value["desired"], version: row.desiredVersion, malformed: malformed),
              let reported = try properties(value["reported"], version: row.reportedVersion, malformed: malformed)
        else { throw malformed("no properties section") }
        return Twin(deviceID: deviceID, moduleID: moduleID, identityGenerationID: generation, version: row.version,
                    tags: tags, desired: desired, reported: reported)
    }

    private static func section(_ properties: TwinProperties) -> JSONValue {
        .object(JSONObject([("values", .object(properties.values)), ("metadata", metadata(properties.metadata))]))
    }

    private static func metadata(_ entry: TwinMetadata) -> JSONValue {
        var object = JSONObject([
            ("t", .integer(entry.lastUpdated.millisecondsSinceEpoch)),
            ("v", .integer(entry.lastUpdatedVersion)),
        ])
        if !entry.members.isEmpty {
            // Sorted, so the same twin always writes the same bytes.
            object["m"] = .object(JSONObject(entry.members.sorted { $0.key < $1.key }.map { ($0.key, metadata($0.value)) }))
        }
        return .object(object)
    }

    private static func properties(_ value: JSONValue?, version: Int64,
                                   malformed: (String) -> TwinStoreError) throws -> TwinProperties? {
        guard let values = value?["values"]?.objectValue else { return nil }
        return TwinProperties(values: values, version: version, metadata: try metadata(value?["metadata"], malformed: malformed))
    }

    private static func metadata(_ value: JSONValue?, malformed: (String) -> TwinStoreError) throws -> TwinMetadata {
        guard let time = value?["t"]?.int64Value, let version = value?["v"]?.int64Value else {
            throw malformed("metadata without time or version")
        }
        var entry = TwinMetadata(lastUpdated: Timestamp(millisecondsSinceEpoch: time), lastUpdatedVersion: version)
        if let members = value?["m"] {
            guard let object = members.objectValue else { throw malformed("metadata members are not an object") }
            for (name, member) in object {
                entry.members[name] = try metadata(member, malformed: malformed)
            }
        }
        return entry
    }
}
