/// IoT Hub's limits on a routing setup (reference §2, paid tiers), and the bounds Nave adds on
/// what a message's `$body` may cost a condition.
public enum RoutingLimits {
    /// Routes per hub (§2: 100 on paid hubs).
    public static let routesMax = 100
    /// Custom endpoints per hub, the built-in `events` not counted (§2: 10 on paid hubs).
    public static let endpointsMax = 10
    /// Enrichments per hub (§2: 10 on paid hubs).
    public static let enrichmentsMax = 10
    /// Characters in a route name, endpoint name or enrichment key (§2: up to 64).
    public static let nameCharactersMax = 64
    /// Characters in an enrichment's value (Nave's bound: a value is stamped on every message).
    public static let enrichmentValueCharactersMax = 1_024
    /// Nesting of a `$body` a condition may walk; a deeper body is treated as not JSON, so
    /// `$body` is undefined for it (the message is still routed, §2.3).
    public static let bodyDepthMax = 32
    /// Bytes of a message with its enrichments (body, system and application properties); a
    /// larger one is dropped for the endpoint whose enrichments made it so (§2.5: 256 KB).
    public static let enrichedMessageBytesMax = 256 * 1024
    /// Custom endpoints plus the built-in one: what a routing decision's bit set must hold.
    static let endpointSlotsMax = endpointsMax + 1
}

extension RoutingLimits {
    /// True when `name` is 1…64 characters of ASCII letters, digits, `.`, `_`, `-` (§2 for
    /// route names; §2.5 for enrichment keys; the same rule for endpoint names).
    static func isValidName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= nameCharactersMax else { return false }
        return name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                return true
            default:
                return false
            }
        }
    }
}
