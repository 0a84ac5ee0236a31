import Synchronization

/// A bounded, lock-free multi-producer single-consumer ring (Dmitry Vyukov's bounded queue).
///
/// Producers on any thread claim a cell with one compare-and-swap; the single consumer (the
/// owning loop) takes cells in order without atomics read-modify-write. A full ring refuses the
/// element (`tryPush` returns it back) instead of growing: every cross-loop queue in Nave has a
/// maximum, and what to do when it fills is the caller's policy.
public final class MPSCRing<Element>: @unchecked Sendable {  // @unchecked: cells pass between threads by acquire/release on sequences; one consumer
    private let capacityMask: Int
    private let sequences: UnsafeMutablePointer<Atomic<Int>>
    private let cells: UnsafeMutablePointer<Element>
    private let enqueueIndex = Atomic<Int>(0)
    private var dequeueIndex = 0

    /// The number of elements the ring holds at most (a power of two ≥ the requested count).
    public let capacity: Int

    /// - Parameter capacity: the maximum number of queued elements; rounded up to a power of two.
    public init(capacity: Int) {
        precondition(capacity > 0, "MPSCRing capacity must be positive")
        var size = 1
        while size < capacity { size <<= 1 }
        self.capacity = size
        capacityMask = size - 1
        sequences = .allocate(capacity: size)
        for index in 0..<size { (sequences + index).initialize(to: Atomic(index)) }
        cells = .allocate(capacity: size)
    }

    deinit {
        while pop() != nil {}
        sequences.deinitialize(count: capacity)
        sequences.deallocate()
        cells.deallocate()
    }

    /// Appends `element` from any thread; returns it back when the ring is full.
    public func tryPush(_ element: consuming Element) -> Element? {
        var position = enqueueIndex.load(ordering: .relaxed)
        while true {
            let cell = position & capacityMask
            let sequence = sequences[cell].load(ordering: .acquiring)
            let lag = sequence &- position
            if lag == 0 {
                let (exchanged, original) = enqueueIndex.weakCompareExchange(
                    expected: position, desired: position &+ 1, ordering: .relaxed)
                if exchanged {
                    (cells + cell).initialize(to: element)
                    sequences[cell].store(position &+ 1, ordering: .releasing)
                    return nil
                }
                position = original
            } else if lag < 0 {
                return element
            } else {
                position = enqueueIndex.load(ordering: .relaxed)
            }
        }
    }

    /// Removes the oldest element. Consumer thread only.
    public func pop() -> Element? {
        let cell = dequeueIndex & capacityMask
        let sequence = sequences[cell].load(ordering: .acquiring)
        guard sequence &- (dequeueIndex &+ 1) == 0 else { return nil }
        let element = (cells + cell).move()
        sequences[cell].store(dequeueIndex &+ capacityMask &+ 1, ordering: .releasing)
        dequeueIndex &+= 1
        return element
    }

    /// True when a producer has published an element the consumer has not taken yet.
    /// Consumer thread only; used for the loop's sleep/wake handshake.
    public var hasPublishedElement: Bool {
        let cell = dequeueIndex & capacityMask
        return sequences[cell].load(ordering: .acquiring) &- (dequeueIndex &+ 1) == 0
    }
}
