import NaveCore
import NaveHTTP
import NaveModel

/// The node page: connections and registry counts now, the sampled series as charts (the last
/// `samplesMax` samples), the listeners and the configuration the node runs with.
extension Console {
    func nodePage(_ page: ConsolePage) async -> HTTPResponse {
        let statistics = hub.registry.statistics
        let charts = node.metrics.series().map { series -> [String: Any] in
            ["name": series.name + (series.isRate ? " /s" : ""), "svg": ConsoleChart.svg(series),
             "latest": series.points.last.map { ConsoleChart.format($0.value) } ?? "–"]
        }
        let content: [String: Any] = [
            "connectedDevices": hub.connections.connectedDeviceCount, "totalDevices": statistics.totalDeviceCount,
            "enabledDevices": statistics.enabledDeviceCount, "disabledDevices": statistics.disabledDeviceCount,
            "feedbackQueued": hub.cloudToDevice.feedback.count, "sessions": sessions.count,
            "charts": charts, "refreshSeconds": limits.sampleIntervalSeconds * 2,
            "sampleSeconds": limits.sampleIntervalSeconds, "windowMinutes": limits.sampleIntervalSeconds * node.metrics.samplesMax / 60,
            "listeners": node.listeners.map { ["name": $0.name, "address": $0.address] },
            "configuration": node.configuration.map { ["key": $0.key, "value": $0.value] },
            "hostName": hub.hostName,
        ]
        return renderer.render("node", page.context(title: "Node", section: "node", content))
    }
}
