/// The topics of IoT Hub's MQTT device surface (contract §1.6): what a device publishes, parsed;
/// what the hub publishes to it, built; and which filters it may subscribe to. Ids are never
/// percent-encoded in topics (§1.6); property bags and `$rid` values are.
public enum IoTHubTopic: Equatable, Sendable {
    /// `devices/{d}[/modules/{m}]/messages/events/{bag}`.
    case telemetry(deviceID: Substring, moduleID: Substring?, propertyBag: Substring)
    /// `$iothub/twin/GET/?$rid={rid}`.
    case twinGet(requestID: String)
    /// `$iothub/twin/PATCH/properties/reported/?$rid={rid}`.
    case twinReportedPatch(requestID: String)
    /// `$iothub/methods/res/{status}/?$rid={rid}`.
    case methodResponse(status: Int, requestID: String)

    /// Parses a device's PUBLISH topic; nil for a topic IoT Hub does not accept from devices.
    public init?(publishedTopic topic: String) {
        if case .parsed(let telemetry) = Self.asciiTelemetry(topic) {
            guard let telemetry else { return nil }
            self = telemetry
            return
        }
        let text = Substring(topic)
        if text.hasPrefix("devices/") {
            guard let parsed = Self.telemetry(text) else { return nil }
            self = parsed
        } else if text.hasPrefix("$iothub/twin/GET/"), let rid = Self.requestID(text, after: "$iothub/twin/GET/") {
            self = .twinGet(requestID: rid)
        } else if text.hasPrefix("$iothub/twin/PATCH/properties/reported/"),
                  let rid = Self.requestID(text, after: "$iothub/twin/PATCH/properties/reported/") {
            self = .twinReportedPatch(requestID: rid)
        } else if text.hasPrefix("$iothub/methods/res/") {
            let rest = text.dropFirst("$iothub/methods/res/".count)
            guard let slash = rest.firstIndex(of: "/"), let status = Int(rest[..<slash]),
                  let rid = Self.requestID(rest[slash...], after: "/") else { return nil }
            self = .methodResponse(status: status, requestID: rid)
        } else {
            return nil
        }
    }

    /// `devices/{d}/messages/events[/{bag}]` or `devices/{d}/modules/{m}/messages/events[/{bag}]`
    /// (the bag keeps any further `/`). Runs for every telemetry message, so it walks the topic
    /// once and builds no array of levels.
    private static func telemetry(_ topic: Substring) -> IoTHubTopic? {
        let afterDevices = topic.dropFirst("devices/".count)
        guard let slash = afterDevices.firstIndex(of: "/") else { return nil }
        let deviceID = afterDevices[..<slash]
        let rest = afterDevices[afterDevices.index(after: slash)...]
        if let bag = bag(rest, after: "messages/events") {
            return .telemetry(deviceID: deviceID, moduleID: nil, propertyBag: bag)
        }
        guard rest.hasPrefix("modules/") else { return nil }
        let afterModules = rest.dropFirst("modules/".count)
        guard let moduleSlash = afterModules.firstIndex(of: "/") else { return nil }
        guard let bag = bag(afterModules[afterModules.index(after: moduleSlash)...], after: "messages/events") else { return nil }
        return .telemetry(deviceID: deviceID, moduleID: afterModules[..<moduleSlash], propertyBag: bag)
    }

    /// What follows `level` + "/" in `text`, "" when `text` is exactly `level`, else nil.
    private static func bag(_ text: Substring, after level: String) -> Substring? {
        guard text.hasPrefix(level) else { return nil }
        let rest = text.dropFirst(level.count)
        if rest.isEmpty { return rest }
        return rest.first == "/" ? rest.dropFirst() : nil
    }

    /// The `$rid` of `…/?$rid=…[&…]` following `prefix`; nil when absent or empty.
    private static func requestID(_ topic: Substring, after prefix: String) -> String? {
        var rest = topic.dropFirst(prefix.count)
        guard rest.hasPrefix("?") else { return nil }
        rest = rest.dropFirst()
        for pair in rest.split(separator: "&") where pair.hasPrefix("$rid=") {
            let value = String(pair.dropFirst("$rid=".count))
            return value.isEmpty ? nil : value
        }
        return nil
    }

    // MARK: Subscriptions

    /// The filters a device or module may subscribe to (contract §1.6); IoT Hub refuses others.
    public static func allowsSubscription(_ filter: String, deviceID: String, moduleID: String?) -> Bool {
        switch filter {
        case "$iothub/methods/POST/#", "$iothub/twin/res/#", "$iothub/twin/PATCH/properties/desired/#":
            return true
        default:
            if let moduleID { return filter == "devices/\(deviceID)/modules/\(moduleID)/inputs/#" }
            return filter == "devices/\(deviceID)/messages/devicebound/#"
        }
    }

    public static let methodsFilter = "$iothub/methods/POST/#"
    public static let desiredPatchFilter = "$iothub/twin/PATCH/properties/desired/#"
    public static let twinResponsesFilter = "$iothub/twin/res/#"

    /// The C2D filter of a device (modules take their inputs instead).
    public static func cloudToDeviceFilter(deviceID: String, moduleID: String?) -> String {
        moduleID.map { "devices/\(deviceID)/modules/\($0)/inputs/#" } ?? "devices/\(deviceID)/messages/devicebound/#"
    }

    // MARK: Hub → device

    public static func twinResponse(status: Int, requestID: String, version: Int64? = nil) -> String {
        "$iothub/twin/res/\(status)/?$rid=\(requestID)" + (version.map { "&$version=\($0)" } ?? "")
    }

    public static func desiredPatch(version: Int64) -> String {
        "$iothub/twin/PATCH/properties/desired/?$version=\(version)"
    }

    /// `name` and `requestID` percent-encoded by the caller where they may hold `/` or `?`.
    public static func methodRequest(name: String, requestID: String) -> String {
        "$iothub/methods/POST/\(name)/?$rid=\(requestID)"
    }

    public static func cloudToDevice(deviceID: String, propertyBag: String) -> String {
        "devices/\(deviceID)/messages/devicebound/\(propertyBag)"
    }
}
