import NaveModel
import NaveQuery
import Testing

/// Projection, aggregates, GROUP BY and TOP (§1.6), the item type (§1.1), and streaming.
@Suite("Query execution")
struct QueryExecutionTests {
    static let fleet: [TwinQueryDocument] = [
        QueryFixtures.twin("d1", tags: ["site": "paris", "floor": 1], reported: ["temp": 20, "telemetryConfig": ["status": "Success"]]),
        QueryFixtures.twin("d2", tags: ["site": "lyon", "floor": 2], reported: ["temp": 22.5, "telemetryConfig": ["status": "Pending"]]),
        QueryFixtures.twin("d3", tags: ["site": "paris"], reported: ["temp": "hot", "telemetryConfig": ["status": "Success"]]),
        QueryFixtures.twin("d4", tags: ["site": "paris", "floor": 3], reported: ["temp": 30]),
        QueryFixtures.twin("d5", reported: ["telemetryConfig": ["status": "Success"]]),
    ]

    static func rows(_ text: String, over documents: [TwinQueryDocument] = fleet) throws -> [JSONValue] {
        QueryFixtures.objects(try QueryParser.parseQuery(text).rows(over: documents))
    }

    @Test("the documented GROUP BY example, with a group for twins lacking the path")
    func documentedGroupBy() throws {
        let rows = try Self.rows("""
            SELECT properties.reported.telemetryConfig.status AS status, COUNT() AS numberOfDevices
            FROM devices GROUP BY properties.reported.telemetryConfig.status
            """)
        #expect(rows == [["status": "Success", "numberOfDevices": 3], ["status": "Pending", "numberOfDevices": 1],
                         ["numberOfDevices": 1]])
    }

    @Test("projection: documented key names, last segments, undefined values left out")
    func projection() throws {
        let rows = try Self.rows("SELECT DeviceId, LastActivityTime, tags.floor, properties.reported.temp AS t FROM devices WHERE tags.site = 'paris'")
        #expect(rows == [
            ["deviceId": "d1", "lastActivityTime": "2024-01-01T00:00:00Z", "floor": 1, "t": 20],
            ["deviceId": "d3", "lastActivityTime": "2024-01-01T00:00:00Z", "t": "hot"],
            ["deviceId": "d4", "lastActivityTime": "2024-01-01T00:00:00Z", "floor": 3, "t": 30],
        ])
    }

    @Test("aggregates without GROUP BY: one row, COUNT() 0 for no documents, non-numbers skipped")
    func aggregates() throws {
        #expect(try Self.rows("SELECT COUNT() AS total FROM devices") == [["total": 5]])
        #expect(try Self.rows("SELECT COUNT() AS total FROM devices", over: []) == [["total": 0]])
        #expect(try Self.rows("SELECT COUNT() FROM devices WHERE tags.site = 'nowhere'") == [["$1": 0]])
        #expect(try Self.rows("""
            SELECT COUNT() AS n, SUM(properties.reported.temp) AS s, AVG(properties.reported.temp) AS a,
                   MIN(properties.reported.temp) AS lo, MAX(properties.reported.temp) AS hi FROM devices
            """) == [["n": 5, "s": 72.5, "a": .double(72.5 / 3), "lo": 20, "hi": 30]])
        #expect(try Self.rows("SELECT SUM(tags.floor) AS s, AVG(tags.none) AS a, MIN(tags.none) AS m FROM devices") == [["s": 6]])
        #expect(try Self.rows("SELECT SUM(tags.none) AS s FROM devices") == [["s": 0]])
    }

    @Test("GROUP BY with several aggregates, and TOP on the groups")
    func groupByAggregates() throws {
        #expect(try Self.rows("SELECT tags.site, COUNT() AS n, MAX(tags.floor) AS f FROM devices GROUP BY tags.site")
            == [["site": "paris", "n": 3, "f": 3], ["site": "lyon", "n": 1, "f": 2], ["n": 1]])
        #expect(try Self.rows("SELECT TOP 1 COUNT() AS n FROM devices GROUP BY tags.site") == [["n": 3]])
        #expect(try Self.rows("SELECT COUNT() AS n FROM devices WHERE tags.floor > 1 GROUP BY tags.site") == [["n": 1], ["n": 1]])
    }

    @Test("SELECT * yields the documents; TOP stops the accumulator")
    func selectAllAndTop() throws {
        let query = try QueryParser.parseQuery("SELECT TOP 2 * FROM devices WHERE tags.site = 'paris'")
        #expect(query.itemType == .twin)
        var accumulator = QueryAccumulator<TwinQueryDocument>(query)
        var fed = 0
        for twin in Self.fleet where !accumulator.isComplete {
            accumulator.add(twin)
            fed += 1
        }
        #expect(fed == 3)  // d1, d2, d3: the second match completes TOP 2
        let ids = accumulator.finish().map { row -> JSONValue? in
            if case .document(let twin) = row { return twin.twin["deviceId"] }
            return nil
        }
        #expect(ids == ["d1", "d3"])
    }

    @Test("rows stream out as documents come in; aggregate rows only at the end")
    func streaming() throws {
        var plain = QueryAccumulator<TwinQueryDocument>(try QueryParser.parseQuery("SELECT deviceId FROM devices"))
        plain.add(Self.fleet[0])
        #expect(QueryFixtures.objects(plain.takeReadyRows()) == [["deviceId": "d1"]])
        #expect(plain.takeReadyRows().isEmpty)
        plain.add(Self.fleet[1])
        #expect(QueryFixtures.objects(plain.finish()) == [["deviceId": "d2"]])
        var counting = QueryAccumulator<TwinQueryDocument>(try QueryParser.parseQuery("SELECT COUNT() AS n FROM devices"))
        for twin in Self.fleet { counting.add(twin) }
        #expect(!counting.isComplete)
        #expect(counting.takeReadyRows().isEmpty)
        #expect(QueryFixtures.objects(counting.finish()) == [["n": 5]])
    }

    @Test("item types: twin, deviceJob, raw")
    func itemTypes() throws {
        #expect(try QueryParser.parseQuery("SELECT * FROM devices").itemType == .twin)
        #expect(try QueryParser.parseQuery("SELECT * FROM devices.modules").itemType == .twin)
        #expect(try QueryParser.parseQuery("SELECT * FROM devices.jobs").itemType == .deviceJob)
        #expect(try QueryParser.parseQuery("SELECT deviceId FROM devices.modules").itemType == .raw)
        #expect(try QueryParser.parseQuery("SELECT COUNT() FROM devices").itemType == .raw)
    }

    @Test("device-job rows through a query")
    func deviceJobs() throws {
        let rows = [DeviceJobQueryDocument(["deviceId": "d1", "jobId": "j1", "status": "completed"]),
                    DeviceJobQueryDocument(["deviceId": "d2", "jobId": "j1", "status": "failed"])]
        let query = try QueryParser.parseQuery("SELECT * FROM devices.jobs WHERE devices.jobs.jobId = 'j1' AND status = 'failed'")
        let matched = query.rows(over: rows).compactMap { row -> JSONValue? in
            if case .document(let job) = row { return job.row["deviceId"] }
            return nil
        }
        #expect(matched == ["d2"])
    }

    @Test("equality constraints: top-level conjuncts only, scalars only, no $ paths")
    func equalityConstraints() throws {
        let site = QueryPath(names: "tags", "site")
        let condition = try QueryParser.parseCondition(
            "Tags.site = 'paris' AND (deviceId IN ['a', 'b'] AND 3 = properties.reported.n) AND tags.x > 1 AND tags.o = [1] AND tags.y NIN [1]",
            dialect: .twin)
        #expect(condition.equalityConstraints() == [
            QueryEqualityConstraint(path: site, values: ["paris"]),
            QueryEqualityConstraint(path: QueryPath(names: "deviceId"), values: ["a", "b"]),
            QueryEqualityConstraint(path: QueryPath(names: "properties", "reported", "n"), values: [3]),
        ])
        #expect(try QueryParser.parseCondition("tags.site = 'a' OR tags.site = 'b'", dialect: .twin).equalityConstraints().isEmpty)
        #expect(try QueryParser.parseCondition("NOT tags.site = 'a'", dialect: .twin).equalityConstraints().isEmpty)
        #expect(try QueryParser.parseCondition("$body.a = 1 AND level = 'x'", dialect: .routing).equalityConstraints()
            == [QueryEqualityConstraint(path: QueryPath(names: "level"), values: ["x"])])
        // Canonical: two spellings of one built-in path are one index key.
        #expect(QueryPath(names: "PROPERTIES", "Reported", "n") == QueryPath(names: "properties", "reported", "n"))
        #expect(QueryPath(names: "PROPERTIES", "Reported", "n").hashValue == QueryPath(names: "properties", "reported", "n").hashValue)
        #expect(QueryPath(names: "tags", "Site") != site)
    }
}
