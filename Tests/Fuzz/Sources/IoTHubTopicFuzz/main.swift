import FuzzSupport
import NaveModel
import NaveMQTTBinding

/// libFuzzer entry point for the IoT Hub topics a device publishes to (contract §1.6), with the
/// property bag of a telemetry topic parsed as the hub does next.
///
/// Checks, for any valid UTF-8 input read as a PUBLISH topic: parsing returns a topic or nil;
/// a telemetry topic's device and module ids hold no `/`, and the topic rebuilt from its parts
/// parses to the same parts; a twin or method response's `$rid` is non-empty and holds no `&`,
/// and the topic rebuilt with that `$rid` (and status) parses to the same value. The input is
/// also cut into a device id and a module id: the filters the hub builds for them are allowed.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    if let topic = input.bytes.validText { fuzzPublished(topic) }
    fuzzFilters(input)
    return 0
}

private func fuzzPublished(_ topic: String) {
    guard let parsed = IoTHubTopic(publishedTopic: topic) else { return }
    let rebuilt: String
    switch parsed {
    case .telemetry(let deviceID, let moduleID, let bag):
        precondition(!deviceID.contains("/") && !(moduleID?.contains("/") ?? false), "an id holds '/'")
        let module = moduleID.map { "/modules/\($0)" } ?? ""
        rebuilt = "devices/\(deviceID)\(module)/messages/events" + (bag.isEmpty ? "" : "/\(bag)")
        // The hub parses the bag next; it refuses or accepts, never traps.
        _ = try? PropertyBag.decode(bag)
    case .twinGet(let rid):
        checkRequestID(rid)
        rebuilt = "$iothub/twin/GET/?$rid=\(rid)"
    case .twinReportedPatch(let rid):
        checkRequestID(rid)
        rebuilt = "$iothub/twin/PATCH/properties/reported/?$rid=\(rid)"
    case .methodResponse(let status, let rid):
        checkRequestID(rid)
        rebuilt = "$iothub/methods/res/\(status)/?$rid=\(rid)"
    }
    precondition(IoTHubTopic(publishedTopic: rebuilt) == parsed, "rebuilt topic parses differently")
}

private func checkRequestID(_ rid: String) {
    // Characters, not bytes: the parser splits on the Character `&`, and `&` followed by a
    // combining mark is another Character (harmless: the hub only echoes the `$rid` back).
    precondition(!rid.isEmpty && !rid.contains("&"), "bad $rid")
}

private func fuzzFilters(_ input: FuzzInput) {
    let fields = input.fields(3)
    let deviceID = fields[0].text
    let moduleID = fields[1].isEmpty ? nil : fields[1].text
    let c2d = IoTHubTopic.cloudToDeviceFilter(deviceID: deviceID, moduleID: moduleID)
    precondition(IoTHubTopic.allowsSubscription(c2d, deviceID: deviceID, moduleID: moduleID), "own C2D filter refused")
    for filter in [IoTHubTopic.methodsFilter, IoTHubTopic.desiredPatchFilter, IoTHubTopic.twinResponsesFilter] {
        precondition(IoTHubTopic.allowsSubscription(filter, deviceID: deviceID, moduleID: moduleID), "fixed filter refused")
    }
    // Another device's filter is not allowed (ids compare as Swift strings do).
    let other = deviceID + "x"
    precondition(!IoTHubTopic.allowsSubscription(IoTHubTopic.cloudToDeviceFilter(deviceID: other, moduleID: moduleID),
                                                 deviceID: deviceID, moduleID: moduleID), "another device's filter allowed")
    // A telemetry topic built for ids the registry accepts parses back. The bag must start with
    // ASCII (SDK bags are percent-encoded, so all ASCII): a leading combining mark would fuse
    // with the `/` before it into one Character, and the Character-based parser then refuses
    // the topic.
    let bag = fields[2].text
    guard IdentityID.isValid(deviceID), moduleID.map(IdentityID.isValid) ?? true,
          bag.unicodeScalars.first.map(\.isASCII) ?? true else { return }
    let module = moduleID.map { "/modules/\($0)" } ?? ""
    let topic = "devices/\(deviceID)\(module)/messages/events/\(bag)"
    guard case .telemetry(let d, let m, let b)? = IoTHubTopic(publishedTopic: topic) else {
        preconditionFailure("a telemetry topic built from ids does not parse")
    }
    precondition(d == deviceID && m.map(String.init) == moduleID && b == bag, "telemetry topic parts differ")
}
