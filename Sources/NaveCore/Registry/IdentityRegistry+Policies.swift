import NaveModel

/// Shared access policies: the back end's credentials (`az iot hub policy …`).
extension IdentityRegistry {
    public enum KeySlot: String, Sendable, CaseIterable { case primary, secondary, swap }

    public func createPolicy(name: String, rights: AccessRights) async throws(HubError) -> SharedAccessPolicy {
        try IdentityRules.validate(deviceID: name, field: "policy name")
        guard !rights.isEmpty else { throw .argumentInvalid("a policy needs at least one right") }
        let policy = SharedAccessPolicy(name: name, rights: rights, primaryKey: newKey(), secondaryKey: newKey())
        return try await commit { tables throws(HubError) in
            guard tables.policies[name] == nil else { throw .policyAlreadyExists(name: name) }
            return ([.putPolicy(policy)], policy)
        }
    }

    public func deletePolicy(name: String) async throws(HubError) {
        // The others must still be there when the store deletes it: two nodes deleting the last
        // two policies at once would otherwise leave none.
        try await commit(alsoRead: { $0.policies.keys.map { .policy(name: $0) } }) { tables throws(HubError) in
            guard tables.policies[name] != nil else { throw .policyNotFound(name: name) }
            guard tables.policies.count > 1 else { throw .argumentInvalid("the last policy cannot be deleted") }
            return ([.deletePolicy(name: name)], ())
        }
    }

    /// New random key in `slot` (or the two keys swapped), like `az iot hub policy renew-key`.
    public func regenerateKey(policy name: String, slot: KeySlot) async throws(HubError) -> SharedAccessPolicy {
        let fresh = newKey()
        return try await commit { tables throws(HubError) in
            guard var policy = tables.policies[name] else { throw .policyNotFound(name: name) }
            switch slot {
            case .primary: policy.primaryKey = fresh
            case .secondary: policy.secondaryKey = fresh
            case .swap: (policy.primaryKey, policy.secondaryKey) = (policy.secondaryKey, policy.primaryKey)
            }
            return ([.putPolicy(policy)], policy)
        }
    }
}
