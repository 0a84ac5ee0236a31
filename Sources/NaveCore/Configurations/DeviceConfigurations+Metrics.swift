import NaveModel
import NaveQuery

/// A configuration's metrics (reference §4.3), computed when it is read rather than on a
/// 5-minute pass: `targetedCount` (twins its target condition selects now), `appliedCount`
/// (twins that hold at least one of its values, so partial application counts) and each custom
/// metric's row count, all through the query language over the twin cache.
extension DeviceConfigurations {
    /// The metrics of `configuration` now. A custom metric whose query fails when run (it was
    /// valid when stored) counts 0.
    public func metrics(of configuration: DeviceConfiguration) async throws(HubError) -> ConfigurationMetrics {
        let queries = Self.systemQueries(of: configuration)
        let targeted = configuration.targetCondition.allSatisfy(\.isWhitespace)
            ? 0 : try await query.identities(matching: configuration.targetCondition).count
        var applied = 0
        let registry = twins.registry
        for (key, cached) in try await twins.queryableTwins()
        where cached.twin.configurations.statuses[configuration.id] == .applied
            && registry.generationID(of: key) == cached.twin.identityGenerationID {
            applied += 1
        }
        var custom: [(String, Int64)] = []
        for (name, text) in configuration.metricQueries {
            let count = (try? await query.rowCount(text.stringValue ?? "")) ?? 0
            custom.append((name, Int64(count)))
        }
        return ConfigurationMetrics(system: [("targetedCount", Int64(targeted)), ("appliedCount", Int64(applied))],
                                    systemQueries: queries, custom: custom)
    }

    /// The queries the system metrics count, as IoT Hub shows them in `systemMetrics.queries`.
    static func systemQueries(of configuration: DeviceConfiguration) -> JSONObject {
        let forModules = configuration.content.scope == .modules
        let select = forModules ? "SELECT deviceId, moduleId" : "SELECT deviceId"
        let from = forModules ? "FROM devices.modules" : "FROM devices"
        let condition = configuration.targetCondition.trimmingSpaces
        let targeted: String
        if condition.isEmpty {
            targeted = "\(select) \(from) WHERE false"
        } else if condition == "*" {
            targeted = "\(select) \(from)"
        } else if forModules {
            targeted = "\(select) \(condition)"
        } else {
            targeted = "\(select) \(from) WHERE \(condition)"
        }
        let applied = "\(select) \(from) WHERE configurations.[[\(configuration.id)]].status = '\(TwinConfigurations.Status.applied.rawValue)'"
        return JSONObject([("targetedCount", .string(targeted)), ("appliedCount", .string(applied))])
    }

    /// `POST /configurations/testQueries` (§4.1): the language's message for an invalid target
    /// condition (`""` when valid, or when none is given) and for each invalid custom metric
    /// query (only those: an empty map when all are valid, §4.3 unconfirmed).
    public static func testQueries(targetCondition: String?, metricQueries: JSONObject) -> (targetConditionError: String,
                                                                                            metricQueryErrors: JSONObject) {
        var targetError = ""
        if let targetCondition, !targetCondition.allSatisfy(\.isWhitespace) {
            do {
                let scoped = try QueryParser.parseScopedCondition(targetCondition)
                if scoped.collection == .deviceJobs { targetError = "A target condition selects devices or devices.modules." }
            } catch {
                targetError = error.description
            }
        }
        var errors = JSONObject()
        for (name, query) in metricQueries {
            guard let text = query.stringValue else {
                errors[name] = .string("The query must be a string.")
                continue
            }
            if let error = metricQueryError(text) { errors[name] = .string(error) }
        }
        return (targetError, errors)
    }
}

extension HubQuery {
    /// The number of rows `text` answers (every page), for a custom metric (§4.3).
    func rowCount(_ text: String) async throws(HubError) -> Int {
        var count = 0
        var token: String?
        repeat {
            let page = try await page(text, pageRows: Self.pageRowsMax, continuation: token)
            count += page.rows.count
            token = page.continuation
        } while token != nil
        return count
    }
}

extension String {
    /// Without leading and trailing whitespace (no Foundation in NaveCore).
    var trimmingSpaces: String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
