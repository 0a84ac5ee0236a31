import Foundation
import Glibc
import NaveIO

/// `job-twin` (issue #14): one scheduled twin-update job (`PUT /jobs/v2/{id}`, `queryCondition`
/// `*`) over every registered device (`--job-devices`, 10,000 by default) while the flow's
/// devices send telemetry at a fixed rate (`--job-telemetry-rate`). A round without the job
/// first, then rounds while it runs until it completes: devices/s the job completed, and
/// telemetry p99 during the job against without. The node paces the job itself
/// (`jobs.deviceOperationsPerSecondMax`, `--job-rate` sets it through the environment).
extension HubRunner {
    func jobFlow(_ scenario: HubScenario) throws -> ([MQTTRoundSample], [String: Double]) {
        let target = try startTarget(.nave)
        defer { target.stop() }
        let fleet = try connectFleet(.telemetry, to: target)
        defer { close(fleet) }
        try requireConnected(fleet)
        target.waitUntilIdle()
        let (rate, window) = (settings.jobTelemetryRate, settings.inflight)
        loop.submitAndWait { fleet.setPace(.fixedRate(perSecond: rate, window: window)) }
        usleep(UInt32(settings.warmupSeconds * 1_000_000))
        var rounds: [MQTTRoundSample] = []
        var baseline = measure(fleet, target, round: 1)
        baseline.metrics["jobRunning"] = 0
        progress("[\(scenario.name)] without the job: \(Self.summary(baseline))")
        rounds.append(baseline)

        let jobID = "bench-\(Int(Date().timeIntervalSince1970))"
        let body = #"{"jobId":"\#(jobID)","type":"scheduleUpdateTwin","queryCondition":"*","#
            + #""updateTwin":{"etag":"*","properties":{"desired":{"benchJob":"\#(jobID)"}}},"maxExecutionTimeInSeconds":3600}"#
        let tls = try clientTLS(for: .tls)!
        let (key, port) = (settings.serviceKey, target.ports.https!)
        let started = monotonicSeconds()
        _ = try ServiceRequest.call("PUT", "/jobs/v2/\(jobID)", body: body, serviceKey: key, port: port, tls: tls, loop: loop)
        var job: [String: Any] = [:]
        var succeededBefore = 0
        while monotonicSeconds() - started < settings.jobSecondsMax {
            var sample = measure(fleet, target, round: rounds.count + 1)
            job = try ServiceRequest.call("GET", "/jobs/v2/\(jobID)", serviceKey: key, port: port, tls: tls, loop: loop)
            let succeeded = Self.statistic(job, "succeededCount")
            sample.metrics["jobRunning"] = 1
            sample.metrics["jobDevicesPerSecond"] = Double(succeeded - succeededBefore) / sample.seconds
            succeededBefore = succeeded
            progress("[\(scenario.name)] job \(job["status"] as? String ?? "?") \(succeeded)/\(Self.statistic(job, "deviceCount")): "
                     + Self.summary(sample))
            rounds.append(sample)
            if job["status"] as? String == "completed" { break }
        }
        let seconds = monotonicSeconds() - started
        loop.submitAndWait { fleet.setPace(.stopped) }
        drain(fleet)
        close(fleet)
        target.stop()
        for line in target.problems() { progress("  node: \(line)") }
        let during = rounds.filter { $0.metrics["jobRunning"] == 1 }
        var once = eventLogFigures(target)
        once["jobDeviceCount"] = Double(Self.statistic(job, "deviceCount"))
        once["jobSucceededCount"] = Double(Self.statistic(job, "succeededCount"))
        once["jobFailedCount"] = Double(Self.statistic(job, "failedCount"))
        once["jobCompleted"] = job["status"] as? String == "completed" ? 1 : 0
        // Completed devices over the time from the PUT to the GET that saw the job completed
        // (an upper bound on the job's own run time: rounds are `--duration` long).
        once["jobDevicesPerSecond"] = Double(Self.statistic(job, "succeededCount")) / seconds
        once["telemetryP99MicrosWithoutJob"] = baseline.latency?.p99Micros ?? 0
        once["telemetryP99MicrosDuringJobWorstRound"] = during.compactMap { $0.latency?.p99Micros }.max() ?? 0
        return (rounds, once)
    }

    private static func statistic(_ job: [String: Any], _ name: String) -> Int {
        ((job["deviceJobStatistics"] as? [String: Any])?[name] as? Int) ?? 0
    }
}
