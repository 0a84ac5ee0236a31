import ArgumentParser
import NaveModel

/// `nave policy …`: the hub's shared access policies, like `az iot hub policy`.
struct PolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "List, create and delete shared access policies, and renew their keys.",
        subcommands: [List.self, Create.self, Delete.self, RegenerateKey.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the policies with their rights and keys.")
        @OptionGroup var hub: HubOptions
        func run() async throws { try await withHub(hub) { try await $0.policies() } }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a policy with new keys.")
        @OptionGroup var hub: HubOptions
        @Option(name: .long, help: "The policy name.") var name: String
        @Option(name: .long, help: "Comma-separated: RegistryRead, RegistryWrite, ServiceConnect, DeviceConnect.") var permissions: String

        func run() async throws {
            guard let rights = AccessRights(names: permissions), !rights.isEmpty else {
                throw CommandFailure(description: "--permissions must name RegistryRead, RegistryWrite, ServiceConnect or DeviceConnect")
            }
            try await withHub(hub) { try await $0.createPolicy(name: name, rights: rights) }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a policy (the last one is kept).")
        @OptionGroup var hub: HubOptions
        @Option(name: .long, help: "The policy name.") var name: String

        func run() async throws {
            try await withHub(hub) { access in
                try await access.deletePolicy(name: name)
                return nil
            }
        }
    }

    struct RegenerateKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "regenerate-key", abstract: "Give a policy a new primary or secondary key, or swap them.")
        @OptionGroup var hub: HubOptions
        @Option(name: .long, help: "The policy name.") var name: String
        @Option(name: .long, help: "primary, secondary or swap.") var key = "primary"

        func run() async throws { try await withHub(hub) { try await $0.regenerateKey(policy: name, slot: key) } }
    }
}
