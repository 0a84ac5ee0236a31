import Glibc

/// Fixed-size send chunks recycled per loop, so steady-state sends allocate nothing and an idle
/// connection holds no send buffer at all (its chunks go back to the pool when drained).
final class ChunkPool {
    /// Bytes of one pooled allocation, header included: a power of two like 16 KiB fills an
    /// allocator size class exactly, where 16 KiB of payload plus a header would land in the
    /// 20 KiB class and waste a fifth of it.
    let chunkBytes: Int
    /// Payload bytes of a pooled chunk.
    let payloadBytes: Int
    private let cachedChunksMax: Int
    private var free: [UnsafeMutableRawPointer] = []
    /// Bytes of the chunks handed out and not yet given back: the loop's queued outbound
    /// memory over all its connections (capacity, not fill), read by per-loop budgets.
    private(set) var outstandingBytes = 0

    init(chunkBytes: Int, cachedChunksMax: Int) {
        self.chunkBytes = chunkBytes
        payloadBytes = chunkBytes - OutboundChunk.headerBytes
        self.cachedChunksMax = cachedChunksMax
        free.reserveCapacity(min(cachedChunksMax, 4096))
    }

    deinit { for chunk in free { Glibc.free(chunk) } }

    /// A chunk with room for at least `minimumBytes` payload bytes.
    func take(minimumBytes: Int) -> OutboundChunk {
        if minimumBytes <= payloadBytes, let memory = free.popLast() {
            outstandingBytes += chunkBytes
            return OutboundChunk(memory: memory, capacity: payloadBytes)
        }
        let capacity = max(minimumBytes, payloadBytes)
        outstandingBytes += OutboundChunk.headerBytes + capacity
        let memory = Glibc.malloc(OutboundChunk.headerBytes + capacity)!
        return OutboundChunk(memory: memory, capacity: capacity)
    }

    func give(_ chunk: OutboundChunk) {
        outstandingBytes -= OutboundChunk.headerBytes + chunk.capacity
        if chunk.capacity == payloadBytes, free.count < cachedChunksMax {
            free.append(chunk.memory)
        } else {
            Glibc.free(chunk.memory)
        }
    }
}

/// One block of outbound bytes: a small header followed by the payload, linked into a queue.
struct OutboundChunk {
    struct Header {
        var next: UnsafeMutableRawPointer?
        var readIndex: Int
        var writeIndex: Int
        var capacity: Int
    }
    static let headerBytes = (MemoryLayout<Header>.size + 15) & ~15

    let memory: UnsafeMutableRawPointer

    init(memory: UnsafeMutableRawPointer, capacity: Int) {
        self.memory = memory
        header.pointee = Header(next: nil, readIndex: 0, writeIndex: 0, capacity: capacity)
    }

    init(existing memory: UnsafeMutableRawPointer) { self.memory = memory }

    var header: UnsafeMutablePointer<Header> { memory.assumingMemoryBound(to: Header.self) }
    var payload: UnsafeMutableRawPointer { memory + Self.headerBytes }
    var capacity: Int { header.pointee.capacity }
    var freeBytes: Int { header.pointee.capacity - header.pointee.writeIndex }
    var unsentBytes: Int { header.pointee.writeIndex - header.pointee.readIndex }
}

/// A connection's queue of bytes waiting to be sent: a linked list of pooled chunks.
///
/// The region handed to the kernel (`unsentRegion`) never moves while its send is in flight:
/// appends only write past it, and chunks are released only by `consume` after completion.
struct OutboundQueue {
    private var head: UnsafeMutableRawPointer?
    private var tail: UnsafeMutableRawPointer?
    private(set) var pendingBytes = 0

    var isEmpty: Bool { pendingBytes == 0 }

    /// Reserves `count` contiguous bytes at the end, lets `body` fill up to `count` of them, and
    /// keeps as many as `body` returns.
    mutating func append(reserving count: Int, pool: ChunkPool,
                         _ body: (UnsafeMutableRawBufferPointer) -> Int) {
        var chunk: OutboundChunk
        if let tail, OutboundChunk(existing: tail).freeBytes >= count {
            chunk = OutboundChunk(existing: tail)
        } else {
            chunk = pool.take(minimumBytes: count)
            if let tail { OutboundChunk(existing: tail).header.pointee.next = chunk.memory } else { head = chunk.memory }
            tail = chunk.memory
        }
        let start = chunk.payload + chunk.header.pointee.writeIndex
        let written = body(UnsafeMutableRawBufferPointer(start: start, count: count))
        precondition(written >= 0 && written <= count, "outbound writer wrote outside its reservation")
        chunk.header.pointee.writeIndex += written
        pendingBytes += written
    }

    /// Appends `bytes`, spreading them over as many chunks as needed.
    mutating func append(_ bytes: UnsafeRawBufferPointer, pool: ChunkPool) {
        var remaining = bytes
        while !remaining.isEmpty {
            let room = tail.map { OutboundChunk(existing: $0).freeBytes } ?? 0
            let piece = min(remaining.count, room > 0 ? room : pool.payloadBytes)
            append(reserving: piece, pool: pool) { target in
                target.copyMemory(from: UnsafeRawBufferPointer(rebasing: remaining.prefix(piece)))
                return piece
            }
            remaining = UnsafeRawBufferPointer(rebasing: remaining.dropFirst(piece))
        }
    }

    /// The first contiguous unsent bytes, for the next send.
    var unsentRegion: UnsafeRawBufferPointer? {
        var cursor = head
        while let memory = cursor {
            let chunk = OutboundChunk(existing: memory)
            if chunk.unsentBytes > 0 {
                return UnsafeRawBufferPointer(start: chunk.payload + chunk.header.pointee.readIndex,
                                              count: chunk.unsentBytes)
            }
            cursor = chunk.header.pointee.next
        }
        return nil
    }

    /// Fills `vectors` with up to `vectors.count` unsent regions; returns how many it filled.
    func gather(into vectors: UnsafeMutableBufferPointer<iovec>) -> Int {
        var filled = 0
        var cursor = head
        while let memory = cursor, filled < vectors.count {
            let chunk = OutboundChunk(existing: memory)
            if chunk.unsentBytes > 0 {
                vectors[filled] = iovec(iov_base: chunk.payload + chunk.header.pointee.readIndex,
                                        iov_len: chunk.unsentBytes)
                filled += 1
            }
            cursor = chunk.header.pointee.next
        }
        return filled
    }

    /// Marks `count` bytes as sent and returns drained chunks to the pool.
    mutating func consume(_ count: Int, pool: ChunkPool) {
        var remaining = count
        pendingBytes -= count
        while let memory = head {
            let chunk = OutboundChunk(existing: memory)
            let taken = min(remaining, chunk.unsentBytes)
            chunk.header.pointee.readIndex += taken
            remaining -= taken
            guard chunk.unsentBytes == 0 else { break }
            head = chunk.header.pointee.next
            if head == nil { tail = nil }
            pool.give(chunk)
            if remaining == 0 && head == nil { break }
        }
        precondition(remaining == 0, "consumed more outbound bytes than were queued")
    }

    /// Drops everything (the connection is gone).
    mutating func discardAll(pool: ChunkPool) {
        while let memory = head {
            let chunk = OutboundChunk(existing: memory)
            head = chunk.header.pointee.next
            pool.give(chunk)
        }
        tail = nil
        pendingBytes = 0
    }
}
