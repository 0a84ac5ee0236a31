import NaveCore
import NaveModel
import Synchronization

/// Deterministic randomness (SplitMix64), so generated keys and ids differ within a run and
/// repeat from run to run.
final class CountingRandom: HubRandom {
    private let state = Mutex<UInt64>(0)

    func bytes(_ count: Int) -> [UInt8] {
        state.withLock { state in
            (0..<count).map { _ in
                state &+= 0x9E37_79B9_7F4A_7C15
                var z = state
                z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                return UInt8(truncatingIfNeeded: z ^ (z >> 31))
            }
        }
    }
}

/// Records revocations instead of closing a socket.
final class RecordingConnection: LiveConnection {
    let revocations = Mutex<[RevocationReason]>([])

    let deliveries = Mutex<[DeviceDelivery]>([])

    func revoke(_ reason: RevocationReason) { revocations.withLock { $0.append(reason) } }
    func deliver(_ delivery: DeviceDelivery) { deliveries.withLock { $0.append(delivery) } }

    var revoked: [RevocationReason] { revocations.withLock { $0 } }
}

/// A store whose next `apply` fails, to check that a failed write changes nothing.
final class FailingStore: IdentityStore {
    let inner = InMemoryIdentityStore()
    let failNext = Atomic<Bool>(false)

    struct Refused: Error {}

    func loadRegistry() async throws -> RegistrySnapshot { try await inner.loadRegistry() }

    func apply(_ changes: [RegistryChange]) async throws {
        if failNext.exchange(false, ordering: .relaxed) { throw Refused() }
        try await inner.apply(changes)
    }
}

func makeRegistry(store: any IdentityStore = InMemoryIdentityStore(), clock: ManualClock = ManualClock()) async throws -> IdentityRegistry {
    try await IdentityRegistry(store: store, clock: clock, random: CountingRandom())
}

let keyA = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
let keyB = "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA="
