@testable import NaveBroker
import Testing

/// When a QoS 0 publish's deliveries call for its publisher to back off (PERF.md G10): only
/// when more than half of them were congested (`MQTTConnectionHandler.backOff(from:)`).
struct QoS0CongestionTests {
    @Test(arguments: [
        (0, 0, QoS0Congestion.none),       // no QoS 0 delivery at all
        (5, 0, .none),                     // all flowed
        (1, 1, .none),                     // half: a healthy subscriber beside a stuck one is never paused
        (600, 400, .none),
        (400, 600, .mostly),               // a fan-out outrunning most of its subscribers
        (1, 2, .mostly),
        (0, 1, .only),
        (0, 1_000, .only),
    ])
    func classifiesByTheCongestedShare(flowing: Int, congested: Int, expected: QoS0Congestion) {
        #expect(QoS0Congestion(flowing: flowing, congested: congested) == expected)
    }
}
