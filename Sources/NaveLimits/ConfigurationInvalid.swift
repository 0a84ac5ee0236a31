/// A configuration that startup refuses: a limit out of its range, two limits that contradict
/// each other, a key with a value it cannot take. One type for every part (engine, MQTT
/// binding, broker, HTTPS, node), so the node reports them all alike and tests can match any.
/// The description names the key and its range, and never a secret.
public struct ConfigurationInvalid: Error, CustomStringConvertible, Equatable, Sendable {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}

/// The checks of one configuration: `require` throws `ConfigurationInvalid` whose description
/// is the configuration's name (when it has one), a colon, and the message.
///
/// ```swift
/// let rules = ConfigurationRules(of: "event loop configuration")
/// try rules.require((1...256).contains(loopCount), "loopCount must be 1...256 (is \(loopCount))")
/// ```
public struct ConfigurationRules: Sendable {
    /// What is checked, e.g. "broker configuration"; nil when the messages name their keys in full.
    public let configuration: String?

    public init(of configuration: String? = nil) {
        self.configuration = configuration
    }

    /// Throws unless `condition` holds; the message is built only then.
    public func require(_ condition: Bool, _ message: @autoclosure () -> String) throws(ConfigurationInvalid) {
        guard !condition else { return }
        throw refusal(message())
    }

    /// The error for `message`, for checks that are not a single condition.
    public func refusal(_ message: String) -> ConfigurationInvalid {
        ConfigurationInvalid(configuration.map { "\($0): \(message)" } ?? message)
    }
}
