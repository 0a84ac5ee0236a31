import ArgumentParser
import NaveModel

/// The CLI's exit statuses, documented in `nave --help` and the README so scripts can branch on
/// them: `az` distinguishes usage errors (2) the same way; 3 is Nave's own for "the device,
/// module, route… does not exist", which a script usually wants to tell from a real failure.
enum ExitStatus: Int32, CaseIterable {
    case success = 0
    case failure = 1
    case usage = 2
    case notFound = 3

    var meaning: String {
        switch self {
        case .success: "the command did what it was asked"
        case .failure: "it failed (the hub refused, the node could not be reached, …)"
        case .usage: "the command line is wrong (unknown option, missing or invalid value)"
        case .notFound: "the device, module, route or other resource named does not exist"
        }
    }

    /// The table `nave --help` ends with.
    static let helpTable = "Exit status:\n" + allCases.map { "  \($0.rawValue)  \($0.meaning)" }.joined(separator: "\n")

    /// The status for an error that ended a command: ArgumentParser's validation failures (its
    /// EX_USAGE, 64) become 2, a hub's 404 becomes 3, help and --version 0, the rest 1.
    static func of(_ error: any Error, parserCode: ExitCode) -> ExitStatus {
        if let failure = error as? CommandFailure { return failure.status }
        if let hubError = error as? HubError { return hubError.status == 404 ? .notFound : .failure }
        switch parserCode {
        case .success: return .success
        case .validationFailure: return .usage
        default: return .failure
        }
    }
}

/// A failure the CLI reports as one line on standard error, with its exit status.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    var status: ExitStatus = .failure
}

extension HubError {
    /// `DeviceNotFound (404001): Device 'x' was not found.` — how the CLI shows a hub failure.
    var commandLine: String { "\(name) (\(code)): \(message)" }

    /// The CLI's failure for this error: not found (3) for IoT Hub's 404s.
    var commandFailure: CommandFailure { CommandFailure(description: commandLine, status: status == 404 ? .notFound : .failure) }
}
