import NaveModel
import NaveQuery
import Testing

@Suite("Query smoke")
struct QuerySmokeTests {
    @Test("the documented GROUP BY example")
    func groupBy() throws {
        let query = try QueryParser.parseQuery(
            "SELECT properties.reported.telemetryConfig.status AS status, COUNT() AS numberOfDevices FROM devices GROUP BY properties.reported.telemetryConfig.status")
        let twins = [
            QueryFixtures.twin("a", status: "Success"), QueryFixtures.twin("b", status: "Pending"),
            QueryFixtures.twin("c", status: "Success"), QueryFixtures.twin("d"),
        ]
        let rows = QueryFixtures.objects(query.rows(over: twins))
        #expect(rows == [["status": "Success", "numberOfDevices": 2], ["status": "Pending", "numberOfDevices": 1],
                         ["numberOfDevices": 1]])
        #expect(query.itemType == .raw)
        print(query)
    }
}
