import NaveCore
import NaveModel

extension LiveConnections {
    /// Registers a test's stand-in connection as if its CONNECT had been checked just now, so
    /// no revocation can fall in between. Tests of that interleaving call
    /// `register(_:as:at:admittedAt:)` with an epoch taken earlier instead.
    public func register(_ connection: any LiveConnection, as key: IdentityKey, at time: Timestamp) {
        let registered = register(connection, as: key, at: time, admittedAt: revocationEpoch)
        precondition(registered, "nothing can revoke \(key) between taking the epoch and registering")
    }
}
