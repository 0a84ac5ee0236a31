import NaveLimits

/// One mistake in a configuration: what is wrong (a key, a variable, the file), where it came
/// from, and what was expected. Every refusal has the one shape operators learn to read:
/// `configuration: mqtt.maximumPacketBytes = 12 (nave.yaml:7): must be an integer in 64…268435460`.
public struct ConfigurationProblem: Sendable, Equatable, CustomStringConvertible {
    /// The key (`mqtt.maximumPacketBytes`), variable (`NAVE_MQTT_…`) or file the problem is about.
    public var subject: String
    /// The value as written, when there is one (never a secret: configuration holds paths, not keys).
    public var value: String?
    public var origin: ConfigurationSource.Origin?
    public var message: String

    public init(subject: String, value: String? = nil, origin: ConfigurationSource.Origin?, message: String) {
        self.subject = subject
        self.value = value
        self.origin = origin
        self.message = message
    }

    public var description: String {
        var line = subject.isEmpty ? "configuration" : "configuration: \(subject)"
        if let value { line += " = \(value)" }
        if let origin { line += " (\(origin))" }
        return line + ": " + message
    }
}

/// Startup's refusal: every problem found, reported at once (issue #16), one per line.
public struct ConfigurationRefused: Error, Sendable, CustomStringConvertible {
    public var problems: [ConfigurationProblem]

    public init(_ problems: [ConfigurationProblem]) {
        self.problems = problems
    }

    public var description: String { problems.map(\.description).joined(separator: "\n") }

    /// A relation between keys that `validate()` refused (`ConfigurationInvalid` names its keys).
    init(_ invalid: ConfigurationInvalid) {
        self.init([ConfigurationProblem(subject: "", origin: nil, message: invalid.description)])
    }
}
