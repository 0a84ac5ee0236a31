import NaveModel
import Synchronization

/// Who is told when a consumer group is deleted: the events endpoint's adapters, which detach
/// the group's readers (Event Hubs closes their links). Handlers run synchronously on the
/// deleting task, after the group is gone from the store and from `contains`, so they must
/// only hand the news to their own executor, never wait.
final class ConsumerGroupDeletionObservers: Sendable {
    private struct Registry {
        var handlers: [UInt64: @Sendable (ConsumerGroupInfo) -> Void] = [:]
        var nextID: UInt64 = 0
    }

    private let registry = Mutex(Registry())

    func add(_ handler: @escaping @Sendable (ConsumerGroupInfo) -> Void) -> ConsumerGroupObservation {
        registry.withLock { registry in
            registry.nextID += 1
            registry.handlers[registry.nextID] = handler
            return ConsumerGroupObservation(id: registry.nextID)
        }
    }

    func remove(_ observation: ConsumerGroupObservation) {
        _ = registry.withLock { $0.handlers.removeValue(forKey: observation.id) }
    }

    func notify(_ group: ConsumerGroupInfo) {
        // Called outside the lock: a handler may register or remove handlers.
        for handler in registry.withLock({ Array($0.handlers.values) }) { handler(group) }
    }
}

/// A registration made with `ConsumerGroups.onDelete`; give it back to
/// `ConsumerGroups.removeObserver` when the observer goes away.
public struct ConsumerGroupObservation: Sendable, Hashable {
    let id: UInt64
}
