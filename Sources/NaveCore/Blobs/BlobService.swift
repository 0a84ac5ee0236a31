import NaveModel
import Synchronization

/// The blob store as the hub serves it: the store port, the node's SAS signer, and the quotas
/// with the bytes that writes in flight have reserved (so two uploads cannot both pass a quota
/// that only one fits). The HTTPS blob surface and file uploads go through it; other
/// components (import/export jobs) may use `store` directly.
public final class BlobService: Sendable {
    public let store: any BlobStore
    public let signer: BlobSASSigner
    public let quotas: BlobQuotas
    /// The container device uploads go to (`fileUpload.containerName`); per-device quotas
    /// count `{deviceId}/…` in it.
    public let uploadContainer: String
    public let clock: any HubClock
    private let reserved = Mutex(BlobUsage())

    public init(store: any BlobStore, signer: BlobSASSigner, quotas: BlobQuotas, uploadContainer: String, clock: any HubClock) {
        self.store = store
        self.signer = signer
        self.quotas = quotas
        self.uploadContainer = uploadContainer
        self.clock = clock
    }

    /// Checks a request's SAS for `needs` on `address`, now.
    public func authorize(_ query: [(name: String, value: String)], for address: BlobAddress,
                          needs: BlobSASPermissions) throws(BlobError) {
        try signer.verify(query, for: address, needs: needs, now: clock.now())
    }

    /// Reserves `bytes` for a write to `address` against the quotas; `release` the result
    /// once the write is committed or dropped.
    public func reserve(_ bytes: Int64, for address: BlobAddress) throws(BlobError) -> BlobReservation {
        let held = store.usage()
        try reserved.withLock { (reserved: inout BlobUsage) throws(BlobError) in
            var total = held
            total.totalBytes += reserved.totalBytes
            let owner = BlobUsage.owner(of: address)
            total.bytesByOwner[owner, default: 0] += reserved.bytesByOwner[owner, default: 0]
            try quotas.admit(bytes, for: address, uploadContainer: uploadContainer, held: total)
            reserved.add(bytes, for: address)
        }
        return BlobReservation(service: self, address: address, bytes: bytes)
    }

    fileprivate func release(_ bytes: Int64, for address: BlobAddress) {
        reserved.withLock { reserved in
            reserved.add(-bytes, for: address)
            let owner = BlobUsage.owner(of: address)
            if reserved.bytesByOwner[owner] == 0 { reserved.bytesByOwner[owner] = nil }
        }
    }

    /// Bytes a device holds in the upload container, committed and staged.
    public func deviceBytes(_ deviceID: String) -> Int64 {
        store.usage().bytesByOwner["\(uploadContainer)/\(deviceID)", default: 0]
    }
}

/// Bytes held back for one write in flight; released exactly once.
public final class BlobReservation: Sendable {
    private let service: BlobService
    private let address: BlobAddress
    private let bytes: Int64
    private let released = Atomic(false)

    fileprivate init(service: BlobService, address: BlobAddress, bytes: Int64) {
        self.service = service
        self.address = address
        self.bytes = bytes
    }

    public func release() {
        guard !released.exchange(true, ordering: .acquiringAndReleasing) else { return }
        service.release(bytes, for: address)
    }

    deinit { release() }
}
