import Foundation
import Glibc
import Histogram
import NaveAuth
import NaveIO

/// `nave-bench hub query` (issue #14): the query language over a large fleet, through the REST
/// API of a node on one core. Goals: `SELECT * … WHERE tags.site = '…'` (1 % of the fleet) with
/// p99 ≤ 20 ms per page, and `SELECT … COUNT() … GROUP BY properties.reported.status` over the
/// whole fleet in ≤ 200 ms; and the node's memory for the twins.
///
/// The first query after start fills the twin cache from SQLite and builds the `tags.site` value
/// index; it is timed on its own ("first query"), then the measured queries run.
struct QueryBench {
    let runner: HubRunner
    let caPath: String
    let serviceKey: String
    let devices: Int
    let selectiveQueries: Int
    let groupQueries: Int

    func run(loop: EventLoop) throws -> [String: Double] {
        let target = try runner.startTarget(.nave)
        defer { target.stop() }
        target.waitUntilIdle()
        let idleRSS = target.residentBytes()
        let client = try BlockingHTTPS(loop: loop, port: target.ports.https!, tls: try TLSContext(clientTrustingCAPath: caPath))
        defer { client.close() }
        let token = try SASToken.serviceToken(hostName: HubDevices.hostName, keyName: "iothubowner", key: serviceKey,
                                              expiry: Int64(time(nil)) + 3600)
        let headers = [("Authorization", token), ("Content-Type", "application/json; charset=utf-8")]
        func query(_ text: String, continuation: String?) throws -> BlockingHTTPS.Answer {
            try client.request("POST", "/devices/query?api-version=2021-04-12",
                               headers: headers + (continuation.map { [("x-ms-continuation", $0)] } ?? []),
                               body: Array("{\"query\":\"\(text)\"}".utf8))
        }
        var figures: [String: Double] = ["devices": Double(devices), "nodeRSSBeforeFirstQueryBytes": Double(idleRSS)]

        let first = try query("SELECT * FROM devices WHERE tags.site = 'site-0'", continuation: nil)
        guard first.status == 200 else { throw failure(first) }
        figures["firstQueryMillis"] = Double(first.nanos) / 1e6
        target.waitUntilIdle()
        let filledRSS = target.residentBytes()
        figures["nodeRSSWithTwinsBytes"] = Double(filledRSS)
        figures["twinCacheBytesPerTwin"] = Double(filledRSS - idleRSS) / Double(max(1, devices))

        // Selective: every page of a query for one site (1 % of the fleet, 100 rows per page).
        var pages = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
        var whole = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
        var rows = 0
        let cpuBefore = target.cpuNanos()
        for round in 0..<selectiveQueries {
            let text = "SELECT * FROM devices WHERE tags.site = 'site-\((round * 37) % QueryFleet.siteCount)'"
            var continuation: String?
            var total: Int64 = 0
            repeat {
                let answer = try query(text, continuation: continuation)
                guard answer.status == 200 else { throw failure(answer) }
                _ = pages.record(UInt64(answer.nanos))
                total += answer.nanos
                rows += answer.arrayCount
                continuation = answer.header("x-ms-continuation")
            } while continuation != nil
            _ = whole.record(UInt64(total))
        }
        let selectiveCPU = target.cpuNanos() - cpuBefore
        figures["selectivePages"] = Double(pages.totalCount)
        figures["selectiveRowsPerQuery"] = Double(rows) / Double(max(1, selectiveQueries))
        figures["selectivePageP50Millis"] = Double(pages.valueAtPercentile(50)) / 1e6
        figures["selectivePageP99Millis"] = Double(pages.valueAtPercentile(99)) / 1e6
        figures["selectiveWholeQueryP99Millis"] = Double(whole.valueAtPercentile(99)) / 1e6
        figures["selectiveNodeCPUMillisPerPage"] = Double(selectiveCPU) / 1e6 / Double(max(1, pages.totalCount))

        // Aggregates over the whole fleet: GROUP BY a reported property, and COUNT().
        for (name, text) in [("groupBy", "SELECT properties.reported.status AS status, COUNT() AS n FROM devices GROUP BY properties.reported.status"),
                             ("count", "SELECT COUNT() AS total FROM devices")] {
            var latency = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
            for _ in 0..<groupQueries {
                let answer = try query(text, continuation: nil)
                guard answer.status == 200, answer.arrayCount >= 1 else { throw failure(answer) }
                _ = latency.record(UInt64(answer.nanos))
            }
            figures["\(name)P50Millis"] = Double(latency.valueAtPercentile(50)) / 1e6
            figures["\(name)MaxMillis"] = Double(latency.max) / 1e6
        }
        return figures
    }

    private func failure(_ answer: BlockingHTTPS.Answer) -> BrokerProcess.Failure {
        BrokerProcess.Failure(description: "query answered HTTP \(answer.status): \(answer.text)")
    }
}
