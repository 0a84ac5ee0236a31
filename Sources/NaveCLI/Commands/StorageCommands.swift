import ArgumentParser
import NaveCore
import NaveModel
import NaveNode
import NaveStore

/// `nave storage …`: Nave's blob store, as `az storage` reaches Azure Storage.
struct StorageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "storage",
        abstract: "Nave's blob store (file uploads, import/export containers).",
        subcommands: [ContainerSAS.self]
    )

    /// Mints a container SAS with the data directory's blob key (`blobs.key`, the one the node
    /// checks), as `az storage container generate-sas` does for Azure: the URL it prints works
    /// with azure-storage-blob's `ContainerClient.from_container_url` and import/export jobs.
    struct ContainerSAS: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "container-sas",
            abstract: "Print https://{host}/{container}?{sas} for a container of the blob store.")
        @OptionGroup var hub: HubOptions
        @Option(name: .long, help: "The container (3-63 of a-z, 0-9, '-'; not a hub route word).") var container: String
        @Option(name: .long, help: "Permissions, letters of racwdl.") var permissions = "racwdl"
        @Option(name: .long, help: "How long the SAS is valid, in seconds (1...31536000).") var duration = 3_600

        func run() async throws {
            print(try ContainerSAS.url(hub, container: container, permissions: permissions, durationSeconds: duration))
        }

        /// `https://{host}/{container}?{sas}`, signed with the data directory's blob key: what
        /// this command prints, and what `nave device export|import` hand to their jobs.
        static func url(_ hub: HubOptions, container: String, permissions: String, durationSeconds duration: Int) throws -> String {
            try hub.requireDirectory()
            guard BlobAddress.isValidContainerName(container), !BlobAddress.reservedContainerNames.contains(container) else {
                throw ValidationError("--container must be 3-63 of a-z, 0-9 and '-', and not a hub route word")
            }
            guard let granted = BlobSASPermissions(letters: permissions) else {
                throw ValidationError("--permissions must be letters of racwdl, each at most once")
            }
            guard (1...31_536_000).contains(duration) else { throw ValidationError("--duration must be 1...31536000 seconds") }
            let key = try DataDirectory.blobKey(in: hub.dataDir, random: SystemRandom())
            let now = SystemClock().now()
            let expiry = Timestamp(millisecondsSinceEpoch: now.millisecondsSinceEpoch + Int64(duration) * 1_000)
            let token = BlobSASSigner(key: key).token(for: .container(container), permissions: granted, expiry: expiry)
            return "https://\(hub.resolvedHostName)/\(container)?\(token)"
        }
    }
}
