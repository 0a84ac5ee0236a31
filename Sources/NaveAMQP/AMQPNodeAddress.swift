/// What a link's address (its source for a receiver, target for a sender; AMQP 1.0 §3.5.3,
/// §3.5.4) names on Nave's AMQP endpoint. Addresses come as full URIs
/// (`amqps://localhost:5671/messages/devicebound`) or bare paths (`$cbs`, `/messages/…`);
/// the scheme, host and port are ignored and the path's fixed words are matched without
/// regard to ASCII case.
public enum AMQPNodeAddress: Sendable, Hashable {
    /// Claims-based security: put-token requests (contract §5.2, §6.3).
    case cbs
    /// Event Hubs' management requests (contract §6.4).
    case management
    /// An Event Hub partition to receive events from (contract §6.5).
    case partition(EventHubAddress)
    /// `/messages/devicebound`: the service's C2D sender target (contract §5.3).
    case deviceBound
    /// `/messages/serviceBound/feedback`: C2D delivery feedback (contract §5.4).
    case feedback
    /// `/messages/serviceBound/filenotifications`: file-upload notifications (reference §5.2).
    case fileNotifications
    /// Anything else, including an address longer than `addressBytesMax`.
    case unknown

    /// Longest address read.
    public static let addressBytesMax = 1024

    public init(_ address: String) {
        guard let path = Self.path(of: address) else {
            self = .unknown
            return
        }
        if path.equalsIgnoringASCIICase("$cbs") {
            self = .cbs
        } else if path.equalsIgnoringASCIICase("$management") {
            self = .management
        } else if path.equalsIgnoringASCIICase("messages/devicebound") {
            // The whole path, not any path ending so: `devices/{id}/messages/devicebound` is a
            // device's own C2D queue (IoT Hub's device-side AMQP), another node altogether.
            self = .deviceBound
        } else if path.equalsIgnoringASCIICase("messages/servicebound/feedback") {
            self = .feedback
        } else if path.equalsIgnoringASCIICase("messages/servicebound/filenotifications") {
            self = .fileNotifications
        } else if let partition = EventHubAddress(address) {
            self = .partition(partition)
        } else {
            self = .unknown
        }
    }

    /// The path of `address` without its leading `/`: what follows the authority of an
    /// `amqps://` or `amqp://` URI (nil when the URI has no path), or the whole text otherwise.
    /// Nil for an address longer than `addressBytesMax`.
    static func path(of address: String) -> Substring.UTF8View? {
        let bytes = Substring(address).utf8
        guard bytes.count <= addressBytesMax else { return nil }
        var path = bytes[...]
        for scheme in ["amqps://", "amqp://"] where bytes.prefix(scheme.utf8.count).equalsIgnoringASCIICase(scheme) {
            let authority = bytes.dropFirst(scheme.utf8.count)
            guard let slash = authority.firstIndex(of: UInt8(ascii: "/")) else { return nil }
            path = authority[slash...]
            break
        }
        if path.first == UInt8(ascii: "/") { path = path.dropFirst() }
        return path
    }
}
