import NaveIO

/// One feedback link (contract §5.4) as the endpoint keeps it: the batches sent and not yet
/// settled by the client, by delivery, and the timer that looks for new feedback while the
/// queue is empty. Confined to its connection's actor.
final class FeedbackStream {
    let linkID: UInt64
    /// Delivery → the batch's lock token.
    var lockTokens: [OpaquePointer: String] = [:]
    var pollTimer: TimerID?

    init(linkID: UInt64) { self.linkID = linkID }

    /// The link is gone; batches it held come back when their locks expire.
    func stop() {
        lockTokens.removeAll()
    }
}
