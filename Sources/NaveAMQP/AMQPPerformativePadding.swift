/// Rewrites the frames Proton writes so every performative carries all its fields.
///
/// AMQP 1.0 lets an encoder drop trailing null fields of a list (§1.6.22, §2.7), and Proton does:
/// its `begin`, `attach` and `transfer` end at their last non-null field. azure-eventhub's pyamqp
/// reads performatives by position without checking the list's length — `begin` field 7,
/// `attach` field 13, `transfer` field 11 (where it appends the payload) — and fails with "list
/// index out of range" on a shortened one (Azure's own brokers send every field). So frames
/// from this side are padded with nulls (`0x40`) to the full field count of their performative
/// (§2.7.1–§2.7.9, §5.3.3), which every conforming peer reads the same. A missing field with a
/// default in the spec gets that default rather than null where pyamqp computes with it
/// (`begin.handle-max`: Proton omits the default 4294967295, pyamqp compares against it). An
/// empty list (`list0`) becomes a `list8`, which pyamqp's frame decoder also requires.
///
/// A frame Proton already filled to the peer's `max-frame-size` (a transfer split across frames)
/// is left as it is: padding it would break the peer's limit. pyamqp announces 1 MiB, more than
/// any event, so it never gets one; peers with smaller frames (uamqp, Proton) read short lists.
///
/// It works on the byte stream Proton hands out, which may end inside a frame: a partial frame
/// is kept until the rest arrives. Only this side's own output passes through here.
struct AMQPPerformativePadding {
    /// Bytes of a frame (or protocol header) not complete yet.
    private var carry: [UInt8] = []

    /// Full field counts by performative descriptor code.
    static func fieldCount(descriptor: UInt8) -> Int? {
        switch descriptor {
        case 0x10: 10  // open
        case 0x11: 8   // begin
        case 0x12: 14  // attach
        case 0x13: 11  // flow
        case 0x14: 11  // transfer
        case 0x15: 6   // disposition
        case 0x16: 3   // detach
        case 0x17: 1   // end
        case 0x18: 1   // close
        case 0x40: 1   // sasl-mechanisms
        case 0x44: 2   // sasl-outcome
        default: nil
        }
    }

    /// The encoding of a missing field: its spec default where pyamqp uses the value, else null.
    static func missingField(descriptor: UInt8, index: Int) -> [UInt8] {
        switch (descriptor, index) {
        case (0x10, 2), (0x11, 4): [0x70, 0xFF, 0xFF, 0xFF, 0xFF]  // open.max-frame-size, begin.handle-max: uint max
        case (0x10, 3): [0x60, 0xFF, 0xFF]                           // open.channel-max: ushort max
        default: [0x40]
        }
    }

    /// Appends the encodings of fields `present..<full` of `descriptor`'s performative. Every
    /// transfer of the events drain passes here (Proton ends a settled transfer after its 5th
    /// field), so the nulls are appended as they are, without building an array per frame;
    /// only `open` and `begin` have non-null defaults.
    private static func appendMissingFields(descriptor: UInt8, present: Int, full: Int, to output: inout some AMQPByteSink) {
        guard descriptor == 0x10 || descriptor == 0x11 else {
            for _ in present..<full { output.append(AMQPFormatCode.null) }
            return
        }
        for index in present..<full {
            missingField(descriptor: descriptor, index: index).withUnsafeBytes { output.append(contentsOf: $0) }
        }
    }

    /// The byte count `appendMissingFields` will append.
    private static func missingFieldBytes(descriptor: UInt8, present: Int, full: Int) -> Int {
        guard descriptor == 0x10 || descriptor == 0x11 else { return full - present }
        return (present..<full).reduce(0) { $0 + missingField(descriptor: descriptor, index: $1).count }
    }

    /// Appends `input`'s complete frames, padded, to `output`; keeps a trailing partial frame.
    /// `frameBytesMax` is the peer's `max-frame-size` (0: none announced yet).
    mutating func pad(_ input: UnsafeRawBufferPointer, into output: inout [UInt8], frameBytesMax: Int = 0) {
        pad(input, frameBytesMax: frameBytesMax) { bytes, fill in
            let start = output.count
            output.append(contentsOf: repeatElement(0, count: bytes))
            let written = output.withUnsafeMutableBytes { fill(UnsafeMutableRawBufferPointer(rebasing: $0[start...])) }
            output.removeLast(bytes - written)
        }
    }

    /// Pads `input`'s complete frames straight into room the caller reserves (the connection's
    /// send queue): `write` is called once with the exact byte count of the padded frames and
    /// a `fill` that writes them into the room it is given and returns the count. Keeps a
    /// trailing partial frame for the next call. No copy of the frames is made on the way.
    mutating func pad(_ input: UnsafeRawBufferPointer, frameBytesMax: Int = 0,
                      write: (_ bytes: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Int) -> Void) {
        let limit = frameBytesMax > 0 ? frameBytesMax : Int.max
        if carry.isEmpty {
            let used = Self.padFrames(input, limit: limit, write: write)
            carry.append(contentsOf: input[used...])
        } else {
            carry.append(contentsOf: input)
            let used = carry.withUnsafeBytes { Self.padFrames($0, limit: limit, write: write) }
            carry.removeFirst(used)
        }
    }

