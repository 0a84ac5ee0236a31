import Synchronization

/// Told after the registry deleted a device or module, once the deletion is stored and its
/// connections are revoked: services that keep state per identity (twins, later C2D queues)
/// drop theirs. A device's deletion is one call with `moduleID` nil; it covers its modules.
///
/// Also told of creations (default: nothing), for IoT Hub's device lifecycle events, and of
/// deletions another writer of a shared store made (default: as a local deletion, so state kept
/// here per identity goes either way).
public protocol IdentityDeletionObserver: AnyObject, Sendable {
    func identityDeleted(deviceID: String, moduleID: String?) async
    func identityCreated(deviceID: String, moduleID: String?) async
    /// Another node deleted the identity; it told its own observers. Only this node's state is
    /// left to drop here: what the deletion records once (an event) is the writer's.
    func identityDeletedByOtherWriter(deviceID: String, moduleID: String?) async
}

extension IdentityDeletionObserver {
    public func identityCreated(deviceID: String, moduleID: String?) async {}

    public func identityDeletedByOtherWriter(deviceID: String, moduleID: String?) async {
        await identityDeleted(deviceID: deviceID, moduleID: moduleID)
    }
}

/// The observers of one registry. They live as long as the registry does (a hub's services do).
final class IdentityDeletionObservers: Sendable {
    private let observers = Mutex<[any IdentityDeletionObserver]>([])

    func add(_ observer: any IdentityDeletionObserver) {
        observers.withLock { $0.append(observer) }
    }

    func notify(deviceID: String, moduleID: String?) async {
        for observer in observers.withLock({ $0 }) {
            await observer.identityDeleted(deviceID: deviceID, moduleID: moduleID)
        }
    }

    func notifyOtherWriterDeleted(deviceID: String, moduleID: String?) async {
        for observer in observers.withLock({ $0 }) {
            await observer.identityDeletedByOtherWriter(deviceID: deviceID, moduleID: moduleID)
        }
    }

    func notifyCreated(deviceID: String, moduleID: String?) async {
        for observer in observers.withLock({ $0 }) {
            await observer.identityCreated(deviceID: deviceID, moduleID: moduleID)
        }
    }
}

extension IdentityRegistry {
    /// Registers `observer` for every later deletion of a device or module.
    public func addDeletionObserver(_ observer: any IdentityDeletionObserver) {
        deletionObservers.add(observer)
    }
}
