import NaveCore
import NaveEncoding
import NaveHTTP
import NaveModel

/// The device list: search through the query language (`HubQuery`, reference §1.3) by id, status, connection state and any further condition (a tag), a page of
/// `console.devicePageRowsMax` rows at a time continued with the query's own continuation
/// token, so 100,000 devices page as the REST API pages them; and device creation.
extension Console {
    func devices(_ form: ConsoleForm, _ page: ConsolePage) async -> HTTPResponse {
        let search = DeviceSearch(form)
        var content: [String: Any] = ["search": search.context, "query": search.queryText]
        do {
            let result = try await hub.query(search.queryText, pageRows: limits.devicePageRowsMax, continuation: form.text("c"))
            content["devices"] = result.rows.map(Self.deviceRow)
            content["empty"] = result.rows.isEmpty
            if let continuation = result.continuation {
                content["nextURL"] = "/console/devices?" + search.queryString(continuation: continuation)
            }
            if form.text("c") != nil { content["firstURL"] = "/console/devices?" + search.queryString(continuation: nil) }
        } catch {
            content["error"] = "The search failed: \(error.message)"
        }
        content["totalDevices"] = hub.registry.statistics.totalDeviceCount
        content["connectedDevices"] = hub.connections.connectedDeviceCount
        return renderer.render("devices", page.context(title: "Devices", section: "devices", content))
    }

    /// A twin row of `SELECT * FROM devices` as the list shows it.
    static func deviceRow(_ row: JSONValue) -> [String: Any] {
        let id = row["deviceId"]?.stringValue ?? ""
        let status = row["status"]?.stringValue ?? ""
        let state = row["connectionState"]?.stringValue ?? ""
        return [
            "deviceId": id, "href": ConsolePaths.identity(IdentityKey(deviceID: id)),
            "status": status, "connectionState": state, "stateClass": state.lowercased(),
            "lastActivityTime": row["lastActivityTime"]?.stringValue ?? "",
            "tags": row["tags"].map { $0.isNull ? "" : $0.serialized().asText } ?? "",
        ]
    }

    func createDevice(_ form: ConsoleForm, _ page: ConsolePage) async -> HTTPResponse {
        guard let id = form.text("deviceId") else {
            return redirect("/console/devices", note: "Give the new device an id.", error: true, page)
        }
        do {
            let status: DeviceStatus = form["status"] == "disabled" ? .disabled : .enabled
            let device = try await hub.registry.createDevice(DeviceRequest(deviceID: id, status: status, authentication: generatedKeys()))
            logger.info("console created a device", metadata: ["deviceId": "\(device.deviceID)", "policy": "\(page.access.session.policyName)"])
            return redirect(ConsolePaths.identity(IdentityKey(deviceID: device.deviceID)), note: "Device \(device.deviceID) created.", page)
        } catch {
            return redirect("/console/devices", note: "Device not created: \(error.message)", error: true, page)
        }
    }

    /// Two fresh 32-byte keys from the node's random source, as the registry makes them.
    func generatedKeys() -> Authentication {
        .sas(primaryKey: Base64.encode(random.bytes(32)), secondaryKey: Base64.encode(random.bytes(32)))
    }
}

/// The list's search form, and the query it becomes. Values are quoted as the query language
/// quotes strings (§1.3: `\'` and `\\`), so a typed id cannot change the query's shape.
struct DeviceSearch {
    /// Longest search field kept (ids are at most 128 characters; a condition a little more).
    static let fieldCharactersMax = 512

    var deviceID: String?
    var status: String?
    var connection: String?
    var condition: String?

    init(_ form: ConsoleForm) {
        deviceID = form.text("id").map { String($0.prefix(Self.fieldCharactersMax)) }
        status = ["enabled", "disabled"].contains(form["status"] ?? "") ? form["status"] : nil
        connection = ["Connected", "Disconnected"].contains(form["connection"] ?? "") ? form["connection"] : nil
        condition = form.text("where").map { String($0.prefix(Self.fieldCharactersMax)) }
    }

    var queryText: String {
        var conditions: [String] = []
        // The twin dialect has no string functions (IoT Hub's neither): an id is matched whole.
        if let deviceID { conditions.append("deviceId = \(Self.quoted(deviceID))") }
        if let status { conditions.append("status = \(Self.quoted(status))") }
        if let connection { conditions.append("connectionState = \(Self.quoted(connection))") }
        if let condition { conditions.append("(\(condition))") }
        return "SELECT * FROM devices" + (conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND "))
    }

    static func quoted(_ text: String) -> String {
        "'" + text.replacingAll("\\", with: "\\\\").replacingAll("'", with: "\\'") + "'"
    }

    var context: [String: Any] {
        ["id": deviceID ?? "", "where": condition ?? "",
         "statusAny": status == nil, "statusEnabled": status == "enabled", "statusDisabled": status == "disabled",
         "connectionAny": connection == nil, "connected": connection == "Connected", "disconnected": connection == "Disconnected"]
    }

    func queryString(continuation: String?) -> String {
        var pairs: [(String, String)] = []
        if let deviceID { pairs.append(("id", deviceID)) }
        if let status { pairs.append(("status", status)) }
        if let connection { pairs.append(("connection", connection)) }
        if let condition { pairs.append(("where", condition)) }
        if let continuation { pairs.append(("c", continuation)) }
        return pairs.map { "\($0.0)=\(PercentEncoding.encode($0.1, safe: ""))" }.joined(separator: "&")
    }
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var result = ""
        for character in self { if character == target { result += replacement } else { result.append(character) } }
        return result
    }
}

extension Array where Element == UInt8 {
    /// UTF-8 text (JSON serialisation is always valid UTF-8).
    var asText: String { String(decoding: self, as: UTF8.self) }
}
