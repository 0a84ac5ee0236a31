import NaveCore
import NaveModel
import Testing

/// The direct-method flow of contract §4.4 on a manual scheduler: delivery, the connect wait,
/// 404103, 504101, and answers that come too late or from the wrong identity.
@Suite("Direct methods")
struct DirectMethodsTests {
    @Test("an answered call returns the device's status and payload; the device saw the name and payload")
    func answered() async throws {
        let hub = try await MethodFixture()
        let device = hub.connect(fallback: .answer(status: 200, payload: #"{"ok":true}"#))
        let result = await hub.call().value
        #expect(result.payloadText == #"{"ok":true}"#)
        #expect((try? result.get().status) == 200)
        let request = try #require(device.requests.first)
        #expect(request.name == "reboot")
        #expect(String(decoding: request.payload, as: UTF8.self) == #"{"delay":1}"#)
        #expect(hub.methods.pendingCallCount == 0)
    }

    @Test("the device's own status passes through (404 from the device is an answer, not an error)")
    func deviceStatusPassesThrough() async throws {
        let hub = try await MethodFixture()
        hub.connect(fallback: .answer(status: 404, payload: #"{"err":"no such"}"#))
        let result = try await hub.call().value.get()
        #expect(result.status == 404)
    }

    @Test("a module's method reaches the module's connection, not the device's")
    func moduleMethod() async throws {
        let hub = try await MethodFixture()
        let device = hub.connect(MethodFixture.device, fallback: .answer(status: 200, payload: "1"))
        let module = hub.connect(MethodFixture.module, fallback: .answer(status: 201, payload: "2"))
        let result = try await hub.call(MethodFixture.module).value.get()
        #expect(result.status == 201)
        #expect(module.requests.count == 1)
        #expect(device.requests.isEmpty)
    }

    @Test("no connection and connectTimeout 0: 404103 at once, nothing scheduled to wait for")
    func offlineAtOnce() async throws {
        let hub = try await MethodFixture()
        let result = await hub.call().value
        #expect(result.errorCode == 404_103)
        #expect(hub.methods.pendingCallCount == 0)
    }

    @Test("no connection within connectTimeoutInSeconds: 404103 when it is spent, not before")
    func offlineAfterConnectTimeout() async throws {
        let hub = try await MethodFixture()
        let call = hub.call(connectTimeoutSeconds: 2)
        try await hub.waitForPending(1)
        hub.advance(millis: 1_900)
        #expect(hub.methods.pendingCallCount == 1)
        hub.advance(millis: 100)
        let result = await call.value
        #expect(result.errorCode == 404_103)
        guard case .failure(let error) = result else { return }
        #expect(error.info["timeout"] == .string("00:00:02"))
    }

    @Test("a device that connects inside the connect timeout gets the call and answers it")
    func connectsWhileWaiting() async throws {
        let hub = try await MethodFixture()
        let call = hub.call(connectTimeoutSeconds: 10)
        try await hub.waitForPending(1)
        hub.advance(millis: 2_000)
        let device = hub.connect(fallback: .answer(status: 200, payload: #"{"late":"but fine"}"#))
        hub.advance(millis: 100)
        let result = await call.value
        #expect(result.payloadText == #"{"late":"but fine"}"#)
        #expect(device.requests.count == 1)
    }

    @Test("connected but not subscribed, connectTimeout 0: deviceUnreachable fails the call with 404103")
    func notSubscribed() async throws {
        let hub = try await MethodFixture()
        let device = hub.connect(fallback: .unreachable)
        let result = await hub.call().value
        #expect(result.errorCode == 404_103)
        #expect(device.requests.count == 1)
        #expect(hub.methods.pendingCallCount == 0)
    }

    @Test("subscribing inside the connect timeout: unreachable first, delivered again on the next poll")
    func subscribesWhileWaiting() async throws {
        let hub = try await MethodFixture()
        let device = hub.connect(reactions: [.unreachable, .unreachable], fallback: .answer(status: 200, payload: "true"))
        let call = hub.call(connectTimeoutSeconds: 5)
        _ = try await device.waitForRequests(1)
        hub.advance(millis: 100)
        hub.advance(millis: 100)
        let result = await call.value
        #expect(result.payloadText == "true")
        #expect(device.requests.count == 3)
        #expect(Set(device.requests.map(\.requestID)).count == 1, "the same call, delivered again")
    }

    @Test("never subscribing: 404103 once the connect timeout is spent, with a bounded number of attempts")
    func neverSubscribes() async throws {
        let hub = try await MethodFixture()
        let device = hub.connect(fallback: .unreachable)
        let call = hub.call(connectTimeoutSeconds: 1)
        _ = try await device.waitForRequests(1)
        hub.advance(millis: 1_000)
        let result = await call.value
        #expect(result.errorCode == 404_103)
        #expect(device.requests.count <= 11, "one attempt per poll interval at most")
    }

    @Test("no answer: 504101 after responseTimeoutInSeconds; the late answer is ignored")
    func responseTimeout() async throws {
        let hub = try await MethodFixture()
        let device = hub.connect()
        let call = hub.call(responseTimeoutSeconds: 5)
        let request = try #require(try await device.waitForRequests(1).first)
        hub.scheduler.advance(millis: 4_999)
        #expect(hub.methods.pendingCallCount == 1)
        hub.scheduler.advance(millis: 1)
        let result = await call.value
        #expect(result.errorCode == 504_101)
        hub.methods.deviceAnswered(MethodFixture.device, requestID: request.requestID, status: 200, payload: [])
        #expect(hub.methods.pendingCallCount == 0)
        // The device is still usable: the next call is answered.
        let next = hub.call(responseTimeoutSeconds: 5)
        let second = try #require(try await device.waitForRequests(2).last)
        #expect(second.requestID != request.requestID)
        hub.methods.deviceAnswered(MethodFixture.device, requestID: second.requestID, status: 200, payload: Array("7".utf8))
        #expect(await next.value.payloadText == "7")
    }

    @Test("a device that disconnects after the request went out: 504101 at the response timeout (§1.9)")
    func disconnectAfterDelivery() async throws {
        let hub = try await MethodFixture()
        let device = hub.connect()
        let call = hub.call(responseTimeoutSeconds: 5, connectTimeoutSeconds: 3)
        _ = try await device.waitForRequests(1)
        hub.disconnect(device)
        hub.advance(millis: 5_000)
        #expect(await call.value.errorCode == 504_101)
        #expect(device.requests.count == 1, "not delivered again after the drop")
    }

    @Test("answers from another identity, or for unknown ids, do not complete a call")
    func foreignAnswersIgnored() async throws {
        let hub = try await MethodFixture()
        let device = hub.connect()
        let call = hub.call()
        let request = try #require(try await device.waitForRequests(1).first)
        hub.methods.deviceAnswered(MethodFixture.module, requestID: request.requestID, status: 200, payload: [])
        hub.methods.deviceUnreachable(MethodFixture.module, requestID: request.requestID)
        hub.methods.deviceAnswered(MethodFixture.device, requestID: "nope", status: 200, payload: [])
        #expect(hub.methods.pendingCallCount == 1)
        hub.methods.deviceAnswered(MethodFixture.device, requestID: request.requestID, status: 202, payload: [])
        hub.methods.deviceAnswered(MethodFixture.device, requestID: request.requestID, status: 500, payload: [])
        #expect((try? await call.value.get().status) == 202, "the first answer wins; the duplicate is ignored")
    }

    @Test("answer payloads: empty or whitespace reads as null, JSON as sent, anything else as a JSON string")
    func answerPayloads() async throws {
        let hub = try await MethodFixture()
        let cases: [(sent: String, expected: String)] = [
            ("", "null"), (" \n", "null"), ("null", "null"), (#"[1,{"a":"b"}]"#, #"[1,{"a":"b"}]"#), ("not json", #""not json""#),
        ]
        for (sent, expected) in cases {
            let device = hub.connect(fallback: .answer(status: 200, payload: sent))
            #expect(await hub.call().value.payloadText == expected, "device sent \(sent.debugDescription)")
            hub.disconnect(device)
        }
    }

    @Test("a cancelled call ends with 503 and leaves nothing waiting")
    func cancelled() async throws {
        let hub = try await MethodFixture()
        hub.connect()
        let call = hub.call()
        try await hub.waitForPending(1)
        call.cancel()
        #expect(await call.value.errorCode == 503_001)
        #expect(hub.methods.pendingCallCount == 0)
    }
}
