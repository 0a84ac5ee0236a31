import FuzzSupport
import NaveAMQP
import NaveModel

/// libFuzzer entry point for the AMQP adapter's pure pieces: the receiver's selector filter
/// and link addresses (contract §6.5), SASL PLAIN's response (RFC 4616), and the event encoder
/// (contract §6.6) checked against Proton-C's decoder.
///
/// Checks, for any input: a selector is refused with a reason or gives a position that, written
/// back as the SDK would, gives the same position; an address is a partition exactly when
/// `AMQPNodeAddress` says so, within its bounds, and a partition written back reads the same;
/// PLAIN's policy and key are the input's second and third NUL-separated parts. The input also
/// builds an `EventRecord` (`FuzzEvent`): its encoding, decoded by Proton, has every field the
/// record has (`EventMessageCheck`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    let text = input.bytes.text
    fuzzSelector(text)
    fuzzAddress(text)
    fuzzPlain(input.bytes)
    fuzzFrameCheck(input.bytes)
    checkEncoding(of: FuzzEvent(input))
    return 0
}

private func fuzzSelector(_ text: String) {
    let position: EventStartPosition
    do {
        position = try EventHubSelector.startPosition(text)
    } catch {
        precondition(!error.description.isEmpty)
        return
    }
    precondition(text.utf8.count <= EventHubSelector.selectorBytesMax, "a selector over the limit was read")
    guard let again = try? EventHubSelector.startPosition(selector(for: position)) else {
        preconditionFailure("the selector written back for \(position) is refused")
    }
    precondition(again == position, "selector does not round-trip: \(position) then \(again)")
}

/// The selector `event_position_selector` writes for `position` (contract §6.5), inclusive.
private func selector(for position: EventStartPosition) -> String {
    switch position {
    case .earliest: "amqp.annotation.x-opt-offset > '-1'"
    case .latest: "amqp.annotation.x-opt-offset > '@latest'"
    case .offset(let offset): "amqp.annotation.x-opt-offset >= '\(offset)'"
    case .sequenceNumber(let number): "amqp.annotation.x-opt-sequence-number >= '\(number)'"
    case .enqueuedTime(let time): "amqp.annotation.x-opt-enqueued-time >= '\(time.millisecondsSinceEpoch)'"
    }
}

private func fuzzAddress(_ text: String) {
    let node = AMQPNodeAddress(text)
    guard let partition = EventHubAddress(text) else {
        if case .partition = node { preconditionFailure("AMQPNodeAddress sees a partition EventHubAddress refuses") }
        return
    }
    precondition(node == .partition(partition), "a partition address classified as \(node)")
    precondition(text.utf8.count <= AMQPNodeAddress.addressBytesMax)
    precondition((0...EventHubAddress.partitionMax).contains(partition.partition))
    precondition(!partition.eventHub.isEmpty && partition.eventHub.utf8.count <= EventHubAddress.eventHubBytesMax)
    precondition(!partition.consumerGroup.isEmpty && partition.consumerGroup.utf8.count <= EventHubAddress.consumerGroupBytesMax)
    precondition(!partition.eventHub.utf8.contains(UInt8(ascii: "/")) && !partition.consumerGroup.utf8.contains(UInt8(ascii: "/")))
    let written = "amqps://localhost:5671/\(partition.eventHub)/ConsumerGroups/\(partition.consumerGroup)/Partitions/\(partition.partition)"
    if written.utf8.count <= AMQPNodeAddress.addressBytesMax {
        precondition(EventHubAddress(written) == partition, "partition address does not round-trip")
    }
}

private func fuzzPlain(_ bytes: [UInt8]) {
    guard let (policy, key) = bytes.withUnsafeBytes({ AMQPSASLServer.parsePlain($0) }) else {
        // Refused only without a policy, or with an empty password or one holding NUL (RFC 4616 §2).
        let parts = bytes.split(separator: 0, maxSplits: 2, omittingEmptySubsequences: false)
        precondition(parts.count < 3 || parts[1].isEmpty || parts[2].isEmpty || parts[2].contains(0),
                     "a response with a policy and a password refused")
        return
    }
    precondition(!policy.isEmpty && !policy.utf8.contains(0), "PLAIN's policy is empty or holds a NUL")
    precondition(!key.isEmpty && !key.utf8.contains(0), "PLAIN's password is empty or holds a NUL")
    // Valid UTF-8 comes back unchanged: the response is the authzid, then NUL policy NUL key.
    if bytes.validText != nil, let firstNUL = bytes.firstIndex(of: 0) {
        precondition(Array(bytes[firstNUL...]) == [0] + Array(policy.utf8) + [0] + Array(key.utf8), "PLAIN parts moved")
    }
}

/// The inbound frame check over a client stream (the input after a protocol header): the same
/// verdict whether the bytes arrive at once or split at any point, and never a trap.
private func fuzzFrameCheck(_ bytes: [UInt8]) {
    let stream = Array("AMQP".utf8) + [0, 1, 0, 0] + bytes
    func verdict(_ chunks: [ArraySlice<UInt8>]) -> String? {
        var check = AMQPInboundFrameCheck(frameBytesMax: 4096)
        for chunk in chunks {
            if let refusal = chunk.withUnsafeBytes({ check.check($0) }) { return refusal.condition }
        }
        return nil
    }
    let whole = verdict([stream[...]])
    let split = bytes.isEmpty ? 0 : Int(bytes[0]) % stream.count
    precondition(verdict([stream[..<split], stream[split...]]) == whole, "the frame check's verdict depends on how the bytes arrive")
}
