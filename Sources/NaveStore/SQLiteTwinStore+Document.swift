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
///
/// Format 2 is format 1 plus what automatic device configurations did to the twin (reference
/// §4.3), written only when there is something (so a twin no configuration touched keeps
/// format 1 bytes):
///
/// ```
/// …,"configurations":{"statuses":{"<id>":"targeted"|"applied",…},"paths":{"<a.b>":"<id>",…}}
/// ```
extension SQLiteTwinStore {
    static let documentFormat: Int64 = 1
    static let documentFormatWithConfigurations: Int64 = 2
    /// Parser limits for a stored document: far above what the twin limits let a twin grow to
    /// (72 KB of properties plus their metadata), and nesting room for metadata's two levels per
    /// property level.
    static let documentLimits = JSONLimits(documentBytesMax: 16 * 1024 * 1024, depthMax: 128)

    static func document(of twin: Twin) -> String {
        var object = JSONObject([
            ("format", .integer(twin.configurations.isEmpty ? documentFormat : documentFormatWithConfigurations)),
            ("generation", .string(twin.identityGenerationID)),
            ("tags", .object(twin.tags)),
            ("desired", section(twin.desired)),
            ("reported", section(twin.reported)),
        ])
        if !twin.configurations.isEmpty { object["configurations"] = configurations(twin.configurations) }
        return JSONValue.object(object).serializedString()
    }

    private static func configurations(_ record: TwinConfigurations) -> JSONValue {
        // Sorted, so the same twin always writes the same bytes.
        .object(JSONObject([
            ("statuses", .object(JSONObject(record.statuses.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value.rawValue)) }))),
            ("paths", .object(JSONObject(record.appliedPaths.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))),
        ]))
    }

    private static func configurations(_ value: JSONValue?, malformed: (String) -> TwinStoreError) throws -> TwinConfigurations {
        guard let statuses = value?["statuses"]?.objectValue, let paths = value?["paths"]?.objectValue else {
            throw malformed("configurations without statuses or paths")
        }
        var record = TwinConfigurations()
        for (id, status) in statuses {
            guard let status = status.stringValue.flatMap(TwinConfigurations.Status.init(rawValue:)) else {
                throw malformed("unknown configuration status")
            }
            record.statuses[id] = status
        }
        for (path, id) in paths {
            guard let id = id.stringValue else { throw malformed("configuration path without an id") }
            record.appliedPaths[path] = id
        }
        return record
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
        let format = value["format"]?.int64Value
        guard format == documentFormat || format == documentFormatWithConfigurations else { throw malformed("unknown format") }
        guard let generation = value["generation"]?.stringValue else { throw malformed("no generation") }
        guard let tags = value["tags"]?.objectValue else { throw malformed("no tags") }
        guard let desired = try properties(value["desired"], version: row.desiredVersion, malformed: malformed),
              let reported = try properties(value["reported"], version: row.reportedVersion, malformed: malformed)
        else { throw malformed("no properties section") }
        var twin = Twin(deviceID: deviceID, moduleID: moduleID, identityGenerationID: generation, version: row.version,
                        tags: tags, desired: desired, reported: reported)
        if format == documentFormatWithConfigurations {
            twin.configurations = try configurations(value["configurations"], malformed: malformed)
        }
        return twin
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
