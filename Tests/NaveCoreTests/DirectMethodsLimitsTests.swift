import NaveCore
import NaveModel
import Synchronization
import Testing

/// Direct methods under load and at their limits: concurrent calls, the pending bound, request
/// validation (contract §4.4, §8), unknown identities, and answers racing timeouts.
@Suite("Direct methods: limits and concurrency")
struct DirectMethodsLimitsTests {
    @Test("50 concurrent calls to one device, answered out of order, each get their own answer")
    func concurrentCallsOutOfOrder() async throws {
        let hub = try await MethodFixture()
        let device = hub.connect()
        let calls = (0..<50).map { index in hub.call(payload: #"{"n":\#(index)}"#) }
        let requests = try await device.waitForRequests(50)
        #expect(Set(requests.map(\.requestID)).count == 50, "one request id per call")
        // Answer last-first, echoing each request's own payload back with a status from it.
        for request in requests.reversed() {
            let number = try #require(try JSONValue(parsing: request.payload)["n"]?.int64Value)
            hub.methods.deviceAnswered(MethodFixture.device, requestID: request.requestID, status: 200 + Int(number),
                                       payload: request.payload)
        }
        for (index, call) in calls.enumerated() {
            let result = try await call.value.get()
            #expect(result.status == 200 + index)
            #expect(String(decoding: result.payload, as: UTF8.self) == #"{"n":\#(index)}"#)
        }
        #expect(hub.methods.pendingCallCount == 0)
    }

    @Test("over pendingCallsMax waiting calls: 429001; the waiting ones still end")
    func pendingLimit() async throws {
        var limits = DirectMethodLimits()
        limits.pendingCallsMax = 3
        let hub = try await MethodFixture(limits: limits)
        let device = hub.connect()
        let waiting = (0..<3).map { _ in hub.call(responseTimeoutSeconds: 5) }
        _ = try await device.waitForRequests(3)
        #expect(await hub.call().value.errorCode == 429_001)
        hub.scheduler.advance(millis: 5_000)
        for call in waiting { #expect(await call.value.errorCode == 504_101) }
        #expect(hub.methods.pendingCallCount == 0)
        // Room again once they ended.
        let again = hub.call(responseTimeoutSeconds: 5)
        _ = try await device.waitForRequests(4)
        hub.scheduler.advance(millis: 5_000)
        #expect(await again.value.errorCode == 504_101)
    }

    @Test("timeouts out of IoT Hub's ranges, bad names and bad payloads are refused before any wait",
          arguments: [
              (4, 0, "m", "{}", 400_004), (301, 0, "m", "{}", 400_004), (30, -1, "m", "{}", 400_004),
              (30, 301, "m", "{}", 400_004), (30, 0, "", "{}", 400_004), (30, 0, "a/b", "{}", 400_004),
              (30, 0, "a b", "{}", 400_004), (30, 0, String(repeating: "m", count: 129), "{}", 400_004),
              (30, 0, "m", "{", 400_004), (30, 0, "m", "{} x", 400_004),
          ])
    func invalidRequests(response: Int, connect: Int, name: String, payload: String, code: Int) async throws {
        let hub = try await MethodFixture()
        let device = hub.connect(fallback: .answer(status: 200, payload: "{}"))
        let result = await hub.call(method: name, payload: payload, responseTimeoutSeconds: response, connectTimeoutSeconds: connect).value
        #expect(result.errorCode == code)
        #expect(device.requests.isEmpty)
    }

    @Test("the edges of the ranges are accepted: 5 and 300 s, connect 0 and 300 s, a 128-byte PnP-style name, no payload")
    func validEdges() async throws {
        let hub = try await MethodFixture()
        hub.connect(fallback: .answer(status: 200, payload: "{}"))
        for (response, connect) in [(5, 0), (300, 300)] {
            #expect(await hub.call(responseTimeoutSeconds: response, connectTimeoutSeconds: connect).value.errorCode == 0)
        }
        let pnpName = "thermostat*" + String(repeating: "m", count: 117)
        #expect(await hub.call(method: pnpName).value.errorCode == 0)
        #expect(await hub.call(payload: "").value.errorCode == 0)
    }

    @Test("a payload over 128 KB is MessageTooLarge (413001); 128 KB exactly is delivered")
    func payloadSize() async throws {
        let hub = try await MethodFixture()
        let device = hub.connect(fallback: .answer(status: 200, payload: "{}"))
        let fits = "\"" + String(repeating: "x", count: 131_072 - 2) + "\""
        #expect(await hub.call(payload: fits).value.errorCode == 0)
        #expect(await hub.call(payload: fits + " ").value.errorCode == 413_001)
        #expect(device.requests.count == 1)
    }

    @Test("unknown device: 404001; unknown module: 404010 — even with a connect timeout")
    func unknownIdentities() async throws {
        let hub = try await MethodFixture()
        #expect(await hub.call(IdentityKey(deviceID: "nope"), connectTimeoutSeconds: 30).value.errorCode == 404_001)
        #expect(await hub.call(IdentityKey(deviceID: "nope", moduleID: "m")).value.errorCode == 404_001)
        #expect(await hub.call(IdentityKey(deviceID: "dev1", moduleID: "nope")).value.errorCode == 404_010)
        #expect(hub.methods.pendingCallCount == 0)
    }

    @Test("request ids are a per-process random prefix and a count: unique, and safe in a topic as they are")
    func requestIDs() async throws {
        let hub = try await MethodFixture()
        let device = hub.connect()
        let calls = (0..<3).map { _ in hub.call() }
        let ids = try await device.waitForRequests(3).map(\.requestID)
        #expect(Set(ids).count == 3)
        for id in ids {
            let parts = id.split(separator: "-")
            #expect(parts.count == 2 && parts[0].count == 8 && parts[0].allSatisfy(\.isHexDigit) && Int(parts[1]) != nil, "\(id)")
        }
        for call in calls { call.cancel() }
    }

    @Test("answers racing response timeouts on other threads: every call ends exactly once")
    func answersRaceTimeouts() async throws {
        let hub = try await MethodFixture()
        let device = hub.connect()
        let count = 200
        let calls = (0..<count).map { _ in hub.call(responseTimeoutSeconds: 5) }
        let requests = try await device.waitForRequests(count)
        let methods = hub.methods
        let scheduler = hub.scheduler
        await withTaskGroup(of: Void.self) { group in
            group.addTask { scheduler.advance(millis: 5_000) }
            group.addTask {
                for request in requests {
                    methods.deviceAnswered(MethodFixture.device, requestID: request.requestID, status: 200, payload: [])
                }
            }
        }
        var answered = 0
        var timedOut = 0
        for call in calls {
            switch await call.value.errorCode {
            case 0: answered += 1
            case 504_101: timedOut += 1
            default: Issue.record("unexpected outcome")
            }
        }
        #expect(answered + timedOut == count)
        #expect(hub.methods.pendingCallCount == 0)
    }
}
