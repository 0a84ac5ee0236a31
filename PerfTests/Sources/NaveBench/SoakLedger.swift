/// A growable set of small non-negative integers, one bit each.
struct SoakBitmap {
    private var words: [UInt64] = []

    /// Adds `value`; returns false when it was already there.
    @inline(__always)
    mutating func insert(_ value: Int) -> Bool {
        let word = value >> 6
        if word >= words.count { words.append(contentsOf: repeatElement(0, count: max(word + 1 - words.count, words.count))) }
        let bit = UInt64(1) << UInt64(value & 63)
        defer { words[word] |= bit }
        return words[word] & bit == 0
    }

    @inline(__always)
    func contains(_ value: Int) -> Bool {
        let word = value >> 6
        return word < words.count && words[word] & (UInt64(1) << UInt64(value & 63)) != 0
    }
}

/// The QoS 1 accounting of a soak: every QoS 1 PUBLISH gets a sequence number (carried in its
/// payload after the send time); the ledger records which publisher sent it, whether the broker
/// PUBACKed it, and which tracked subscribers received it. A message is lost when the broker
/// acknowledged it and a tracked subscriber whose filter matches its publisher never received
/// it, across that subscriber's reconnects (MQTT 3.1.1 §3.1.2.4: a session with clean session 0
/// keeps its subscriptions and queues QoS 1 messages while the client is away; §4.3.2: a QoS 1
/// message PUBACKed by the broker is the broker's to deliver).
///
/// Loop-confined, like the fleet that owns it.
final class SoakLedger {
    /// The publisher (index in the fleet's QoS 1 publishers) of each message, by sequence number.
    private var publisherBySequence: [Int32] = []
    private var acknowledged = SoakBitmap()
    /// Per tracked subscriber: what it received, and which publishers its filter matches.
    private var received: [SoakBitmap] = []
    private var matches: [(Int) -> Bool] = []
    private(set) var acknowledgedCount = 0
    /// QoS 1 deliveries of a message the subscriber already had (allowed: at least once).
    private(set) var duplicates = 0
    /// Deliveries of a message whose publisher the subscriber's filter does not match, or with
    /// a sequence number never issued.
    private(set) var misrouted = 0

    var issuedCount: Int { publisherBySequence.count }

    /// Registers a tracked subscriber; returns its index.
    func addSubscriber(matching: @escaping (Int) -> Bool) -> Int {
        received.append(SoakBitmap())
        matches.append(matching)
        return received.count - 1
    }

    /// A new sequence number for `publisher`'s next QoS 1 message.
    func issue(publisher: Int) -> Int {
        publisherBySequence.append(Int32(publisher))
        return publisherBySequence.count - 1
    }

    func acknowledge(_ sequence: Int) {
        if acknowledged.insert(sequence) { acknowledgedCount += 1 }
    }

    /// A tracked subscriber received `sequence`.
    func deliver(_ sequence: Int, to subscriber: Int) {
        guard sequence >= 0, sequence < publisherBySequence.count,
              matches[subscriber](Int(publisherBySequence[sequence])) else {
            misrouted += 1
            return
        }
        if !received[subscriber].insert(sequence) { duplicates += 1 }
    }

    /// Acknowledged messages that a matching tracked subscriber has not received (counted once
    /// per subscriber), and up to `examples` of them as (sequence, subscriber).
    func missing(examples: Int = 5) -> (count: Int, examples: [(sequence: Int, subscriber: Int)]) {
        var count = 0
        var found: [(Int, Int)] = []
        for sequence in 0..<publisherBySequence.count where acknowledged.contains(sequence) {
            let publisher = Int(publisherBySequence[sequence])
            for subscriber in 0..<received.count where matches[subscriber](publisher) && !received[subscriber].contains(sequence) {
                count += 1
                if found.count < examples { found.append((sequence, subscriber)) }
            }
        }
        return (count, found)
    }

    /// Deliveries expected so far: each acknowledged message once per matching tracked subscriber.
    func expectedDeliveries() -> Int {
        var count = 0
        for sequence in 0..<publisherBySequence.count where acknowledged.contains(sequence) {
            let publisher = Int(publisherBySequence[sequence])
            for subscriber in 0..<received.count where matches[subscriber](publisher) { count += 1 }
        }
        return count
    }
}
