import ArgumentParser
import NaveModel

/// `nave device export|import --container …`: IoT Hub's import/export jobs (reference §3.5)
/// against a container of Nave's blob store, as `az iot hub device-identity export|import` runs
/// them against Azure Storage. The command mints the container SAS the way
/// `nave storage container-sas` does, creates the job through the running node's REST API (a
/// running node is required: it runs the job), waits for it and prints the final job.
extension DeviceCommand {
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export every device and its twin to devices.txt in a blob store container (needs a running node).")
        @OptionGroup var hub: HubOptions
        @Option(name: .long, help: "The container devices.txt is written to.") var container: String
        @Flag(name: .long, help: "Write the devices' symmetric keys as null.") var excludeKeys = false
        @Option(name: .long, help: "Give up waiting after this many seconds (the job goes on).") var timeout = 600

        func run() async throws {
            let output = try StorageCommand.ContainerSAS.url(hub, container: container, permissions: "rw", durationSeconds: timeout + 3_600)
            try await ImportExportRun.run(hub, timeoutSeconds: timeout, properties: [
                "type": "export", "outputBlobContainerUri": .string(output), "excludeKeysInExport": .bool(excludeKeys),
            ])
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import devices.txt from a blob store container; failures go to importErrors.log (needs a running node).")
        @OptionGroup var hub: HubOptions
        @Option(name: .long, help: "The container devices.txt is read from.") var container: String
        @Option(name: .long, help: "Where importErrors.log is written (default: the input container).") var outputContainer: String?
        @Option(name: .long, help: "Give up waiting after this many seconds (the job goes on).") var timeout = 600

        func run() async throws {
            let duration = timeout + 3_600
            let input = try StorageCommand.ContainerSAS.url(hub, container: container, permissions: "r", durationSeconds: duration)
            let output = try StorageCommand.ContainerSAS.url(hub, container: outputContainer ?? container, permissions: "rw",
                                                             durationSeconds: duration)
            try await ImportExportRun.run(hub, timeoutSeconds: timeout, properties: [
                "type": "import", "inputBlobContainerUri": .string(input), "outputBlobContainerUri": .string(output),
            ])
        }
    }
}

/// Creates the job, polls it until it is finished, prints it; a job that did not complete is a
/// non-zero exit with its `failureReason`.
enum ImportExportRun {
    static let pollMillis = 250

    static func run(_ hub: HubOptions, timeoutSeconds: Int, properties: JSONValue) async throws {
        guard (1...86_400).contains(timeoutSeconds) else { throw ValidationError("--timeout must be 1...86400 seconds") }
        try await withHub(hub) { access in
            var job = try await access.createImportExportJob(properties)
            guard let id = job["jobId"]?.stringValue else { throw CommandFailure(description: "the node answered a job without jobId") }
            var waited = 0
            while !["completed", "failed", "cancelled"].contains(job["status"]?.stringValue ?? "") {
                guard waited < timeoutSeconds * 1_000 else {
                    throw CommandFailure(description: "job \(id) is still \(job["status"]?.stringValue ?? "?") after \(timeoutSeconds) s")
                }
                try await Task.sleep(for: .milliseconds(pollMillis))
                waited += pollMillis
                job = try await access.importExportJob(id)
            }
            guard job["status"] == "completed" else {
                hub.format.print(job)
                throw CommandFailure(description: "job \(id) \(job["status"]?.stringValue ?? "?"): \(job["failureReason"]?.stringValue ?? "")")
            }
            return job
        }
    }
}
