import ArgumentParser
import Glibc
import NaveModel
import NaveStore

/// `nave monitor-events`: follows the built-in events endpoint of a running node, like
/// `az iot hub monitor-events` — from the latest event by default, until interrupted.
struct MonitorEventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor-events",
        abstract: "Print device telemetry (and hub events) as it arrives in the events endpoint.")

    @OptionGroup var hub: HubOptions
    @Option(name: [.customShort("d"), .customLong("device"), .customLong("device-id")], help: "Only this device's events.") var deviceID: String?
    @Option(name: .long, help: "Keep a checkpoint under this consumer group and resume from it.") var consumerGroup: String?
    @Option(name: .long, help: "earliest, latest (default) or an ISO 8601 time.") var from = "latest"
    @Option(name: .long, help: "Stop after this many events.") var messageCount: Int?
    @Option(name: .long, help: "Stop after this many seconds without an event.") var timeout: Int?
    @Option(name: .long, help: "Follow this custom eventhub endpoint instead of the built-in events endpoint.") var endpoint: String?
    @Flag(name: .long, help: "With --endpoint NAME (a webhook, storage or mqtt endpoint): follow its dead-letter log, the messages its delivery gave up on.") var deadLetter = false

    func run() async throws {
        if hub.login == nil {
            try hub.requireDirectory()
            guard DataDirectory.isLocked(hub.dataDir) else {
                throw CommandFailure(description: "monitor-events follows a running node; none holds \(hub.dataDir)")
            }
        }
        let access = try await hub.open()
        let format = hub.format
        var positions: String?
        var printed = 0
        var quietSince = monotonicSeconds()
        while true {
            // The first read does not wait: its positions say how many partitions there are, which
            // the announcement names before any event can arrive.
            let waitMillis = positions == nil ? 0 : min(5_000, (timeout ?? 5) * 1_000)
            var query = [("from", from), ("maxCount", "100"), ("waitMillis", String(waitMillis))]
            if let positions { query.append(("positions", positions)) }
            if let deviceID { query.append(("deviceId", deviceID)) }
            if let consumerGroup { query.append(("consumerGroup", consumerGroup)) }
            if let endpoint { query.append(("endpoint", endpoint)) }
            if deadLetter { query.append(("deadLetter", "true")) }
            let answer = try await access.events(query: query)
            if positions == nil { announce(partitionCount: answer["positions"]?.stringValue?.split(separator: ",").count) }
            positions = answer["positions"]?.stringValue
            // Behind the log (reading old events of others): not silence yet.
            if answer["caughtUp"]?.boolValue == false { quietSince = monotonicSeconds() }
            for event in answer["events"]?.arrayValue ?? [] {
                // JSON: one object per line, for a pipe; otherwise az's indented event.
                switch format {
                case .json: print(event.serializedString())
                case .tsv: format.print(event)
                case .table: OutputFormat.json.print(Self.table(event))
                case .jsonc: format.print(Self.table(event))
                }
                fflush(nil) // flush every stream: a pipe reader sees each event at once
                printed += 1
                quietSince = monotonicSeconds()
                if let messageCount, printed >= messageCount { return }
            }
            if let timeout, monotonicSeconds() - quietSince >= Double(timeout) { return }
        }
    }

    /// What `az iot hub monitor-events` says before the first event, on standard error (the
    /// events go to standard output): where it reads, as whom, from where, and how to stop.
    func announce(partitionCount: Int?) {
        let source = endpoint.map { "endpoint '\($0)'" + (deadLetter ? "'s dead-letter log" : "") } ?? "the built-in events endpoint"
        let group = consumerGroup ?? "$Default"
        let where_ = hub.login.flatMap { try? RemoteHub.Login(parsing: $0) }.map { "\($0.dialHost):\($0.port)" } ?? hub.dataDir
        let partitions = partitionCount.map { "\($0) partition\($0 == 1 ? "" : "s")" } ?? "all partitions"
        var line = "Starting event monitor on \(source) of \(where_): \(partitions), consumer group '\(group)', from \(from)"
        if let deviceID { line += ", device '\(deviceID)' only" }
        if consumerGroup != nil { line += "; resuming from the group's checkpoint when it has one" }
        printToStandardError(line + ".\nPress Ctrl-C to stop.")
    }

    /// The event as `az iot hub monitor-events` shows it.
    static func table(_ event: JSONValue) -> JSONValue {
        var inner: JSONObject = ["origin": event["deviceId"] ?? .null, "module": event["moduleId"] ?? .null]
        if let body = event["body"]?.stringValue, let parsed = try? JSONValue(parsing: body) {
            inner["payload"] = parsed
        } else {
            inner["payload"] = event["body"] ?? .null
        }
        inner["properties"] = ["system": event["systemProperties"] ?? .null, "application": event["applicationProperties"] ?? .null]
        return ["event": .object(inner)]
    }
}

func monotonicSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}
