import NaveModel
import NaveQuery

/// `FROM devices` and `FROM devices.modules` (reference §1.2): the twins of every registered
/// identity, in `IdentityKey` order, read from the twin cache and the registry's snapshot, never
/// from disk. A WHERE that pins `deviceId` or a twin value (`tags.site = 'x'`, `IN […]`) reads its
/// candidates from the registry or a value index; anything else walks the collection.
struct TwinQuery {
    let registry: IdentityRegistry
    let twins: DeviceTwins

    func page(_ run: QueryRun) async throws(HubError) -> QueryPage {
        let modules = run.query.collection == .modules
        let view = registry.snapshotView(modules: modules)
        let documents = TwinDocuments(view: view, twins: try await twins.queryableTwins(), connections: registry.connections)
        let keys = candidates(run.query.condition, view: view, modules: modules)
        var accumulator = QueryAccumulator<HubTwinDocument>(run.query)
        if run.query.isAggregate {
            for key in keys {
                if let document = documents[key] { accumulator.add(document) }
            }
            return run.page(of: accumulator.finish().map(Self.json), itemType: run.query.itemType.rawValue)
        }
        // Identity rows: resume after the last key shown, stop one match past the page (so the
        // token is sent only when a row follows).
        let limit = run.rowsAllowed
        var rows: [JSONValue] = []
        var last: IdentityKey?
        var more = false
        let start = run.resume.after.map { Self.firstIndex(in: keys, after: $0) } ?? keys.startIndex
        for key in keys[start...] {
            guard let document = documents[key] else { continue }
            accumulator.add(document)
            guard let row = accumulator.takeReadyRows().first else { continue }
            guard rows.count < limit else {
                more = true
                break
            }
            rows.append(Self.json(row))
            last = key
        }
        return QueryPage(itemType: run.query.itemType.rawValue, rows: rows,
                         continuation: run.continuation(afterShowing: rows.count, last: last, more: more))
    }

    /// Every identity of the condition's collection that satisfies it, ascending.
    func identities(matching scoped: ScopedCondition) async throws(HubError) -> [IdentityKey] {
        let modules = scoped.collection == .modules
        let view = registry.snapshotView(modules: modules)
        let documents = TwinDocuments(view: view, twins: try await twins.queryableTwins(), connections: registry.connections)
        return candidates(scoped.condition, view: view, modules: modules).filter { key in
            documents[key].map { scoped.condition.isSatisfied(by: $0) } ?? false
        }
    }

    /// The position of the first key greater than `after` in ascending `keys` (binary search).
    static func firstIndex(in keys: [IdentityKey], after: IdentityKey) -> Int {
        var low = 0
        var high = keys.count
        while low < high {
            let middle = (low + high) / 2
            if keys[middle] > after { high = middle } else { low = middle + 1 }
        }
        return low
    }

    /// A row as JSON: a whole twin as `GET /twins/{id}` shows it, or a projected/aggregate object.
    static func json(_ row: QueryRow<HubTwinDocument>) -> JSONValue {
        switch row {
        case .document(let document): document.rendered()
        case .object(let object): .object(object)
        }
    }

    /// The keys that can match `condition`, ascending: those it pins by `deviceId` or through a
    /// value index, else the whole collection.
    func candidates(_ condition: QueryExpression?, view: RegistrySnapshotView, modules: Bool) -> [IdentityKey] {
        guard let constraints = condition?.equalityConstraints(), !constraints.isEmpty else { return view.order }
        for constraint in constraints where constraint.path == QueryPath(names: "deviceId") {
            let ids = Set(constraint.values.compactMap(\.stringValue))
            guard modules else { return ids.filter { view.devices[$0] != nil }.map { IdentityKey(deviceID: $0) }.sorted() }
            return ids.flatMap { id in (view.modules[id] ?? [:]).keys.map { IdentityKey(deviceID: id, moduleID: $0) } }.sorted()
        }
        for constraint in constraints {
            guard let keys = twins.cache.keys(at: constraint.path, holding: constraint.values) else { continue }
            return keys.filter { ($0.moduleID != nil) == modules }
        }
        return view.order
    }
}

/// The query document of each identity in a registry snapshot: its cached twin when that twin
/// belongs to the identity's generation, else the empty twin a first read would create. A class:
/// every document of a page points at it for the identity's registry fields.
final class TwinDocuments {
    let view: RegistrySnapshotView
    let twins: [IdentityKey: CachedTwin]
    let connections: LiveConnections

    init(view: RegistrySnapshotView, twins: [IdentityKey: CachedTwin], connections: LiveConnections) {
        self.view = view
        self.twins = twins
        self.connections = connections
    }

    subscript(key: IdentityKey) -> HubTwinDocument? {
        guard let generation = generation(of: key) else { return nil }
        if let cached = twins[key], cached.twin.identityGenerationID == generation {
            return HubTwinDocument(cached: cached, documents: self)
        }
        let empty = Twin(deviceID: key.deviceID, moduleID: key.moduleID, identityGenerationID: generation, createdAt: .never)
        return HubTwinDocument(cached: CachedTwin(empty), documents: self)
    }

    /// The generation of the identity `key` names in the snapshot; nil when it has none.
    private func generation(of key: IdentityKey) -> String? {
        guard let moduleID = key.moduleID else { return view.devices[key.deviceID]?.generationID }
        return view.modules[key.deviceID]?[moduleID]?.generationID
    }

    func device(_ deviceID: String) -> DeviceIdentity? { view.devices[deviceID] }

    func module(_ deviceID: String, _ moduleID: String) -> ModuleIdentity? { view.modules[deviceID]?[moduleID] }
}
