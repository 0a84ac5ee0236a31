import NaveModel
/// What `FrameScanner.next()` found.
enum ScanStep: Equatable {
    /// A whole frame with a matching CRC at file position `position`; its payload is available
    /// through `FrameScanner.withPayload` until the next call.
    case frame(position: Int64, frameBytes: Int)
    /// The scan reached its end exactly at a frame boundary.
    case end
    /// The bytes at `position` are not a valid frame (or are cut off by the end).
    case corrupt(position: Int64, reason: EventRecordCorruption)
}

/// Reads a segment file's frames in order from a start position up to an end position, through
/// one reused buffer (`readChunkBytes` per pread, more for a larger frame). Shared by recovery,
/// index rebuilding and readers, so all three check frames the same way.
struct FrameScanner {
    static let readChunkBytes = 64 << 10

    private let file: LogFile
    private let end: Int64
    private let recordBytesMax: Int
    /// File position of the next frame.
    private(set) var position: Int64
    private var buffer: [UInt8] = []
    /// File position of `buffer[0]`.
    private var bufferStart: Int64 = 0
    private var payload: Range<Int> = 0..<0

    init(file: LogFile, from position: Int64, to end: Int64, recordBytesMax: Int) {
        self.file = file
        self.position = position
        self.end = end
        self.recordBytesMax = recordBytesMax
    }

    mutating func next() throws(EventLogError) -> ScanStep {
        guard position < end else { return .end }
        // A refill reads at least a chunk and at least the frame's length once known; a frame
        // larger than a chunk whose header was cut off needs a second one (its header first
        // tells how long it is).
        var refills = 0
        while true {
            let step: EventFrame.Step
            do {
                step = try frame(at: Int(position - bufferStart))
            } catch {
                return .corrupt(position: position, reason: error)
            }
            switch step {
            case .frame(let range, let frameBytes):
                guard position + Int64(frameBytes) <= end else {
                    return .corrupt(position: position, reason: .truncated(field: "frame", needed: frameBytes,
                                                                           available: Int(end - position)))
                }
                let at = Int(position - bufferStart)
                payload = at + range.lowerBound..<at + range.upperBound
                let found = position
                position += Int64(frameBytes)
                return .frame(position: found, frameBytes: frameBytes)
            case .needMore(let frameBytes):
                let left = end - position
                guard Int64(frameBytes) <= left, refills < 2 else {
                    return .corrupt(position: position, reason: .truncated(field: "frame", needed: frameBytes,
                                                                           available: Int(min(left, Int64(Int.max)))))
                }
                try refill(count: Int(min(left, Int64(max(Self.readChunkBytes, frameBytes)))))
                refills += 1
            }
        }
    }

    /// Runs `body` over the payload of the frame the last `next()` returned.
    func withPayload<Result>(_ body: (UnsafeRawBufferPointer) throws(EventRecordCorruption) -> Result)
        throws(EventRecordCorruption) -> Result {
        let result = buffer.withUnsafeBytes { raw in
            Swift.Result { () throws(EventRecordCorruption) -> Result in
                try body(UnsafeRawBufferPointer(rebasing: raw[payload]))
            }
        }
        return try result.get()
    }

    /// Checks the frame at `at` in the buffer (an offset past the buffer reads as empty).
    private func frame(at index: Int) throws(EventRecordCorruption) -> EventFrame.Step {
        let result = buffer.withUnsafeBytes { raw in
            Swift.Result { () throws(EventRecordCorruption) -> EventFrame.Step in
                let start = min(max(index, 0), raw.count)
                return try EventFrame.next(in: UnsafeRawBufferPointer(rebasing: raw[start...]),
                                           recordBytesMax: recordBytesMax)
            }
        }
        return try result.get()
    }

    /// Reads `count` bytes from `position` into the buffer (reusing its storage).
    private mutating func refill(count: Int) throws(EventLogError) {
        buffer.removeAll(keepingCapacity: true)
        buffer.append(contentsOf: repeatElement(0, count: count))
        let position = self.position
        let file = self.file
        let result = buffer.withUnsafeMutableBytes { raw in
            Result { () throws(EventLogError) -> Int in try file.read(into: raw, at: position) }
        }
        let read = try result.get()
        if read < count { buffer.removeLast(count - read) }
        bufferStart = position
    }
}
