/// Lets one registry write run at a time, across the `await` on the store: an actor alone
/// would let a second write read the tables while the first waits for the disk (reentrancy),
/// and two updates could then both pass the same `If-Match`.
actor WriteGate {
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func acquire() async {
        guard busy else {
            busy = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty {
            busy = false
        } else {
            waiters.removeFirst().resume()
        }
    }
}
