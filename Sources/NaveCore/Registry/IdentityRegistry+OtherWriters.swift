import NaveModel

/// Other writers of a shared store (other nodes): their batches reach this node's tables, and
/// end connections here and tell deletion observers as the writer's own node did. The writer's
/// node records the lifecycle events; `IdentityDeletionObserver.identityDeletedByOtherWriter`
/// lets an observer tell the two apart.
extension IdentityRegistry {
    /// Applies other writers' batches as the store reports them, one at a time and in order,
    /// until the registry is gone.
    func startApplyingOtherWriters() {
        let inbox = otherWriters
        Task { [weak self] in
            for await batch in inbox.batches {
                guard let self else { return }
                await self.applyOtherWriters(batch)
                inbox.applied()
            }
        }
    }

    /// Applies one batch under the write gate (never between a local write's store and publish),
    /// then ends what it ends. After an overflow of the inbox the whole registry is read again
    /// first, in place of the batches that were dropped.
    func applyOtherWriters(_ batch: RegistryStoreChange) async {
        await gate.acquire()
        var effects: [LearnedEffect] = []
        if otherWriters.takeOverflow() {
            do {
                let snapshot = try await store.loadRegistry()
                effects += tables.withLock { tables in
                    tables.learn(tables.changes(to: snapshot, for: tables.keys.union(RegistryTables(snapshot).keys)))
                }
            } catch {
                otherWriters.markOverflow()  // stale until a later batch's reload succeeds
            }
        }
        effects += tables.withLock { $0.learn(batch) }
        await gate.release()
        await perform(effects)
    }

    /// Reads the rows `keys` name again after another writer changed them (a versioned write
    /// was refused) and learns what changed. Runs under the write gate.
    func reread(_ keys: Set<RegistryRowKey>) async throws(HubError) -> [LearnedEffect] {
        let rows: RegistrySnapshot
        do {
            rows = try await store.loadRows(keys)
        } catch {
            throw HubError.storeRefused(error, what: "the registry change", context: "the store could not be read again")
        }
        return tables.withLock { tables in tables.learn(tables.changes(to: rows, for: keys)) }
    }

    /// Ends connections and tells deletion observers, as the local write would have. After the
    /// tables show the change (a revocation comes after its registry change: `LiveConnections`).
    func perform(_ effects: [LearnedEffect]) async {
        var deleted: [IdentityKey] = []
        for effect in effects {
            switch effect {
            case .revoke(let key, let includingModules, let reason):
                connections.revoke(key, includingModules: includingModules, reason: reason)
            case .deleted(let key):
                connections.forget(deviceID: key.deviceID, moduleID: key.moduleID)
                deleted.append(key)
            }
        }
        for key in deleted { await deletionObservers.notifyOtherWriterDeleted(deviceID: key.deviceID, moduleID: key.moduleID) }
    }

    /// Waits until every batch other writers reported so far is applied here (tests).
    public func otherWritersApplied() async {
        while !otherWriters.isIdle { await Task.yield() }
    }
}
