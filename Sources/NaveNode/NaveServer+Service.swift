import Foundation
import Logging
import ServiceLifecycle

/// The node as a swift-service-lifecycle `Service` (issue #16), so it runs in a `ServiceGroup`
/// beside an embedder's own services: `run()` serves until the group's graceful shutdown
/// (SIGTERM in `nave serve`), then drains for `lifecycle.drainGraceSeconds` and returns; a
/// cancelled task drains with no grace. Under systemd (`NOTIFY_SOCKET` set) it reports
/// `READY=1`, `STOPPING=1` and `STATUS=`, and keeps the watchdog fed (`SystemdNotifier`).
extension NaveServer: Service {
    public func run() async throws {
        let notifier = SystemdNotifier(environment: ProcessInfo.processInfo.environment)
        notifier?.notify("READY=1\nSTATUS=serving \(listeningAddresses.count) listeners")
        await withTaskGroup(of: Void.self) { tasks in
            if let notifier { tasks.addTask { await notifier.keepWatchdogAlive() } }
            // Returns at graceful shutdown; throws CancellationError when cancelled instead.
            let cancelled = (try? await gracefulShutdown()) == nil
            notifier?.notify("STOPPING=1\nSTATUS=draining")
            await drain(gracePeriod: cancelled ? .zero : .seconds(configuration.lifecycle.drainGraceSeconds))
            notifier?.notify("STATUS=stopped")
            tasks.cancelAll()
        }
    }
}
