import Glibc
import NaveAuth
import NaveCore
import NaveModel

/// The wall clock of the host, for the hub (token expiry, registry times).
public struct SystemClock: HubClock {
    public init() {}

    public func now() -> Timestamp {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Timestamp(millisecondsSinceEpoch: Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec) / 1_000_000)
    }
}

/// The host's CSPRNG (OpenSSL's RAND_bytes), for keys and generation ids.
public struct SystemRandom: HubRandom {
    public init() {}
    public func bytes(_ count: Int) -> [UInt8] { SecureRandom.bytes(count: count) }
}
