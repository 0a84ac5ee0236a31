import NaveModel
import NaveQuery

/// Re-evaluating twins against the configurations (reference §4.3): which twins a configuration
/// change touches, and one twin's evaluation under its gate.
extension DeviceConfigurations {
    /// After configuration `configurationID` was stored or deleted: every twin its (new) target
    /// condition selects, and every twin that recorded it (which may have left the target, or
    /// lost the configuration), one at a time, in key order.
    func reevaluate(configurationID: String, target condition: String?) async {
        var keys = Set<IdentityKey>()
        if let condition, !condition.allSatisfy(\.isWhitespace) {
            do {
                keys.formUnion(try await query.identities(matching: condition))
            } catch {
                failedApplications.add(1, ordering: .relaxed)
            }
        }
        do {
            for (key, cached) in try await twins.queryableTwins() where cached.twin.configurations.mentions(configurationID) {
                keys.insert(key)
            }
        } catch {
            failedApplications.add(1, ordering: .relaxed)
        }
        for key in keys.sorted() { await reevaluate(key, evenWithoutConfigurations: true) }
    }

    /// Applies the configurations that target `key`'s twin now, under the twin's gate.
    ///
    /// Skipped when no configuration exists (every reported-properties patch of a hub without
    /// configurations comes through here) — a deletion already reverted every twin it touched,
    /// and passes `evenWithoutConfigurations`, since after the last one none is left — and when
    /// the twin as last stored (or, never stored, empty) records no configuration and meets no
    /// target: nothing can change, so neither the gate nor the store is touched. A change racing
    /// this check reports itself and is evaluated in turn.
    func reevaluate(_ key: IdentityKey, evenWithoutConfigurations: Bool = false) async {
        guard evenWithoutConfigurations || !active.withLock({ $0.isEmpty }) else { return }
        guard let generation = twins.registry.generationID(of: key) else { return }
        if !evenWithoutConfigurations {
            let cached = twins.cache.twin(key).flatMap { $0.identityGenerationID == generation ? $0 : nil }
            let current = cached ?? Twin(deviceID: key.deviceID, moduleID: key.moduleID, identityGenerationID: generation,
                                         createdAt: .never)
            guard !current.configurations.isEmpty || !matching(current).isEmpty else { return }
        }
        do {
            _ = try await twins.changeForConfigurations(key) { twin, now throws(HubError) in
                try twin.applyConfigurations(matching(twin), at: now)
            }
        } catch {
            failedApplications.add(1, ordering: .relaxed)
        }
    }

    /// The configurations whose target condition `twin` meets: device content for device twins,
    /// module content for module twins. The identity's registry fields and presence are read
    /// as a query would (`HubTwinDocument`).
    func matching(_ twin: Twin) -> [DeviceConfiguration] {
        let candidates = active.withLock { Array($0.values) }
        guard !candidates.isEmpty else { return [] }
        let forModule = twin.moduleID != nil
        let registry = twins.registry
        let documents = TwinDocuments(view: registry.identityView(), twins: [:], connections: registry.connections)
        let document = HubTwinDocument(cached: CachedTwin(twin), documents: documents)
        return candidates.compactMap { candidate in
            guard let target = candidate.target, (target.collection == .modules) == forModule,
                  target.condition.isSatisfied(by: document) else { return nil }
            return candidate.configuration
        }
    }
}

extension DeviceConfigurations: TwinContentObserver {
    /// A twin's tags or reported properties changed: re-evaluate that twin (§4.3).
    public func twinContentChanged(_ key: IdentityKey) async {
        await reevaluate(key)
    }
}

extension DeviceConfigurations: IdentityDeletionObserver {
    /// A new device or module may be targeted at once (`*`, a `deviceId` condition).
    public func identityCreated(deviceID: String, moduleID: String?) async {
        await reevaluate(IdentityKey(deviceID: deviceID, moduleID: moduleID))
    }

    /// The twin goes with the identity; nothing is kept here per identity.
    public func identityDeleted(deviceID: String, moduleID: String?) async {}
}

extension TwinConfigurations {
    /// Whether configuration `id` targets this twin or holds one of its paths.
    func mentions(_ id: String) -> Bool {
        statuses[id] != nil || appliedPaths.values.contains(id)
    }
}

extension IdentityRegistry {
    /// The identities now, without a collection order (`snapshotView` sorts one): what one
    /// twin's evaluation needs to read its identity's fields.
    func identityView() -> RegistrySnapshotView {
        tables.withLock { RegistrySnapshotView(devices: $0.devices, modules: $0.modules, order: []) }
    }
}
