import NaveModel
import Synchronization

/// The wall clock the hub reads (token expiry, `statusUpdatedTime`, enqueue times). Injected so
/// tests run on a manual clock; the node passes the system clock.
public protocol HubClock: Sendable {
    func now() -> Timestamp
}

/// Where the hub's randomness comes from (generated keys, generation ids, tracking ids).
/// Injected so tests are repeatable; the node passes OpenSSL's CSPRNG.
public protocol HubRandom: Sendable {
    func bytes(_ count: Int) -> [UInt8]
}

/// A clock tests set by hand.
public final class ManualClock: HubClock {
    private let current: Mutex<Timestamp>

    public init(_ start: Timestamp = Timestamp(secondsSinceEpoch: 1_700_000_000)) { current = Mutex(start) }

    public func now() -> Timestamp { current.withLock { $0 } }

    public func advance(seconds: Int64) {
        advance(millis: seconds * 1000)
    }

    public func advance(millis: Int64) {
        current.withLock { $0.millisecondsSinceEpoch += millis }
    }
}
