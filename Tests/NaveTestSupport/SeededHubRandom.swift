import NaveCodecTestSupport
import NaveCore
import Synchronization

/// The hub's randomness (keys, generation ids, request ids) from `SeededGenerator`: the same
/// bytes every run, different bytes on every call.
public final class SeededHubRandom: HubRandom {
    private let generator: Mutex<SeededGenerator>

    public init(seed: UInt64 = 0x5EED) { generator = Mutex(SeededGenerator(seed: seed)) }

    public func bytes(_ count: Int) -> [UInt8] {
        generator.withLock { generator in (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) } }
    }
}
