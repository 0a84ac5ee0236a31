import NaveCore
import NaveModel
import Synchronization

/// What the node page shows about the node itself, handed in by the composition root (the
/// console cannot see listeners, the broker or the event log: they are NaveNode's).
public struct ConsoleNode: Sendable {
    public struct Listener: Sendable {
        public var name: String
        public var address: String
        public init(name: String, address: String) {
            self.name = name
            self.address = address
        }
    }

    public var listeners: [Listener]
    /// Settings worth seeing (`key`, value); never a secret.
    public var configuration: [(key: String, value: String)]
    public let metrics: ConsoleMetrics

    public init(listeners: [Listener] = [], configuration: [(key: String, value: String)] = [], metrics: ConsoleMetrics) {
        self.listeners = listeners
        self.configuration = configuration
        self.metrics = metrics
    }
}

/// The node's own numbers over the last minutes: the node samples them every
/// `console.sampleIntervalSeconds` into this ring (`samplesMax` kept); the node page draws
/// each series as a chart. Counters (messages so far) are drawn as rates per second.
public final class ConsoleMetrics: Sendable {
    /// One number read at a sample.
    public struct Reading: Sendable, Equatable {
        public var name: String
        public var value: Double
        /// A count since the start (drawn as its rate per second) rather than a level.
        public var isCounter: Bool
        public init(name: String, value: Double, isCounter: Bool) {
            self.name = name
            self.value = value
            self.isCounter = isCounter
        }
    }

    struct Sample: Sendable {
        var time: Timestamp
        var readings: [Reading]
    }

    /// A series as drawn: its name, whether it is a rate, and its points (time, value).
    struct Series: Sendable {
        var name: String
        var isRate: Bool
        var points: [(time: Timestamp, value: Double)]
    }

    public let samplesMax: Int
    private let samples = Mutex<[Sample]>([])

    public init(samplesMax: Int) {
        self.samplesMax = samplesMax
    }

    public func record(_ readings: [Reading], at time: Timestamp) {
        samples.withLock { samples in
            samples.append(Sample(time: time, readings: readings))
            if samples.count > samplesMax { samples.removeFirst(samples.count - samplesMax) }
        }
    }

    /// Samples the node until the task is cancelled: `read` every `intervalSeconds` of the
    /// scheduler's time (a manual scheduler drives it in tests).
    public func run(every intervalSeconds: Int, clock: any HubClock, scheduler: any HubScheduler,
                    read: @Sendable () async -> [Reading]) async {
        while !Task.isCancelled {
            record(await read(), at: clock.now())
            await scheduler.sleep(millis: Int64(intervalSeconds) * 1000)
        }
    }

    /// Every series in the order of the latest sample's readings.
    func series() -> [Series] {
        let samples = samples.withLock { $0 }
        guard let last = samples.last else { return [] }
        return last.readings.map { reading in
            var points: [(time: Timestamp, value: Double)] = []
            var previous: (time: Timestamp, value: Double)?
            for sample in samples {
                guard let value = sample.readings.first(where: { $0.name == reading.name })?.value else { continue }
                if reading.isCounter {
                    if let previous, sample.time > previous.time {
                        let seconds = Double(sample.time.millisecondsSinceEpoch - previous.time.millisecondsSinceEpoch) / 1000
                        points.append((sample.time, max(0, value - previous.value) / seconds))
                    }
                    previous = (sample.time, value)
                } else {
                    points.append((sample.time, value))
                }
            }
            return Series(name: reading.name, isRate: reading.isCounter, points: points)
        }
    }
}
