/// Checks the frames a client sends before Proton sees them: each frame's header, and that its
/// body starts with a performative this frame type has, encoded as a described list that fits
/// in the frame (AMQP 1.0 §2.3, §2.7, §5.3.3).
///
/// Proton-C 0.37 silently drops a frame whose body it cannot decode or whose descriptor it does
/// not know: the connection then stays open, with no error, until the idle timeout. A client may
/// send anything, so such a frame closes the connection with `amqp:decode-error` instead.
/// Everything past the performative's head (its fields, a transfer's payload) is left to Proton;
/// the check reads only frame heads, skipping bodies by count, so it copies at most a frame head
/// across reads. Public for the fuzz target (Tests/Fuzz/Sources/AMQPFuzz).
public struct AMQPInboundFrameCheck {
    /// Why a frame was refused: the AMQP error condition and a description for the client.
    public struct Refusal: Equatable, Sendable {
        public var condition: String
        public var description: String
        /// Bytes of the checked part before the refused frame began: well formed, so the engine
        /// may read them first (a protocol header it must answer, say).
        public var validBytes = 0
    }

    /// Bytes of the current frame still to skip (its body past the checked head).
    private var skipping = 0
    /// The stream began with a protocol header; until then, and for ever when it did not,
    /// nothing is checked here: Proton refuses a wrong header itself, with a close saying why.
    private var started = false
    private var stopped = false
    /// The `max-frame-size` this side announced (§2.7.1): a larger frame is a framing error
    /// whatever it holds.
    private let frameBytesMax: Int

    public init(frameBytesMax: Int) { self.frameBytesMax = frameBytesMax }
    /// A frame head (or protocol header) split across reads.
    private var head: [UInt8] = []
    /// Longest head looked at: the 8-byte frame header, up to 1 KiB of extended header (doff is
    /// one byte of 4-byte words), and a performative's descriptor and list header (19 bytes).
    private static let headBytesMax = 8 + 255 * 4 + 19

    /// Checks `bytes`, the next part of the client's stream; nil while everything is well formed.
    public mutating func check(_ bytes: UnsafeRawBufferPointer) -> Refusal? {
        var rest = bytes[...]
        // Where the frame being collected began in `bytes` (0 when it began in an earlier part).
        var headStart = 0
        while !rest.isEmpty, !stopped {
            if skipping > 0 {
                let skipped = min(skipping, rest.count)
                skipping -= skipped
                rest = rest.dropFirst(skipped)
                continue
            }
            if head.isEmpty { headStart = rest.startIndex }
            // Collect enough of the head to judge it: always 8 bytes, then what the header says.
            let needed = head.count < 8 ? 8 : Self.headLength(head)
            let taken = min(needed - head.count, rest.count)
            head.append(contentsOf: rest.prefix(taken))
            rest = rest.dropFirst(taken)
            guard head.count >= needed else { continue }
            if head.count == 8, head.starts(with: Self.protocolMagic) {
                head.removeAll(keepingCapacity: true)  // `AMQP` + id + version (§2.2): the next layer starts
                started = true
                continue
            }
            guard started else {
                stopped = true
                return nil
            }
            if head.count == 8 {
                // The size is known from the first 8 bytes: an oversize frame is refused before
                // anything of it is waited for.
                if Self.frameSize(head) > frameBytesMax {
                    return Refusal(condition: "amqp:connection:framing-error",
                                   description: "A frame of \(Self.frameSize(head)) bytes is over max-frame-size \(frameBytesMax).",
                                   validBytes: headStart)
                }
                if Self.headLength(head) > 8 { continue }  // now collect the rest of the head
            }
            if var refusal = Self.judge(head) {
                refusal.validBytes = headStart
                return refusal
            }
            skipping = Self.frameSize(head) - head.count
            head.removeAll(keepingCapacity: true)
        }
        return nil
    }

    private static let protocolMagic: [UInt8] = Array("AMQP".utf8)

    private static func frameSize(_ head: [UInt8]) -> Int {
        Int(head[0]) << 24 | Int(head[1]) << 16 | Int(head[2]) << 8 | Int(head[3])
    }

    /// How much of a frame to read before judging it, from its 8-byte header: the header with
    /// its extension, plus as much of the body as a performative head takes (or the whole body
    /// when it is shorter). An impossible header asks for just its 8 bytes, to be judged.
    private static func headLength(_ head: [UInt8]) -> Int {
        let size = frameSize(head), bodyStart = Int(head[4]) * 4
        guard size >= 8, bodyStart >= 8, bodyStart <= size, !head.starts(with: protocolMagic) else { return 8 }
        return min(size, bodyStart + 19, headBytesMax)
    }

    /// The refusal for a frame whose head is `head`, or nil.
    private static func judge(_ head: [UInt8]) -> Refusal? {
        let size = frameSize(head), bodyStart = Int(head[4]) * 4, type = head[5]
        guard size >= 8, bodyStart >= 8, bodyStart <= size else {
            return Refusal(condition: "amqp:connection:framing-error", description: "A frame header is malformed (size \(size), data offset \(bodyStart)).")
        }
        guard size > bodyStart else { return nil }  // an empty frame: a heartbeat (§2.4.5)
        let allowed: ClosedRange<UInt64>
        switch type {
        case 0: allowed = 0x10...0x18   // open … close (§2.7)
        case 1: allowed = 0x40...0x44   // sasl-mechanisms … sasl-outcome (§5.3.3)
        default:
            return Refusal(condition: "amqp:connection:framing-error", description: "Frame type \(type) is not AMQP's or SASL's.")
        }
        let body = head[bodyStart...]
        let bodyLength = size - bodyStart
        var at = body.startIndex
        // described(descriptor, list): 0x00, then smallulong 0x53 code or ulong 0x80 + 8 bytes.
        guard at + 3 <= head.count, head[at] == 0x00 else { return decodeError("A frame body is not a described performative.") }
        at += 1
        let code: UInt64
        switch head[at] {
        case 0x53:
            code = UInt64(head[at + 1])
            at += 2
        case 0x80 where at + 9 <= head.count:
            code = head[(at + 1)..<(at + 9)].reduce(0) { $0 << 8 | UInt64($1) }
            at += 9
        default:
            return decodeError("A performative's descriptor is not a ulong.")
        }
        guard allowed.contains(code) else { return decodeError("Unknown performative 0x\(String(code, radix: 16)).") }
        guard at < head.count else { return decodeError("A performative has no fields.") }
        let used = at - body.startIndex  // descriptor bytes, relative to the body
        switch head[at] {
        case 0x45:
            return nil
        case 0xC0 where at + 2 <= head.count:
            return used + 2 + Int(head[at + 1]) <= bodyLength ? nil : decodeError("A performative's list runs past its frame.")
        case 0xD0 where at + 5 <= head.count:
            let listSize = head[(at + 1)..<(at + 5)].reduce(0) { $0 << 8 | Int($1) }
            return used + 5 + listSize <= bodyLength ? nil : decodeError("A performative's list runs past its frame.")
        default:
            return decodeError("A performative's fields are not a list.")
        }
    }

    private static func decodeError(_ description: String) -> Refusal {
        Refusal(condition: "amqp:decode-error", description: description)
    }
}
