/// Where consumer groups of the built-in events endpoint keep their place: per group, the next
/// sequence number to read in each partition (`nave monitor-events --consumer-group`, later the
/// Event Hub-compatible readers).
public protocol CheckpointStore: Sendable {
    func checkpoints(of consumerGroup: String) async throws -> [Int: Int64]
    func save(_ positions: [Int: Int64], for consumerGroup: String) async throws
}
