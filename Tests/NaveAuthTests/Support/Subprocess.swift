import Foundation

/// Runs a tool (openssl, python3) with a deadline, for checks by independent implementations.
/// Output goes to files, not pipes, so a chatty child can never block on a full pipe; a child
/// past its deadline is sent SIGKILL, so a test cannot hang.
struct Subprocess {
    struct Result {
        var status: Int32
        var output: String
        var errors: String
    }

    /// A fresh temporary directory for one test's files.
    static func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("nave-auth-\(getpid())-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    static func run(_ executable: String, _ arguments: [String], in directory: URL,
                    timeoutSeconds: Double = 30) throws -> Result {
        let name = UUID().uuidString.prefix(8)
        let outputURL = directory.appendingPathComponent("\(name).out")
        let errorsURL = directory.appendingPathComponent("\(name).err")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorsURL.path, contents: nil)
        let output = try FileHandle(forWritingTo: outputURL)
        let errors = try FileHandle(forWritingTo: errorsURL)
        defer {
            try? output.close()
            try? errors.close()
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return Result(status: -1, output: try read(outputURL), errors: "timed out after \(timeoutSeconds) s")
        }
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: try read(outputURL), errors: try read(errorsURL))
    }

    private static func read(_ url: URL) throws -> String {
        String(decoding: try Data(contentsOf: url), as: UTF8.self)
    }
}
