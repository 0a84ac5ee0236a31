import NaveModel

/// The hub's errors as AMQP error conditions (AMQP 1.0 §2.8.15), for rejected deliveries and
/// detached links: the one vocabulary of `HubError`, translated at this edge (STYLE.md).
enum AMQPErrorCondition {
    static func condition(for error: HubError) -> (name: String, description: String) {
        let name = switch error.status {
        case 400: "amqp:invalid-field"
        case 401: "amqp:unauthorized-access"
        case 403 where error.name == "DeviceMaximumQueueDepthExceeded": "amqp:resource-limit-exceeded"
        case 403: "amqp:unauthorized-access"
        case 404: "amqp:not-found"
        case 412: "amqp:precondition-failed"
        case 413: "amqp:link:message-size-exceeded"
        case 429: "amqp:resource-limit-exceeded"
        default: "amqp:internal-error"
        }
        return (name, error.message)
    }
}
