import Foundation
import NaveModel
import Testing

/// Nave's `/eventHub/consumerGroups` routes (issue #13) in process: the list, create and delete
/// `nave hub consumer-group` calls on a running node, with IoT Hub's error shape.
@Suite("Service API: consumer groups")
struct ConsumerGroupRouteTests {
    static let collection = "/eventHub/consumerGroups"

    @Test("list, create, delete: $Default first, 200 with the group, 204, each group as {name, createdAt}")
    func lifecycle() async throws {
        let fixture = try await APIFixture.make()
        let empty = try await fixture.send("GET", Self.collection)
        #expect(empty.status == 200)
        let startedAt = Timestamp(secondsSinceEpoch: APIFixture.now).iso8601
        #expect(empty.array?.count == 1)
        #expect(empty.array?.first?["name"] as? String == "$Default" && empty.array?.first?["createdAt"] as? String == startedAt)

        fixture.clock.advance(seconds: 30)
        let created = try await fixture.send("PUT", Self.collection + "/Analytics")
        #expect(created.status == 200)
        #expect(created.object?.keys.sorted() == ["createdAt", "name"])
        #expect(created["name"] as? String == "Analytics")
        #expect(created["createdAt"] as? String == Timestamp(secondsSinceEpoch: APIFixture.now + 30).iso8601)
        // The path's words in any case, as Azure Resource Manager matches them.
        let listed = try await fixture.send("GET", "/EventHub/ConsumerGroups")
        #expect(listed.array?.compactMap { $0["name"] as? String } == ["$Default", "Analytics"])

        let deleted = try await fixture.send("DELETE", Self.collection + "/analytics")
        #expect(deleted.status == 204 && deleted.body.isEmpty)
        #expect(try await fixture.send("GET", Self.collection).array?.count == 1)
    }

    @Test("refusals: 409 for an existing name in any case and for $Default, 400 for a bad name or deleting $Default, 404 unknown, 403 at 20")
    func refusals() async throws {
        let fixture = try await APIFixture.make()
        #expect(try await fixture.send("PUT", Self.collection + "/analytics").status == 200)
        let cases: [(String, String, Int, Int, String)] = [
            ("PUT", "/ANALYTICS", 409, 409_000, "ConsumerGroupAlreadyExists"),
            ("PUT", "/$Default", 409, 409_000, "ConsumerGroupAlreadyExists"),
            ("PUT", "/-leading-hyphen", 400, 400_004, "ArgumentInvalid"),
            ("PUT", "/" + String(repeating: "g", count: 51), 400, 400_004, "ArgumentInvalid"),
            ("PUT", "/with%20space", 400, 400_004, "ArgumentInvalid"),
            ("DELETE", "/$Default", 400, 400_003, "InvalidOperation"),
            ("DELETE", "/$default", 400, 400_003, "InvalidOperation"),
            ("DELETE", "/ghost", 404, 404_000, "ConsumerGroupNotFound"),
        ]
        for (method, name, status, code, errorName) in cases {
            let reply = try await fixture.send(method, Self.collection + name)
            #expect(reply.status == status && reply.errorCode == code && reply.errorName == errorName, "\(method) \(name)")
        }
        for index in 2..<20 { #expect(try await fixture.send("PUT", Self.collection + "/g\(index)").status == 200) }
        let over = try await fixture.send("PUT", Self.collection + "/one-more")
        #expect(over.status == 403 && over.errorName == "ConsumerGroupQuotaExceeded")
        #expect(try await fixture.send("GET", Self.collection).array?.count == 20)
    }

    @Test("readers (service) may list; creating and deleting takes RegistryWrite too; api-version and methods as elsewhere")
    func access() async throws {
        let fixture = try await APIFixture.make()
        let service = try fixture.authorization(policy: "service")
        #expect(try await fixture.send("GET", Self.collection, authorization: .some(service)).status == 200)
        for (method, policy) in [("PUT", "service"), ("DELETE", "service"), ("PUT", "registryReadWrite"), ("GET", "registryReadWrite")] {
            let reply = try await fixture.send(method, Self.collection + (method == "GET" ? "" : "/$Default"),
                                               authorization: .some(try fixture.authorization(policy: policy)))
            #expect(reply.status == 401 && reply.errorCode == 401_002, "\(policy) \(method)")
        }
        #expect(try await fixture.send("GET", Self.collection, query: nil).errorCode == 400_004, "no api-version")
        #expect(try await fixture.send("POST", Self.collection).status == 405)
        #expect(try await fixture.send("GET", Self.collection + "/$Default").status == 405)
        #expect(try await fixture.send("GET", "/eventHub").status == 404)
    }
}
