import NaveConsole

/// The console's keys (`console.*`, Tuning/reference.yaml): whether `/console` is served, how
/// long a sign-in lasts, how many sessions are held, the device list's page size, and how the
/// node page's metrics are sampled.
extension ConsoleLimits {
    mutating func read(_ keys: ConfigurationReader) {
        enabled = keys.bool(forKey: "enabled", default: enabled)
        sessionLifetimeSeconds = keys.int(forKey: "sessionLifetimeSeconds", default: sessionLifetimeSeconds, in: 60...86_400)
        sessionsMax = keys.int(forKey: "sessionsMax", default: sessionsMax, in: 1...100_000)
        devicePageRowsMax = keys.int(forKey: "devicePageRowsMax", default: devicePageRowsMax, in: 10...1_000)
        sampleIntervalSeconds = keys.int(forKey: "sampleIntervalSeconds", default: sampleIntervalSeconds, in: 1...3_600)
        samplesMax = keys.int(forKey: "samplesMax", default: samplesMax, in: 10...10_000)
        telemetryWaitMillisMax = keys.int(forKey: "telemetryWaitMillisMax", default: telemetryWaitMillisMax, in: 0...60_000)
    }
}
