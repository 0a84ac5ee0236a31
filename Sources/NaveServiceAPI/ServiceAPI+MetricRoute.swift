import NaveHTTP

/// The `route` label of `nave_rest_requests_total` (issue #16, docs/metrics.md): one word per
/// kind of resource, never an id from the path, so the series stay few.
extension ServiceAPI {
    /// The label of a streamed request (an upload), known before its body; `reply` labels
    /// every other answer itself, from the route it parsed the request into.
    public func metricRoute(for head: HTTPRequestHead) -> String? {
        if blobAPI != nil, (try? BlobRoute(head: head)) ?? nil != nil { return Self.blobMetricRoute }
        return Self.metricRoute(segments: HTTPTarget.pathSegments(head.path))
    }

    static let blobMetricRoute = "blob"
    /// A path that names no route (or does not decode).
    static let unknownMetricRoute = "unknown"

    static func metricRoute(segments: [String]?) -> String {
        guard let segments else { return unknownMetricRoute }
        if let route = DeviceRoute(segments: segments) { return route.metricName }
        return ServiceRoute(segments: segments)?.metricName ?? unknownMetricRoute
    }
}

extension DeviceRoute {
    var metricName: String {
        switch self {
        case .telemetry: "device.telemetry"
        case .receive: "device.receive"
        case .settle: "device.settle"
        case .abandon: "device.abandon"
        case .startUpload: "device.startUpload"
        case .notifyUpload: "device.notifyUpload"
        }
    }
}

extension ServiceRoute {
    var metricName: String {
        switch self {
        case .devices: "devices"
        case .query: "query"
        case .device: "device"
        case .modules: "modules"
        case .module: "module"
        case .deviceStatistics: "statistics.devices"
        case .serviceStatistics: "statistics.service"
        case .twin: "twin"
        case .moduleTwin: "moduleTwin"
        case .methods: "methods"
        case .policies: "policies"
        case .policy: "policy"
        case .policyKey: "policyKey"
        case .events: "events"
        case .consumerGroups: "consumerGroups"
        case .consumerGroup: "consumerGroup"
        case .cloudToDevice: "cloudToDevice"
        case .jobs: "jobs"
        case .configurations: "configurations"
        case .routing: "routing"
        }
    }
}
