/// How direct method calls ended since start (issue #16's `nave_method_calls_total{outcome}`).
/// Counted in `DirectMethods`' call table, under the lock each ending already takes, so
/// counting adds no lock or atomic of its own. Calls refused before they reach the table (bad
/// arguments, unknown identity) are not counted: the REST request count has them.
public struct MethodCallOutcomes: Sendable, Equatable {
    /// The device answered (any status it chose).
    public var answered = 0
    /// No answer within `responseTimeoutInSeconds`: 504101.
    public var timeout = 0
    /// The device was not connected and subscribed within `connectTimeoutInSeconds`: 404103.
    public var unreachable = 0
    /// `pendingCallsMax` calls were already waiting: 429001.
    public var throttled = 0
    /// The calling task was cancelled (its HTTP request went away): 503001.
    public var cancelled = 0

    public init() {}
}
