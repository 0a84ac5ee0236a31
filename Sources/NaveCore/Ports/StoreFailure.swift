import NaveModel

/// A store error that can say the medium has no room. Each port keeps its own error enum; this
/// is what they share, so the hub answers a full disk the same way whichever store hit it.
public protocol StoreFailure: Error {
    /// True for the `.full` case: nothing was stored, and the same write may succeed later.
    var isFull: Bool { get }
}

extension IdentityStoreError: StoreFailure {
    public var isFull: Bool { if case .full = self { true } else { false } }
}

extension TwinStoreError: StoreFailure {
    public var isFull: Bool { if case .full = self { true } else { false } }
}

extension CloudToDeviceStoreError: StoreFailure {
    public var isFull: Bool { if case .full = self { true } else { false } }
}

extension DeviceSessionStoreError: StoreFailure {
    public var isFull: Bool { if case .full = self { true } else { false } }
}

extension CheckpointStoreError: StoreFailure {
    public var isFull: Bool { if case .full = self { true } else { false } }
}

extension ConsumerGroupStoreError: StoreFailure {
    public var isFull: Bool { if case .full = self { true } else { false } }
}

extension HubError {
    /// A store's refusal as the hub answers it: `storageFull(what)` (503, retried by the SDKs)
    /// when the medium has no room, otherwise 500 ServerError with `context` and the store's
    /// reason (which carries no keys or payloads).
    static func storeRefused(_ error: any Error, what: String, context: String) -> HubError {
        if let failure = error as? any StoreFailure, failure.isFull { return .storageFull(what) }
        return .serverError("\(context): \(error)")
    }
}
