import Glibc

/// A pthread mutex and condition variable on the monotonic clock: the writer thread sleeps on it
/// until appends arrive, its linger deadline passes or retention is due. Appenders take the lock
/// for a few instructions only (queue an item, maybe signal).
final class ConditionLock: @unchecked Sendable {  // @unchecked: pthread mutex and condition, heap-allocated so they never move
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init() {
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    func withLock<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Wakes the waiting thread; call with the lock held.
    func signal() { pthread_cond_signal(condition) }

    /// Sleeps until signalled (spurious wake-ups happen: callers re-check); lock held.
    func wait() { pthread_cond_wait(condition, mutex) }

    /// Sleeps until signalled or `deadline` (monotonic nanoseconds); lock held.
    func wait(untilNanos deadline: UInt64) {
        var time = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
        pthread_cond_timedwait(condition, mutex, &time)
    }

    /// Monotonic time in nanoseconds, for deadlines.
    static func nowNanos() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}
