import ArgumentParser
import NaveModel

/// `nave hub consumer-group …`: the events endpoint's consumer groups, like
/// `az iot hub consumer-group`. `$Default` always exists; at most 20 groups in all.
struct ConsumerGroupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consumer-group",
        abstract: "List, create and delete the consumer groups of the built-in events endpoint.",
        subcommands: [List.self, Create.self, Delete.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the consumer groups with their creation times.")
        @OptionGroup var hub: HubOptions
        func run() async throws { try await withHub(hub) { try await $0.consumerGroups() } }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a consumer group (1-50 letters, digits, '.', '_', '-'; a letter or digit at each end).")
        @OptionGroup var hub: HubOptions
        @Argument(help: "The consumer group's name.") var name: String
        func run() async throws { try await withHub(hub) { try await $0.createConsumerGroup(name: name) } }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a consumer group and its checkpoints ($Default is kept).")
        @OptionGroup var hub: HubOptions
        @Argument(help: "The consumer group's name.") var name: String

        func run() async throws {
            try await withHub(hub) { access in
                try await access.deleteConsumerGroup(name: name)
                return nil
            }
        }
    }
}
