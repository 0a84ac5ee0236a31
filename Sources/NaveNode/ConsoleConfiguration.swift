import Configuration
import NaveConsole

/// The console's keys (`console.*`, Tuning/reference.yaml): whether `/console` is served, how
/// long a sign-in lasts, how many sessions are held, the device list's page size, and how the
/// node page's metrics are sampled.
extension ConsoleLimits {
    mutating func read(_ reader: ConfigReader) {
        let keys = reader.scoped(to: "console")
        enabled = keys.bool(forKey: "enabled", default: enabled)
        sessionLifetimeSeconds = keys.int(forKey: "sessionLifetimeSeconds", default: sessionLifetimeSeconds)
        sessionsMax = keys.int(forKey: "sessionsMax", default: sessionsMax)
        devicePageRowsMax = keys.int(forKey: "devicePageRowsMax", default: devicePageRowsMax)
        sampleIntervalSeconds = keys.int(forKey: "sampleIntervalSeconds", default: sampleIntervalSeconds)
        samplesMax = keys.int(forKey: "samplesMax", default: samplesMax)
        telemetryWaitMillisMax = keys.int(forKey: "telemetryWaitMillisMax", default: telemetryWaitMillisMax)
    }
}
