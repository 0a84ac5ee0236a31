@testable import NaveCore
import NaveModel
import Testing

/// The presence lock's record of revocations (`RevocationLog`), one step at a time: which
/// registrations it refuses, and that deleted identities cost bounded memory.
@Suite("Revocation log")
struct RevocationLogTests {
    static let dev1 = IdentityKey(deviceID: "dev1")
    static let mod1 = IdentityKey(deviceID: "dev1", moduleID: "mod1")
    static let mod2 = IdentityKey(deviceID: "dev1", moduleID: "mod2")
    static let dev2 = IdentityKey(deviceID: "dev2")

    static func epoch(_ value: UInt64) -> RevocationEpoch { RevocationEpoch(value: value) }

    /// (what happened at epoch 1, the identity registering, whether a CONNECT from epoch 0 is refused)
    static let rows: [(String, @Sendable (inout RevocationLog) -> Void, IdentityKey, Bool)] = [
        ("device keys", { $0.record(dev1, includingModules: false, at: epoch(1)) }, dev1, true),
        ("device keys", { $0.record(dev1, includingModules: false, at: epoch(1)) }, mod1, false),
        ("device disabled", { $0.record(dev1, includingModules: true, at: epoch(1)) }, dev1, true),
        ("device disabled", { $0.record(dev1, includingModules: true, at: epoch(1)) }, mod1, true),
        ("device disabled", { $0.record(dev1, includingModules: true, at: epoch(1)) }, dev2, false),
        ("module keys", { $0.record(mod1, includingModules: false, at: epoch(1)) }, mod1, true),
        ("module keys", { $0.record(mod1, includingModules: false, at: epoch(1)) }, mod2, false),
        ("module keys", { $0.record(mod1, includingModules: false, at: epoch(1)) }, dev1, false),
        ("device forgotten", { $0.forget(dev1, at: epoch(1)) }, dev1, true),
        ("device forgotten", { $0.forget(dev1, at: epoch(1)) }, mod1, true),
        ("device forgotten", { $0.forget(dev1, at: epoch(1)) }, dev2, false),
        ("module forgotten", { $0.forget(mod1, at: epoch(1)) }, mod1, true),
        ("module forgotten", { $0.forget(mod1, at: epoch(1)) }, dev1, false),
    ]

    @Test("a revocation at epoch 1 refuses exactly the identities it covers, for CONNECTs from epoch 0, not 1",
          arguments: rows.indices)
    func covers(_ row: Int) {
        let (event, apply, key, refused) = Self.rows[row]
        var log = RevocationLog()
        apply(&log)
        #expect(log.revoked(key, since: Self.epoch(0)) == refused, "\(event) → \(key)")
        #expect(!log.revoked(key, since: Self.epoch(1)), "\(event) → \(key): a CONNECT checked after it")
    }

    @Test("a deleted identity's mark outlives its presence marks, and deleted identities cost at most forgottenIdentitiesMax marks")
    func forgottenIsBounded() {
        var log = RevocationLog()
        let max = RevocationLog.forgottenIdentitiesMax
        for n in 1...max {
            log.record(IdentityKey(deviceID: "d\(n)"), includingModules: true, at: Self.epoch(UInt64(2 * n - 1)))
            log.forget(IdentityKey(deviceID: "d\(n)"), at: Self.epoch(UInt64(2 * n)))
        }
        #expect(log.forgottenCount == max)
        #expect(log.revoked(IdentityKey(deviceID: "d1"), since: Self.epoch(0)), "d1's deletion is still remembered")
        #expect(!log.revoked(IdentityKey(deviceID: "new"), since: Self.epoch(0)))
        log.forget(IdentityKey(deviceID: "one-more"), at: Self.epoch(UInt64(2 * max + 1)))
        #expect(log.forgottenCount == 1, "the table was emptied into the floor")
        #expect(log.revoked(IdentityKey(deviceID: "d1"), since: Self.epoch(0)), "the floor still refuses CONNECTs from before it")
        #expect(log.revoked(IdentityKey(deviceID: "new"), since: Self.epoch(0)), "conservatively: any CONNECT from before the floor")
        #expect(!log.revoked(IdentityKey(deviceID: "new"), since: Self.epoch(UInt64(2 * max))))
        #expect(log.revoked(IdentityKey(deviceID: "one-more"), since: Self.epoch(UInt64(2 * max))))
    }
}
