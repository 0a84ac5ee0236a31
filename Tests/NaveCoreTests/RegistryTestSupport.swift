import NaveCore
import NaveModel
import NaveTestSupport
import Synchronization


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
    func loadRows(_ keys: Set<RegistryRowKey>) async throws -> RegistrySnapshot { try await inner.loadRows(keys) }

    func apply(_ changes: [RegistryChange], expecting expected: [RegistryRowKey: StoredRegistryVersion]) async throws {
        if failNext.exchange(false, ordering: .relaxed) { throw Refused() }
        try await inner.apply(changes, expecting: expected)
    }

    func observeOtherWriters(_ observer: @escaping @Sendable (RegistryStoreChange) -> Void) { inner.observeOtherWriters(observer) }
}

func makeRegistry(store: any IdentityStore = InMemoryIdentityStore(), clock: ManualClock = ManualClock()) async throws -> IdentityRegistry {
    try await IdentityRegistry(store: store, clock: clock, random: SeededHubRandom())
}

/// Two nodes' registries loaded from one identity store that holds `dev1`: the start of the
/// shared-store tests, where each node has its own services over views of one store.
func twoNodeRegistries(clock: ManualClock) async throws -> (first: IdentityRegistry, second: IdentityRegistry) {
    let identities = InMemoryIdentityStore()
    let seed = try await IdentityRegistry(store: identities, clock: clock, random: SeededHubRandom())
    _ = try await seed.createDevice(DeviceRequest(deviceID: "dev1"))
    return (try await IdentityRegistry(store: identities, clock: clock, random: SeededHubRandom(seed: 1)),
            try await IdentityRegistry(store: identities, clock: clock, random: SeededHubRandom(seed: 2)))
}

let keyA = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
let keyB = "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA="
