import NaveLimits

/// The console's settings and bounds (`console.*` in `Tuning/reference.yaml`), with their units.
public struct ConsoleLimits: Sendable, Equatable {
    /// Whether `/console` is served at all; off, the path answers 404 as any unknown path.
    public var enabled = true
    /// How long a sign-in lasts, from the sign-in (not renewed by use): the cookie's `Max-Age`.
    /// Short, because the cookie stands for a policy's key (issue #17: "short-lived").
    public var sessionLifetimeSeconds = 3_600
    /// Sessions held at once; a sign-in beyond it drops the session closest to its expiry.
    public var sessionsMax = 1_000
    /// Rows on one page of the device list (the query's page size).
    public var devicePageRowsMax = 50
    /// How often the node samples its metrics for the node page's charts.
    public var sampleIntervalSeconds = 5
    /// Samples kept (the charts' width): 120 × 5 s is the last ten minutes.
    public var samplesMax = 120
    /// Longest a live-telemetry poll waits for a first event.
    public var telemetryWaitMillisMax = 20_000

    public init() {}

    public func validate() throws(ConfigurationInvalid) {
        let rules = ConfigurationRules()
        try rules.require((60...86_400).contains(sessionLifetimeSeconds), "console.sessionLifetimeSeconds must be 60...86400")
        try rules.require((1...100_000).contains(sessionsMax), "console.sessionsMax must be 1...100000")
        try rules.require((10...1_000).contains(devicePageRowsMax), "console.devicePageRowsMax must be 10...1000")
        try rules.require((1...3_600).contains(sampleIntervalSeconds), "console.sampleIntervalSeconds must be 1...3600")
        try rules.require((10...10_000).contains(samplesMax), "console.samplesMax must be 10...10000")
        try rules.require((0...60_000).contains(telemetryWaitMillisMax), "console.telemetryWaitMillisMax must be 0...60000")
    }
}
