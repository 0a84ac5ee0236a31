/// One series of a loop-local counter: a metric name and its labels, in order.
public struct LoopCounterKey: Hashable, Sendable, CustomStringConvertible {
    public let name: String
    public let labels: [Label]

    /// A label's name and value (`protocol="mqtt"`).
    public struct Label: Hashable, Sendable {
        public let name: String
        public let value: String
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(_ name: String, _ labels: [Label] = []) {
        self.name = name
        self.labels = labels
    }

    public var description: String {
        labels.isEmpty ? name : "\(name){\(labels.map { "\($0.name)=\"\($0.value)\"" }.joined(separator: ","))}"
    }
}

/// Counters one loop owns (issue #16): plain integers written only on the loop's thread, so
/// counting takes no lock and no atomic; a scrape hops onto every loop (`EventLoop.counterValues`)
/// and sums. For events that are not per message (accepts, CONNECTs, REST requests, TLS
/// handshakes): a dictionary update per event. Per-message counters stay in fixed fields of
/// their owner (`BrokerLoop`'s counters) instead.
struct LoopCounters {
    private(set) var values: [LoopCounterKey: Int] = [:]
    /// Open connections accepted per listening port; and accepted in all.
    private(set) var openByPort: [Int: Int] = [:]
    private(set) var acceptedByPort: [Int: Int] = [:]

    mutating func add(_ key: LoopCounterKey, _ amount: Int) {
        values[key, default: 0] += amount
    }

    mutating func accepted(port: Int) {
        openByPort[port, default: 0] += 1
        acceptedByPort[port, default: 0] += 1
    }

    mutating func closed(port: Int) {
        openByPort[port, default: 0] -= 1
    }
}

/// What one loop counted, copied on its thread for a scrape.
public struct LoopCounterValues: Sendable {
    /// Every `EventLoop.count` series.
    public var values: [LoopCounterKey: Int]
    /// Connections open now, per listening port (accepted ones only).
    public var openConnectionsByPort: [Int: Int]
    /// Connections accepted since start, per listening port.
    public var acceptedConnectionsByPort: [Int: Int]
    /// TLS handshakes completed, full and resumed (`Connection.isTLSResumed`).
    public var tlsHandshakesFull: Int
    public var tlsHandshakesResumed: Int

    public init(values: [LoopCounterKey: Int] = [:], openConnectionsByPort: [Int: Int] = [:],
                acceptedConnectionsByPort: [Int: Int] = [:], tlsHandshakesFull: Int = 0, tlsHandshakesResumed: Int = 0) {
        self.values = values
        self.openConnectionsByPort = openConnectionsByPort
        self.acceptedConnectionsByPort = acceptedConnectionsByPort
        self.tlsHandshakesFull = tlsHandshakesFull
        self.tlsHandshakesResumed = tlsHandshakesResumed
    }

    /// Adds `other`'s counts (summing loops).
    public mutating func add(_ other: LoopCounterValues) {
        values.merge(other.values, uniquingKeysWith: +)
        openConnectionsByPort.merge(other.openConnectionsByPort, uniquingKeysWith: +)
        acceptedConnectionsByPort.merge(other.acceptedConnectionsByPort, uniquingKeysWith: +)
        tlsHandshakesFull += other.tlsHandshakesFull
        tlsHandshakesResumed += other.tlsHandshakesResumed
    }
}

extension EventLoop {
    /// Adds `amount` to this loop's `key` series. Loop thread only: the count is a plain
    /// integer this loop owns (summed over loops at scrape time), so no lock or atomic is taken.
    public func count(_ key: LoopCounterKey, by amount: Int = 1) {
        assertInLoop()
        counters.add(key, amount)
    }

    /// A copy of this loop's counters. Loop thread only: a scrape hops here (`execute`) to read them.
    public var counterValues: LoopCounterValues {
        assertInLoop()
        return LoopCounterValues(values: counters.values, openConnectionsByPort: counters.openByPort,
                                 acceptedConnectionsByPort: counters.acceptedByPort,
                                 tlsHandshakesFull: tlsHandshakesFull, tlsHandshakesResumed: tlsHandshakesResumed)
    }
}
