import Glibc

/// Running code on a loop from outside it and getting the result back.
extension EventLoop {
    /// Runs `body` on the loop and blocks the calling thread until it returns. Runs inline when
    /// called on the loop itself. For set-up and tests, not for hot paths.
    public func submitAndWait<T, E: Error>(_ body: @escaping () throws(E) -> T) throws(E) -> T {
        if inLoop { return try body() }
        let box = BlockingResult<Result<T, E>>()
        let transfer = UncheckedTransfer(body)
        execute { box.fulfil(Result { () throws(E) -> T in try transfer.value() }) }
        return try box.wait().get()
    }

    /// Runs `body` on the loop and returns its result to the awaiting task.
    public func submit<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            execute { continuation.resume(returning: body()) }
        }
    }
}

/// Moves a value across threads where the caller guarantees no concurrent use.
struct UncheckedTransfer<Value>: @unchecked Sendable {  // @unchecked: submitAndWait blocks its caller while the loop uses the value
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// A one-shot value one thread waits for and another provides (pthread mutex and condition, so
/// the waiting thread sleeps instead of spinning).
final class BlockingResult<Value>: @unchecked Sendable {  // @unchecked: value is read and written only under mutex
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()
    private var value: Value?

    init() {
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&condition, nil)
    }

    deinit {
        pthread_cond_destroy(&condition)
        pthread_mutex_destroy(&mutex)
    }

    func fulfil(_ result: Value) {
        pthread_mutex_lock(&mutex)
        value = result
        pthread_cond_signal(&condition)
        pthread_mutex_unlock(&mutex)
    }

    func wait() -> Value {
        pthread_mutex_lock(&mutex)
        while value == nil { pthread_cond_wait(&condition, &mutex) }
        let result = value!
        pthread_mutex_unlock(&mutex)
        return result
    }
}
