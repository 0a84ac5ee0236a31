import ArgumentParser
import NaveCore
import NaveModel

/// `nave endpoint …`: custom routing endpoints, like `az iot hub message-endpoint` (issue #15).
/// Through a running node the change applies at once; otherwise it is stored for the next start.
struct EndpointCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "endpoint",
        abstract: "Create, list, show and delete custom routing endpoints.",
        subcommands: [Create.self, List.self, Show.self, Delete.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an endpoint (eventhub: another durable log readable with monitor-events --endpoint).")
        @OptionGroup var hub: HubOptions
        @Option(name: .customLong("endpoint-name"), help: "1-64 letters, digits, '.', '_', '-'.") var name: String
        @Option(name: .customLong("endpoint-type"), help: "eventhub, storage, webhook or mqtt.") var type: String
        @Option(help: "webhook: the http(s) URL to POST to.") var url: String?
        @Option(help: "storage: the directory files are written to.") var directory: String?
        @Option(name: .customLong("topic-prefix"), help: "mqtt: the topic prefix messages are republished under.") var topicPrefix: String?
        @Option(name: .customLong("batch-frequency"), help: "storage: seconds per file.") var batchFrequency: Int?
        @Option(name: .customLong("max-chunk-size"), help: "storage: megabytes per file.") var maxChunkSize: Int?
        @Option(name: .customLong("partition-count"), help: "Partitions of the endpoint's log (default: the built-in endpoint's).") var partitionCount: Int?
        @Option(name: .customLong("max-delivery-attempts"), help: "webhook, storage, mqtt: attempts before a message goes to the dead-letter log (default 10).")
        var maxDeliveryAttempts: Int?
        @Option(name: .customLong("timeout-seconds"), help: "webhook: seconds to wait for an answer (default 10).") var timeoutSeconds: Int?
        @Option(name: .customLong("webhook-ca-file"), help: "webhook over https: the CA bundle to verify the server with.") var caFile: String?
        @Option(help: "mqtt: 0 or 1 (default 1).") var qos: Int?

        func run() async throws {
            guard let kind = RoutingEndpointKind(rawValue: type.lowercased()) else {
                throw ValidationError("--endpoint-type must be eventhub, storage, webhook or mqtt")
            }
            var settings: [String: String] = [:]
            settings["url"] = url
            settings["directory"] = directory
            settings["topicPrefix"] = topicPrefix
            settings["batchFrequencySeconds"] = batchFrequency.map(String.init)
            settings["maxChunkSizeMegabytes"] = maxChunkSize.map(String.init)
            settings["partitionCount"] = partitionCount.map(String.init)
            settings["maxDeliveryAttempts"] = maxDeliveryAttempts.map(String.init)
            settings["timeoutSeconds"] = timeoutSeconds.map(String.init)
            settings["caFile"] = caFile
            settings["qos"] = qos.map(String.init)
            let endpoint = RoutingEndpoint(name: name, kind: kind, settings: settings)
            try await withHub(hub) { try await $0.putRoutingEntry(.endpoint(endpoint), replacing: false) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the custom endpoints.")
        @OptionGroup var hub: HubOptions
        func run() async throws { try await withHub(hub) { try await $0.routingEntries(.endpoints) } }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one endpoint.")
        @OptionGroup var hub: HubOptions
        @Option(name: .customLong("endpoint-name")) var name: String
        func run() async throws { try await withHub(hub) { try await $0.routingEntry(.endpoints, name: name) } }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete an endpoint no route or enrichment names.")
        @OptionGroup var hub: HubOptions
        @Option(name: .customLong("endpoint-name")) var name: String
        func run() async throws {
            try await withHub(hub) { access in
                try await access.deleteRoutingEntry(.endpoints, name: name)
                return nil
            }
        }
    }
}

/// `nave message-enrichment …`: like `az iot hub message-enrichment` (reference §2.5).
struct MessageEnrichmentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "message-enrichment",
        abstract: "Create, list and delete message enrichments (application properties stamped per endpoint).",
        subcommands: [Create.self, List.self, Delete.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create or replace an enrichment: static text, $iothubname, or $twin.tags.… / $twin.properties.desired|reported.….")
        @OptionGroup var hub: HubOptions
        @Option var key: String
        @Option var value: String
        @Option(name: .customLong("endpoint-names"), help: "Comma-separated endpoint names ('events' is the built-in one).")
        var endpointNames: String

        func run() async throws {
            let enrichment = MessageEnrichment(key: key, value: value, endpointNames: endpointNames.split(separator: ",").map(String.init))
            try await withHub(hub) { try await $0.putRoutingEntry(.enrichment(enrichment), replacing: true) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the enrichments.")
        @OptionGroup var hub: HubOptions
        func run() async throws { try await withHub(hub) { try await $0.routingEntries(.enrichments) } }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete an enrichment.")
        @OptionGroup var hub: HubOptions
        @Option var key: String
        func run() async throws {
            try await withHub(hub) { access in
                try await access.deleteRoutingEntry(.enrichments, name: key)
                return nil
            }
        }
    }
}
