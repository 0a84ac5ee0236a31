import NaveModel

/// Told after a twin's tags or reported properties changed (stored, the device told, the event
/// recorded, the twin's gate released): automatic device configurations re-evaluate that one
/// twin then (reference §4.3: "re-evaluated whenever tags or reported properties change"), so
/// no timer has to scan the fleet. Desired-only changes are not reported: a configuration's
/// own write changes desired properties only, and could otherwise trigger itself.
public protocol TwinContentObserver: AnyObject, Sendable {
    func twinContentChanged(_ key: IdentityKey) async
}

/// The twin service's reference to its observer: weak, as the observer holds the service.
struct WeakTwinContentObserver: Sendable {
    weak var observer: (any TwinContentObserver)?
}

extension DeviceTwins {
    /// Sets the one observer of twin content changes (the hub's configurations).
    public func setContentObserver(_ observer: any TwinContentObserver) {
        contentObserver.withLock { $0 = WeakTwinContentObserver(observer: observer) }
    }

    /// Runs `body` on `key`'s twin under its gate for automatic device configurations: the
    /// desired change it returns is stored and announced as any other (the device gets the
    /// patch with `$version`, a twin change event is recorded), a change to the twin's
    /// `configurations` record alone is stored, and the content observer is not told (the body
    /// writes desired properties only). Returns the twin as it now is.
    func changeForConfigurations(_ key: IdentityKey,
                                 _ body: (inout Twin, Timestamp) throws(HubError) -> TwinChange?) async throws(HubError) -> Twin {
        try await change(key, ifMatch: nil, observed: false, body)
    }
}
