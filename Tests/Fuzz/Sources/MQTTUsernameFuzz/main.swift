import FuzzSupport
import NaveAuth
import NaveEncoding

/// libFuzzer entry point for the IoT Hub MQTT CONNECT username (contract §1.2), read with a
/// client id: the input is `clientID\0username\0expectedHost`.
///
/// Checks: parsing refuses with an `MQTTUsernameError` or succeeds; an accepted username's ids
/// make up the client id, its host holds no `/` (and matches the expected host, ignoring ASCII
/// case, when one is given), the named parameters are the query's single values; the username
/// rebuilt from the parsed parts, query percent-encoded, parses to the same value.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let fields = FuzzInput(data, size).fields(3)
    let clientID = fields[0].text
    let username = fields[1].text
    let expectedHost = fields[2].isEmpty ? nil : fields[2].text
    let parsed: MQTTUsername
    do {
        parsed = try MQTTUsername(parsing: username, clientID: clientID, expectedHostName: expectedHost)
    } catch {
        precondition(!error.description.isEmpty)
        return 0
    }
    precondition(username.utf8.count <= MQTTUsername.textBytesMax)
    let ids = parsed.deviceID + (parsed.moduleID.map { "/" + $0 } ?? "")
    precondition(Array(ids.utf8) == Array(clientID.utf8), "ids do not make up the client id")
    precondition(!parsed.hostName.utf8.contains(UInt8(ascii: "/")), "host holds '/'")
    if let expectedHost { precondition(parsed.hostName.lowercased() == expectedHost.lowercased()) }
    for (name, value) in [("api-version", parsed.apiVersion), ("DeviceClientType", parsed.deviceClientType),
                          ("model-id", parsed.modelID)] {
        let values = parsed.query.filter { $0.name == name }.map(\.value)
        precondition(values.count <= 1 && values.first == value, "\(name) is not the query's single value")
    }

    let query = parsed.query.map { PercentEncoding.encode($0.name) + "=" + PercentEncoding.encode($0.value) }
    let rebuilt = "\(parsed.hostName)/\(clientID)/?" + query.joined(separator: "&")
    guard rebuilt.utf8.count <= MQTTUsername.textBytesMax else { return 0 }
    do {
        let again = try MQTTUsername(parsing: rebuilt, clientID: clientID, expectedHostName: expectedHost)
        precondition(again == parsed, "rebuilt username parses differently")
    } catch {
        preconditionFailure("rebuilt username refused: \(error)")
    }
    return 0
}
