import NaveCore
import NaveHTTP
import NaveModel

/// A twin (reference §1.2): tags and desired properties edited as JSON and replaced with the
/// etag read with them (a twin changed since gets 412 from `DeviceTwins`, and the page says
/// so and shows the twin as it is now); reported properties read-only with their `$metadata`
/// (last-updated times).
extension Console {
    func twin(_ key: IdentityKey, _ page: ConsolePage, error: String?, edited: (tags: String, desired: String)? = nil) async -> HTTPResponse {
        let json: JSONValue
        do {
            json = try hub.twins.json(of: try await hub.twins.twin(key))
        } catch {
            return renderer.message(title: "Twin", text: error.message, status: error.status)
        }
        let properties = json["properties"]
        var content: [String: Any] = [
            "deviceId": key.deviceID, "href": ConsolePaths.identity(key), "twinHref": ConsolePaths.identity(key) + "/twin",
            "etag": json["etag"]?.stringValue ?? "",
            "version": json["version"]?.int64Value ?? 0,
            "tags": ConsoleJSON.pretty(json["tags"] ?? .object(JSONObject())),
            "desired": ConsoleJSON.pretty(ConsoleJSON.withoutMetadata(properties?["desired"])),
            "desiredVersion": properties?["desired"]?["$version"]?.int64Value ?? 0,
            "desiredMetadata": ConsoleJSON.pretty(properties?["desired"]?["$metadata"] ?? .null),
            "reported": ConsoleJSON.pretty(properties?["reported"] ?? .object(JSONObject())),
            "reportedVersion": properties?["reported"]?["$version"]?.int64Value ?? 0,
        ]
        if let moduleID = key.moduleID { content["moduleId"] = moduleID }
        if let error { content["error"] = error }
        if let edited {
            content["editedTags"] = edited.tags
            content["editedDesired"] = edited.desired
        }
        return renderer.render("twin", page.context(title: "Twin of \(key)", section: "devices", content),
                               status: error == nil ? 200 : 409)
    }

    func updateTwin(_ key: IdentityKey, _ form: ConsoleForm, _ page: ConsolePage) async -> HTTPResponse {
        let tagsText = form["tags"] ?? "{}", desiredText = form["desired"] ?? "{}"
        let update: TwinUpdate
        do {
            update = TwinUpdate(tags: try Self.object(tagsText, field: "Tags"), desired: try Self.object(desiredText, field: "Desired properties"))
        } catch {
            return await twin(key, page, error: error.message, edited: (tagsText, desiredText))
        }
        do {
            let twin = try await hub.twins.replaceTwin(key, update, ifMatch: form["etag"].map { "\"\($0)\"" } ?? "*")
            return redirect(ConsolePaths.identity(key) + "/twin", note: "Twin saved (etag \(twin.etag)).", page)
        } catch where error.status == 412 {
            return await twin(key, page, error: "Conflict: the twin changed since you opened it, so your edit was not saved. "
                + "It is shown below as it is now; your edit is kept underneath to apply again.", edited: (tagsText, desiredText))
        } catch {
            return await twin(key, page, error: "Not saved: \(error.message)", edited: (tagsText, desiredText))
        }
    }

    /// A JSON object typed in a textarea (bounded by the form's size; depth as the REST API's).
    static func object(_ text: String, field: String) throws(HubError) -> JSONObject {
        let value: JSONValue
        do {
            value = try JSONValue(parsing: Array(text.utf8), limits: JSONLimits(depthMax: 32))
        } catch {
            throw .argumentInvalid("\(field) are not valid JSON: \(error)")
        }
        guard let object = value.objectValue else { throw .argumentInvalid("\(field) must be a JSON object.") }
        return object
    }
}
