import ArgumentParser
import NaveCore
import NaveModel
import NaveStore

/// What the admin commands do to a hub, whichever way they reach it: through a running node's
/// REST API (`RemoteHub`), or — when no node holds the data directory — through the store
/// directly (`LocalHub`). Results are IoT Hub's JSON, as the REST API returns them.
protocol HubAccess {
    func createDevice(_ request: DeviceRequest) async throws -> JSONValue
    func updateDevice(_ request: DeviceRequest, etag: String?) async throws -> JSONValue
    func device(_ deviceID: String) async throws -> JSONValue
    func devices(top: Int?) async throws -> JSONValue
    func deleteDevice(_ deviceID: String, etag: String?) async throws
    func policies() async throws -> JSONValue
    func createPolicy(name: String, rights: AccessRights) async throws -> JSONValue
    func deletePolicy(name: String) async throws
    func regenerateKey(policy: String, slot: String) async throws -> JSONValue
    /// One long-polling read of the events endpoint (`GET /events`; a running node only).
    func events(query: [(String, String)]) async throws -> JSONValue
    /// The twin of a device (`moduleID` nil) or module, as REST's `Twin`.
    func twin(deviceID: String, moduleID: String?) async throws -> JSONValue
    /// `PATCH`: merges `update`'s tags and desired properties, if the twin's etag is still `etag`.
    func updateTwin(deviceID: String, moduleID: String?, _ update: TwinUpdate, etag: String?) async throws -> JSONValue
    /// `PUT`: replaces tags and desired properties, if the twin's etag is still `etag`.
    func replaceTwin(deviceID: String, moduleID: String?, _ update: TwinUpdate, etag: String?) async throws -> JSONValue
    /// Calls a direct method on a connected device or module and returns IoT Hub's result,
    /// `{"status": n, "payload": …}` (contract §4.2). Needs a running node: only it has the
    /// device's connection.
    func invokeMethod(_ call: MethodCall) async throws -> JSONValue
    /// Queues a C2D message; `{"deviceId","messageId","expiryTimeUtc","cloudToDeviceMessageCount"}`.
    func sendCloudToDevice(_ request: CloudToDeviceSendRequest, deviceID: String) async throws -> JSONValue
    /// Empties a device's C2D queue; `{"totalMessagesPurged","deviceId","moduleId"}`.
    func purgeCloudToDevice(deviceID: String) async throws -> JSONValue
    /// The events endpoint's consumer groups, `[{"name","createdAt"}]`, `$Default` first.
    func consumerGroups() async throws -> JSONValue
    /// Creates a consumer group; `{"name","createdAt"}`.
    func createConsumerGroup(name: String) async throws -> JSONValue
    /// Deletes a consumer group and its checkpoints.
    func deleteConsumerGroup(name: String) async throws
    /// One page of a query (`POST /devices/query`): its rows and the next page's token.
    func query(_ text: String, continuation: String?) async throws -> (rows: [JSONValue], continuation: String?)
    /// Creates an import/export job (`POST /jobs/create`, body `JobProperties`) and returns it;
    /// a running node only, since only it runs jobs.
    func createImportExportJob(_ properties: JSONValue) async throws -> JSONValue
    /// An import/export job (`GET /jobs/{id}`).
    func importExportJob(_ jobID: String) async throws -> JSONValue
    /// Message routing's entries of one kind (`routes`, `endpoints`, `enrichments`), in order.
    func routingEntries(_ kind: RoutingEntryKind) async throws -> JSONValue
    /// One routing entry by name (an enrichment by key).
    func routingEntry(_ kind: RoutingEntryKind, name: String) async throws -> JSONValue
    /// Creates a routing entry, or replaces the one of that name when `replacing`.
    func putRoutingEntry(_ entry: RoutingEntry, replacing: Bool) async throws -> JSONValue
    func deleteRoutingEntry(_ kind: RoutingEntryKind, name: String) async throws
    /// Turns the fallback route (to the built-in `events`) on or off.
    func setRoutingFallback(enabled: Bool) async throws -> JSONValue
    /// `route test`: a sample message (`TelemetryEvent(routingSample:)`) against the routes.
    func testRoutes(_ sample: JSONValue) async throws -> JSONValue
    /// The modules of a device (`GET /devices/{id}/modules`).
    func modules(deviceID: String) async throws -> JSONValue
    /// One module (`GET /devices/{id}/modules/{mid}`).
    func module(deviceID: String, moduleID: String) async throws -> JSONValue
    /// Creates a module (`ifMatch` nil) or updates it if its etag is still `ifMatch` ("*": any).
    func putModule(_ request: ModuleRequest, ifMatch: String?) async throws -> JSONValue
    func deleteModule(deviceID: String, moduleID: String, etag: String?) async throws
    func close() async
}

/// The kinds of routing entry, by their REST path segment.
enum RoutingEntryKind: String {
    case routes, endpoints, enrichments
}

/// One routing entry as the CLI creates or replaces it.
enum RoutingEntry {
    case route(Route)
    case endpoint(RoutingEndpoint)
    case enrichment(MessageEnrichment)

    var kind: RoutingEntryKind {
        switch self {
        case .route: .routes
        case .endpoint: .endpoints
        case .enrichment: .enrichments
        }
    }

    var name: String {
        switch self {
        case .route(let route): route.name
        case .endpoint(let endpoint): endpoint.name
        case .enrichment(let enrichment): enrichment.key
        }
    }

    var json: JSONValue {
        switch self {
        case .route(let route): route.json
        case .endpoint(let endpoint): endpoint.json
        case .enrichment(let enrichment): enrichment.json
        }
    }
}

/// A direct-method call as `nave method invoke` gives it.
struct MethodCall {
    var deviceID: String
    var moduleID: String?
    var methodName: String
    var payload: JSONValue
    var responseTimeoutSeconds: Int
    var connectTimeoutSeconds: Int

    /// The body of `POST /twins/{id}[/modules/{mid}]/methods`, as azure-iot-hub sends it.
    var json: JSONValue {
        ["methodName": .string(methodName), "payload": payload,
         "responseTimeoutInSeconds": .integer(Int64(responseTimeoutSeconds)),
         "connectTimeoutInSeconds": .integer(Int64(connectTimeoutSeconds))]
    }
}

/// Opens the hub, runs `body`, prints its JSON result in the `--output` format, closes. Hub
/// failures become one line on standard error and exit status 1, or 3 for "not found".
func withHub(_ options: HubOptions, printing: Bool = true, _ body: (any HubAccess) async throws -> JSONValue?) async throws {
    let access = try await options.open()
    do {
        let result = try await body(access)
        await access.close()
        if printing, let result { options.format.print(result) }
    } catch let error as HubError {
        await access.close()
        throw error.commandFailure
    } catch {
        await access.close()
        throw error
    }
}
