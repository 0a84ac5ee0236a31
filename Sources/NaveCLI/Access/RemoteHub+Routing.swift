import NaveCore
import NaveModel

/// Message routing through a running node: Nave's own `/routing/…` routes, so a change applies
/// to the node's traffic at once.
extension RemoteHub {
    func routingEntries(_ kind: RoutingEntryKind) async throws -> JSONValue { try call("GET", "/routing/\(kind.rawValue)") }

    func routingEntry(_ kind: RoutingEntryKind, name: String) async throws -> JSONValue {
        try call("GET", "/routing/\(kind.rawValue)/\(escaped(name))")
    }

    func putRoutingEntry(_ entry: RoutingEntry, replacing: Bool) async throws -> JSONValue {
        try call("PUT", "/routing/\(entry.kind.rawValue)/\(escaped(entry.name))", body: entry.json, ifMatch: replacing ? "*" : nil)
    }

    func deleteRoutingEntry(_ kind: RoutingEntryKind, name: String) async throws {
        _ = try call("DELETE", "/routing/\(kind.rawValue)/\(escaped(name))")
    }

    func setRoutingFallback(enabled: Bool) async throws -> JSONValue {
        try call("PUT", "/routing/fallback", body: .object(JSONObject([("isEnabled", .bool(enabled))])))
    }

    func testRoutes(_ sample: JSONValue) async throws -> JSONValue { try call("POST", "/routing/test", body: sample) }
}
