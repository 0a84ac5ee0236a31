import ArgumentParser
import Glibc

extension Nave {
    /// ArgumentParser's `main`, with the CLI's own exit statuses (`ExitStatus`): its usage
    /// errors exit 2 rather than 64, and "not found" exits 3. Messages are ArgumentParser's:
    /// help and the version on standard output, everything else on standard error.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let status = ExitStatus.of(error, parserCode: exitCode(for: error))
            let message = fullMessage(for: error)
            if status == .success {
                if !message.isEmpty { print(message) }
            } else if !message.isEmpty {
                printToStandardError(message)
            }
            fflush(nil)
            Glibc.exit(status.rawValue)
        }
    }
}

/// Writes `text` and a newline to standard error (the C `stderr` global is not concurrency-safe
/// to touch from Swift 6; the descriptor is).
func printToStandardError(_ text: String) {
    let bytes = Array((text + "\n").utf8)
    var written = 0
    while written < bytes.count {
        let count = bytes[written...].withUnsafeBytes { Glibc.write(STDERR_FILENO, $0.baseAddress, $0.count) }
        if count < 0 && errno == EINTR { continue }
        guard count > 0 else { return }
        written += count
    }
}
