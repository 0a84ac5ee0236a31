import Foundation
import NaveIO

/// `nave-bench hub webhook` (issue #15): how fast a webhook routing endpoint drains its log
/// into a local web service. The node runs with one route of every device message to a webhook
/// endpoint whose service (`WebhookSink`) is not there yet; `messages` telemetry messages are
/// sent over HTTPS (they are acknowledged once in the endpoint's log: a failing endpoint never
/// holds devices); then the service opens and the bench times the deliveries from the first
/// POST it answers to the last. Reported: deliveries per second and node CPU per delivery.
struct WebhookBench {
    let runner: HubRunner
    let caPath: String
    let messages: Int
    let sinkPort: Int

    /// The routing file the node starts with: all device messages to the webhook.
    static func routingFile(sinkPort: Int, directory: String) throws -> String {
        let path = directory + "/webhook-routes.json"
        let json = """
        {"routes":[{"name":"all","source":"DeviceMessages","condition":"true","endpointNames":["sink"],"isEnabled":true}],
         "endpoints":[{"name":"sink","endpointType":"webhook","settings":{"url":"http://127.0.0.1:\(sinkPort)/in","maxDeliveryAttempts":"1000"}}],
         "fallbackRoute":{"isEnabled":false}}
        """
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func run(loop: EventLoop) throws -> [String: Double] {
        let sink = WebhookSink(port: sinkPort)
        let target = try runner.startTarget(.nave)
        defer { target.stop() }
        target.waitUntilIdle()
        let client = try BlockingHTTPS(loop: loop, port: target.ports.https!, tls: try TLSContext(clientTrustingCAPath: caPath))
        defer { client.close() }
        let headers = [("Authorization", try HubDevices.token(0)), ("Content-Type", "application/json")]
        let body = Array(#"{"temperature":21.5,"humidity":40,"site":"north"}"#.utf8)
        let fillStart = monotonicNanos()
        for _ in 0..<messages {
            let answer = try client.request("POST", "/devices/\(HubDevices.id(0))/messages/events?api-version=2021-04-12",
                                            headers: headers, body: body)
            guard answer.status == 204 else {
                throw BrokerProcess.Failure(description: "telemetry answered HTTP \(answer.status): \(answer.text)")
            }
        }
        let fillSeconds = Double(monotonicNanos() - fillStart) / 1e9
        let cpuStart = target.cpuNanos()
        try sink.open()
        let deadline = monotonicNanos() + 300 * 1_000_000_000
        while sink.counts.received < messages && monotonicNanos() < deadline { usleep(20_000) }
        let cpu = target.cpuNanos() - cpuStart
        let (received, seconds) = sink.counts
        guard received >= messages else {
            throw BrokerProcess.Failure(description: "the webhook got \(received) of \(messages) messages within 300 s")
        }
        return ["messages": Double(messages), "fill_per_second": Double(messages) / fillSeconds,
                "deliveries_per_second": Double(received - 1) / max(seconds, 1e-9),
                "node_cpu_us_per_delivery": Double(cpu) / 1_000 / Double(received)]
    }
}
