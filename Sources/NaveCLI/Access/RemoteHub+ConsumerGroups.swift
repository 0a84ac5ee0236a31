import NaveModel

/// Consumer groups through a running node: Nave's own `/eventHub/consumerGroups` routes (IoT
/// Hub's are Azure Resource Manager's), so the node's readers of a deleted group are detached.
extension RemoteHub {
    func consumerGroups() async throws -> JSONValue { try call("GET", "/eventHub/consumerGroups") }

    func createConsumerGroup(name: String) async throws -> JSONValue {
        try call("PUT", "/eventHub/consumerGroups/\(escaped(name))")
    }

    func deleteConsumerGroup(name: String) async throws {
        _ = try call("DELETE", "/eventHub/consumerGroups/\(escaped(name))")
    }
}
