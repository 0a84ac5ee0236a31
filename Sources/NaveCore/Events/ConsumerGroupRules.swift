import NaveModel

/// Event Hubs' rules for consumer groups, checked before anything is stored.
public enum ConsumerGroupRules {
    /// Longest name, in characters (Event Hubs' REST API: consumerGroupName maxLength 50).
    public static let nameCharactersMax = 50
    /// Groups per hub, `$Default` included: Event Hubs Standard allows 20 per event hub, and
    /// IoT Hub's built-in endpoint (Standard tier) has the same quota. Every group costs its
    /// readers' checkpoints and, on the AMQP endpoint, a reader set per partition.
    public static let groupsPerHubMax = 20

    /// Event Hubs' name rule: 1 to 50 letters, digits, `.`, `_` or `-`, starting and ending with
    /// a letter or digit. ASCII only, so case folding is ASCII's (`$Default` is not a valid
    /// new name: it is reserved, and refused before this check as existing).
    public static func validate(name: String) throws(HubError) {
        let bytes = name.utf8
        guard let first = bytes.first, let last = bytes.last, bytes.count <= nameCharactersMax,
              isLetterOrDigit(first), isLetterOrDigit(last),
              bytes.allSatisfy({ isLetterOrDigit($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") })
        else {
            throw .argumentInvalid("A consumer group name is 1 to \(nameCharactersMax) letters, digits, '.', '_' or '-', "
                + "starting and ending with a letter or digit.")
        }
    }

    /// The key names are compared by: case folded, as Event Hubs compares entity names.
    static func key(_ name: String) -> String { name.lowercased() }

    private static func isLetterOrDigit(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }
}
