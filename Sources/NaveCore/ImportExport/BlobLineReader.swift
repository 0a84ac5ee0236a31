import NaveModel

/// Reads a blob as lines (`\n`, a trailing `\r` dropped), a chunk at a time: an import's
/// `devices.txt` is never held whole, and a line longer than `lineBytesMax` is reported as
/// `tooLong` and skipped to its end without being kept.
struct BlobLineReader {
    enum Line: Equatable {
        case line([UInt8])
        /// A line longer than `lineBytesMax`; its bytes were dropped.
        case tooLong
    }

    private let reader: any BlobReader
    private let chunkBytes: Int
    private let lineBytesMax: Int
    private var offset: Int64 = 0
    private var pending: [UInt8] = []
    /// Where the unread part of `pending` starts (lines are cut off the front without copying).
    private var start = 0
    /// Inside a line already known to be too long.
    private var skipping = false
    private var atEnd = false

    init(reader: any BlobReader, chunkBytes: Int, lineBytesMax: Int) {
        self.reader = reader
        self.chunkBytes = chunkBytes
        self.lineBytesMax = lineBytesMax
    }

    /// Bytes of the blob read so far.
    var bytesRead: Int64 { offset }

    /// The next line, or nil at the end of the blob.
    mutating func next() throws(BlobError) -> Line? {
        while true {
            if let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = pending[start..<newline]
                start = newline + 1
                if skipping {
                    skipping = false
                    return .tooLong
                }
                return line.count > lineBytesMax ? .tooLong : .line(Self.trimmed(line))
            }
            if skipping || pending.count - start > lineBytesMax {
                skipping = true
                pending.removeAll(keepingCapacity: true)
                start = 0
            }
            if atEnd {
                defer { pending = []; start = 0; skipping = false }
                if skipping { return .tooLong }
                return start < pending.count ? .line(Self.trimmed(pending[start...])) : nil
            }
            let chunk = try reader.read(offset: offset, byteCount: chunkBytes)
            offset += Int64(chunk.count)
            if chunk.count < chunkBytes { atEnd = true }
            pending.removeSubrange(0..<start)
            start = 0
            pending.append(contentsOf: chunk)
        }
    }

    private static func trimmed(_ line: ArraySlice<UInt8>) -> [UInt8] {
        line.last == UInt8(ascii: "\r") ? Array(line.dropLast()) : Array(line)
    }
}

/// Writes lines into a new blob in chunks of `chunkBytes`: each chunk is reserved against the
/// store's quotas and appended to the writer's temporary file; `commit` makes the blob appear
/// whole (a committed block blob), `cancel` leaves nothing behind.
final class BlobLineWriter {
    private let writer: any BlobWriter
    private let blobs: BlobService
    private let address: BlobAddress
    private let chunkBytes: Int
    private var buffer: [UInt8] = []
    private var reservations: [BlobReservation] = []
    private(set) var lineCount = 0

    init(blobs: BlobService, address: BlobAddress, chunkBytes: Int) throws(BlobError) {
        self.blobs = blobs
        self.address = address
        self.chunkBytes = chunkBytes
        writer = try blobs.store.writeBlob(address, contentType: "text/plain; charset=utf-8")
        buffer.reserveCapacity(chunkBytes)
    }

    /// Appends `value`, serialized, and a newline.
    func append(_ value: JSONValue) throws(BlobError) {
        value.serialize(into: &buffer)
        buffer.append(UInt8(ascii: "\n"))
        lineCount += 1
        if buffer.count >= chunkBytes { try flush() }
    }

    /// Stores the blob, replacing one of the same name.
    func commit() throws(BlobError) -> BlobProperties? {
        defer { release() }
        try flush()
        return try writer.commit(condition: .none)
    }

    func cancel() {
        writer.cancel()
        release()
    }

    private func flush() throws(BlobError) {
        guard !buffer.isEmpty else { return }
        reservations.append(try blobs.reserve(Int64(buffer.count), for: address))
        try writer.append(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    private func release() {
        for reservation in reservations { reservation.release() }
        reservations = []
    }
}