    /// Pads every complete frame at the start of `bytes`: sizes them first, then writes them in
    /// one reservation. Returns how many input bytes it used.
    private static func padFrames(_ bytes: UnsafeRawBufferPointer, limit: Int,
                                  write: (Int, (UnsafeMutableRawBufferPointer) -> Int) -> Void) -> Int {
        var position = 0
        var padded = 0
        while let frame = nextFrame(in: bytes, at: position) {
            padded += frameIsHeader(frame) ? frame.count : plan(frame, limit: limit)?.size ?? frame.count
            position += frame.count
        }
        guard position > 0 else { return 0 }
        write(padded) { room in
            var output = ReservedBytes(room)
            var at = 0
            while at < position, let frame = nextFrame(in: bytes, at: at) {
                if frameIsHeader(frame) {
                    output.append(contentsOf: frame)
                } else if let plan = plan(frame, limit: limit) {
                    padFrame(frame, plan, into: &output)
                } else {
                    output.append(contentsOf: frame)
                }
                at += frame.count
            }
            return output.count
        }
        return position
    }

    /// The complete frame (or 8-byte protocol header) at `position`, nil when the bytes end
    /// before it does.
    private static func nextFrame(in bytes: UnsafeRawBufferPointer, at position: Int) -> UnsafeRawBufferPointer? {
        guard bytes.count - position >= 8 else { return nil }
        // A protocol header (`AMQP` + id + version, §2.2): where the stream switches layer.
        if frameIsHeader(UnsafeRawBufferPointer(rebasing: bytes[position..<(position + 4)])) {
            return UnsafeRawBufferPointer(rebasing: bytes[position..<(position + 8)])
        }
        let size = readUInt32(bytes, position)
        guard size >= 8, bytes.count - position >= size else { return nil }
        return UnsafeRawBufferPointer(rebasing: bytes[position..<(position + size)])
    }

    private static func frameIsHeader(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes[0] == 0x41 && bytes[1] == 0x4D && bytes[2] == 0x51 && bytes[3] == 0x50
    }

    /// How one frame is to be padded: where its performative's fields are, and its new size.
    private struct Plan {
        var descriptor: UInt8
        var count: Int
        var full: Int
        var listAt: Int
        var itemsAt: Int
        var itemsEnd: Int
        var items: Int
        var list8: Bool
        var size: Int
    }

    /// The frame's plan; nil when it is copied as it is (not a performative Nave pads, already
    /// whole, malformed, or padding would pass the peer's frame limit).
    private static func plan(_ frame: UnsafeRawBufferPointer, limit: Int) -> Plan? {
        let bodyStart = Int(frame[4]) * 4
        // Performative: 0x00, descriptor smallulong 0x53 code, then the list.
        guard bodyStart >= 8, frame.count >= bodyStart + 4, frame[bodyStart] == 0x00, frame[bodyStart + 1] == 0x53,
              let full = fieldCount(descriptor: frame[bodyStart + 2]) else { return nil }
        let listAt = bodyStart + 3
        let count: Int, itemsAt: Int, itemsEnd: Int
        switch frame[listAt] {
        case 0x45:
            (count, itemsAt, itemsEnd) = (0, listAt + 1, listAt + 1)
        case 0xC0 where frame.count >= listAt + 3:
            let size = Int(frame[listAt + 1])
            (count, itemsAt, itemsEnd) = (Int(frame[listAt + 2]), listAt + 3, listAt + 2 + size)
        case 0xD0 where frame.count >= listAt + 9:
            let size = readUInt32(frame, listAt + 1)
            (count, itemsAt, itemsEnd) = (readUInt32(frame, listAt + 5), listAt + 9, listAt + 5 + size)
        default:
            return nil
        }
        guard count < full, itemsEnd <= frame.count, itemsEnd >= itemsAt else { return nil }
        let descriptor = frame[bodyStart + 2]
        let items = itemsEnd - itemsAt + missingFieldBytes(descriptor: descriptor, present: count, full: full)
        // list8 holds size (count byte + items) up to 255; beyond it, list32.
        let list8 = items + 1 <= 255
        let listHeader = list8 ? 3 : 9
        let size = listAt + listHeader + items + (frame.count - itemsEnd)
        guard size <= limit else { return nil }
        return Plan(descriptor: descriptor, count: count, full: full, listAt: listAt, itemsAt: itemsAt,
                    itemsEnd: itemsEnd, items: items, list8: list8, size: size)
    }

    /// One whole frame: its performative's list padded, the rest (header, payload) copied.
    private static func padFrame(_ frame: UnsafeRawBufferPointer, _ plan: Plan, into output: inout some AMQPByteSink) {
        appendUInt32(plan.size, to: &output)
        output.append(contentsOf: UnsafeRawBufferPointer(rebasing: frame[4..<plan.listAt]))
        if plan.list8 {
            output.append(AMQPFormatCode.list8)
            output.append(UInt8(plan.items + 1))
            output.append(UInt8(plan.full))
        } else {
            output.append(AMQPFormatCode.list32)
            appendUInt32(plan.items + 4, to: &output)
            appendUInt32(plan.full, to: &output)
        }
        output.append(contentsOf: UnsafeRawBufferPointer(rebasing: frame[plan.itemsAt..<plan.itemsEnd]))
        appendMissingFields(descriptor: plan.descriptor, present: plan.count, full: plan.full, to: &output)
        output.append(contentsOf: UnsafeRawBufferPointer(rebasing: frame[plan.itemsEnd...]))
    }

    /// Four bytes, big-endian (frame sizes and list headers, §2.3.1, §1.6.22).
    private static func appendUInt32(_ value: Int, to output: inout some AMQPByteSink) {
        withUnsafeBytes(of: UInt32(truncatingIfNeeded: value).bigEndian) { output.append(contentsOf: $0) }
    }

    private static func readUInt32(_ bytes: UnsafeRawBufferPointer, _ at: Int) -> Int {
        Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
    }
}
