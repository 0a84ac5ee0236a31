import NaveModel
import NaveQuery

/// What `route test` reports for one route (issue #15: "prints the routes that match and why
/// not for the others").
public struct RouteTestOutcome: Sendable, Hashable {
    public enum Result: String, Sendable, Hashable {
        case matched
        case disabled
        /// The route listens to another source.
        case otherSource
        /// The condition is `false`.
        case conditionFalse
        /// The condition is `null`, `undefined` or not a Boolean: false, and IoT Hub logs a
        /// routing error (§2.2).
        case conditionUndefined
    }

    public var route: String
    public var result: Result

    public init(route: String, result: Result) {
        self.route = route
        self.result = result
    }
}

/// The result of testing one message against the table: each route's outcome, and the
/// endpoints the message would go to (with `events` only through the fallback when none matched).
public struct RouteTestResult: Sendable, Hashable {
    public var outcomes: [RouteTestOutcome]
    public var endpoints: [String]
    public var viaFallback: Bool
}

extension RoutingTable {
    /// Tests `event` against every configured route, as routing would decide it.
    public func test(_ event: TelemetryEvent, enqueuedTime: Timestamp, twin: Twin?) -> RouteTestResult {
        let source = RouteSource(event.source)
        let document = RoutingMessageDocument(event: event, enqueuedTime: enqueuedTime,
                                              body: RoutingBody.json(of: event.message), twin: twin)
        var outcomes: [RouteTestOutcome] = []
        for route in configuration.routes {
            let result: RouteTestOutcome.Result
            if !route.isEnabled {
                result = .disabled
            } else if route.source != source {
                result = .otherSource
            } else {
                let condition = (try? RoutingConfiguration.parseCondition(route.condition, route: route.name)) ?? .literal(false)
                switch condition.evaluate(in: document) {
                case .value(.bool(true)): result = .matched
                case .value(.bool(false)): result = .conditionFalse
                default: result = .conditionUndefined
                }
            }
            outcomes.append(RouteTestOutcome(route: route.name, result: result))
        }
        let slots = endpoints(for: document)
        let matched = outcomes.contains { $0.result == .matched }
        return RouteTestResult(outcomes: outcomes, endpoints: slots.map { endpointNames[$0] }, viaFallback: !matched && !slots.isEmpty)
    }
}
