import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The built `nave` executable run as a child process, the way a user or a script runs it: these
/// tests check exit statuses, messages and what appears on disk, which only the real binary shows.
struct NaveProcess {
    struct Failure: Error, CustomStringConvertible { let description: String }

    /// What a finished run left: its exit status and both streams.
    struct Outcome {
        var status: Int32
        var standardOutput: String
        var standardError: String
    }

    /// `$NAVE_BIN`, else `nave` beside the test bundle (SwiftPM builds every product into the
    /// same folder, `.build*/debug`).
    static func binary() throws -> String {
        if let given = ProcessInfo.processInfo.environment["NAVE_BIN"] { return given }
        let candidates = [CommandLine.arguments.first, Bundle.main.executablePath].compactMap { $0 }.map {
            URL(fileURLWithPath: $0).deletingLastPathComponent().appendingPathComponent("nave").path
        }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw Failure(description: "no nave binary at \(candidates); build it (swift build --build-tests) or set NAVE_BIN")
        }
        return found
    }

    /// Runs `nave arguments` in `directory` and waits at most `seconds` (then SIGKILL and fail),
    /// so a command that should refuse at once cannot hang the suite by serving instead.
    static func run(_ arguments: [String], in directory: String, seconds: Double = 30) async throws -> Outcome {
        let logs = try ScratchDirectory()
        defer { logs.remove() }
        let (process, output, errors) = try start(arguments, in: directory, logsIn: logs.path)
        guard await waitForExit(process, seconds: seconds) else {
            throw Failure(description: "nave \(arguments.joined(separator: " ")) did not exit within \(seconds) s")
        }
        return Outcome(status: process.terminationStatus,
                       standardOutput: try String(contentsOfFile: output, encoding: .utf8),
                       standardError: try String(contentsOfFile: errors, encoding: .utf8))
    }

    /// Starts `nave arguments` in `directory` with its streams going to two files in
    /// `logDirectory` (a pipe nobody drains could block a long-running node).
    static func start(_ arguments: [String], in directory: String, logsIn logDirectory: String) throws
        -> (Process, output: String, errors: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try binary())
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let (output, errors) = (logDirectory + "/stdout", logDirectory + "/stderr")
        FileManager.default.createFile(atPath: output, contents: nil)
        FileManager.default.createFile(atPath: errors, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errors))
        process.standardInput = FileHandle.nullDevice
        // The node refuses NAVE_* variables it does not know (NAVE_BIN is the harness's own);
        // no admin listener, whose fixed 127.0.0.1:9600 parallel tests' nodes would race for.
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("NAVE_") }
            .merging(["NAVE_ADMIN_LISTENERS": ""]) { $1 }
        try process.run()
        return (process, output, errors)
    }

    /// Starts `nave serve arguments` in `directory` and waits at most 30 s for `advertisement`
    /// (the node.json it writes once its REST listener is up); whether it appeared is returned
    /// beside the process, whose standard error goes to `errors`.
    static func startNode(_ arguments: [String], in directory: String, logsIn logDirectory: String,
                          advertisement: String) async throws -> (Process, errors: String, advertised: Bool) {
        let (process, _, errors) = try start(["serve"] + arguments, in: directory, logsIn: logDirectory)
        let deadline = Date().addingTimeInterval(30)
        while !FileManager.default.fileExists(atPath: advertisement) && process.isRunning && Date() < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        return (process, errors, FileManager.default.fileExists(atPath: advertisement))
    }

    /// Polls without blocking a cooperative-pool thread; kills the child after `seconds`.
    static func waitForExit(_ process: Process, seconds: Double) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { try? await Task.sleep(for: .milliseconds(10)) }
        guard process.isRunning else { return true }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        return false
    }
}

/// A fresh, empty directory under the system's temporary folder, removed by `remove()`.
struct ScratchDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("nave-cli-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    }

    /// The names directly inside, sorted (empty when the command left nothing behind).
    func contents() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: path).sorted() }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}
