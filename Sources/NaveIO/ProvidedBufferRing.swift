import CNaveURing
import Glibc

/// io_uring provided buffers (a registered buffer ring): the kernel picks a free buffer when
/// data arrives, so receive memory is shared by all of a loop's connections instead of being
/// reserved per connection. The memory is mapped lazily: pages are touched only when used.
///
/// liburing 2.3 has no `io_uring_setup_buf_ring`, so the ring is mapped and registered here.
final class ProvidedBufferRing {
    let group: UInt16
    let count: Int
    let bufferBytes: Int
    private let ringMemory: UnsafeMutableRawPointer
    private let ringBytes: Int
    private let ring: UnsafeMutablePointer<io_uring_buf_ring>
    private let buffers: UnsafeMutableRawPointer
    private let mask: Int32
    /// Buffers handed back since the last `publishReturned()`.
    private var returned: Int32 = 0

    init(ring uring: UnsafeMutablePointer<io_uring>, group: UInt16, count: Int, bufferBytes: Int) throws(Errno) {
        self.group = group
        self.count = count
        self.bufferBytes = bufferBytes
        ringBytes = count * MemoryLayout<io_uring_buf>.stride
        guard let ringMemory = mmap(nil, ringBytes, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0),
              ringMemory != MAP_FAILED else { throw Errno.current }
        guard let buffers = mmap(nil, count * bufferBytes, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0),
              buffers != MAP_FAILED else {
            let error = Errno.current
            munmap(ringMemory, ringBytes)
            throw error
        }
        self.ringMemory = ringMemory
        self.buffers = buffers
        self.ring = ringMemory.assumingMemoryBound(to: io_uring_buf_ring.self)
        mask = io_uring_buf_ring_mask(UInt32(count))
        io_uring_buf_ring_init(self.ring)
        var registration = io_uring_buf_reg()
        registration.ring_addr = UInt64(UInt(bitPattern: ringMemory))
        registration.ring_entries = UInt32(count)
        registration.bgid = group
        let registered = io_uring_register_buf_ring(uring, &registration, 0)
        guard registered == 0 else {
            munmap(ringMemory, ringBytes)
            munmap(buffers, count * bufferBytes)
            throw Errno(-registered)
        }
        for id in 0..<count { giveBack(UInt16(id)) }
        publishReturned()
    }

    /// The first `count` bytes of buffer `id`, lent while the completion is handled.
    @inline(__always)
    func bytes(of id: UInt16, count: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: buffers + Int(id) * bufferBytes, count: count)
    }

    /// Queues buffer `id` for return to the kernel; visible after `publishReturned()`.
    @inline(__always)
    func giveBack(_ id: UInt16) {
        io_uring_buf_ring_add(ring, buffers + Int(id) * bufferBytes, UInt32(bufferBytes), id, mask, returned)
        returned += 1
    }

    /// Makes every returned buffer available to the kernel again (one release store).
    @inline(__always)
    func publishReturned() {
        guard returned > 0 else { return }
        io_uring_buf_ring_advance(ring, returned)
        returned = 0
    }

    func unmap() {
        munmap(ringMemory, ringBytes)
        munmap(buffers, count * bufferBytes)
    }
}
