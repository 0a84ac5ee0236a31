/// Identifies a scheduled timer; stale after the timer fires or is cancelled.
public struct TimerID: Hashable, Sendable {
    let index: Int32
    let generation: UInt32
}

/// Receives timer expirations without a closure allocation per timer: the token tells the
/// handler which of its timers fired (a connection's keepalive, a group-commit deadline, …).
public protocol TimerHandler: AnyObject {
    func timerFired(token: UInt64)
}

/// A hashed timing wheel (Varghese & Lauck): scheduling and cancelling are O(1), and a tick
/// visits only the one slot it lands on. Keepalive timers for hundreds of thousands of
/// connections therefore cost nothing until they are due — no sweep over all connections.
///
/// Entries live in a slab of parallel arrays linked by index (no per-timer allocation once the
/// slab has grown); a deadline beyond one turn of the wheel waits in its slot until its tick.
struct TimingWheel {
    enum Action {
        case handler(TimerHandler, UInt64)
        case closure(() -> Void)

        func run() {
            switch self {
            case .handler(let handler, let token): handler.timerFired(token: token)
            case .closure(let body): body()
            }
        }
    }

    private struct Entry {
        var deadlineTick: Int64
        var previous: Int32
        var next: Int32
        var generation: UInt32
        var slot: Int32
        var action: Action?
    }

    let tickNanos: Int64
    private let slotMask: Int64
    private var slotHeads: [Int32]
    private var entries: [Entry] = []
    private var freeHead: Int32 = -1
    private var due: [Action] = []
    /// The last tick whose slot has been processed.
    private(set) var processedTick: Int64
    private(set) var count = 0

    init(tickNanos: Int64, slotCount: Int, nowNanos: Int64) {
        precondition(tickNanos > 0 && slotCount > 0 && slotCount & (slotCount - 1) == 0,
                     "timer wheel: tick must be positive and the slot count a power of two")
        self.tickNanos = tickNanos
        slotMask = Int64(slotCount - 1)
        slotHeads = Array(repeating: -1, count: slotCount)
        processedTick = nowNanos / tickNanos
    }

    /// Schedules `action` at `deadlineNanos` (monotonic); fires on the first tick at or after it.
    mutating func schedule(deadlineNanos: Int64, _ action: Action) -> TimerID {
        // Round up so a timer never fires early; never schedule into an already processed tick.
        let tick = max((deadlineNanos + tickNanos - 1) / tickNanos, processedTick + 1)
        let index: Int32
        if freeHead >= 0 {
            index = freeHead
            freeHead = entries[Int(index)].next
        } else {
            index = Int32(entries.count)
            entries.append(Entry(deadlineTick: 0, previous: -1, next: -1, generation: 0, slot: -1, action: nil))
        }
        let slot = Int32(tick & slotMask)
        let head = slotHeads[Int(slot)]
        entries[Int(index)].deadlineTick = tick
        entries[Int(index)].previous = -1
        entries[Int(index)].next = head
        entries[Int(index)].slot = slot
        entries[Int(index)].action = action
        if head >= 0 { entries[Int(head)].previous = index }
        slotHeads[Int(slot)] = index
        count += 1
        return TimerID(index: index, generation: entries[Int(index)].generation)
    }

    /// Cancels a pending timer; returns false when it already fired or was cancelled.
    @discardableResult
    mutating func cancel(_ id: TimerID) -> Bool {
        guard id.index >= 0, Int(id.index) < entries.count,
              entries[Int(id.index)].generation == id.generation,
              entries[Int(id.index)].action != nil else { return false }
        _ = remove(id.index)
        return true
    }

    /// Processes every tick up to `nowNanos` and runs the actions that are due. Actions must
    /// not reach this wheel (they run inside this mutating call); the loop uses
    /// `collectDue(toNanos:into:)` so that its timer actions may schedule and cancel timers.
    mutating func advance(toNanos nowNanos: Int64) {
        var fired = due
        due = []
        collectDue(toNanos: nowNanos, into: &fired)
        for action in fired { action.run() }
        fired.removeAll(keepingCapacity: true)
        due = fired
    }

    /// Processes every tick up to `nowNanos` and appends the actions that are due to `fired`,
    /// for the caller to run once this access to the wheel has ended.
    mutating func collectDue(toNanos nowNanos: Int64, into fired: inout [Action]) {
        let nowTick = nowNanos / tickNanos
        guard nowTick > processedTick else { return }
        if count == 0 { processedTick = nowTick; return }
        // After a long stall every slot is visited once, not once per missed tick.
        let firstTick = max(processedTick + 1, nowTick - slotMask)
        for tick in firstTick...nowTick {
            var index = slotHeads[Int(tick & slotMask)]
            while index >= 0 {
                let next = entries[Int(index)].next
                if entries[Int(index)].deadlineTick <= nowTick, let action = remove(index) {
                    fired.append(action)
                }
                index = next
            }
        }
        processedTick = nowTick
    }

    /// The monotonic time of the next tick that holds a timer, looking at most one wheel turn
    /// ahead; nil when no timer is pending.
    func nextDeadlineNanos() -> Int64? {
        guard count > 0 else { return nil }
        var tick = processedTick + 1
        let horizon = processedTick + slotMask + 1
        while tick <= horizon {
            if slotHeads[Int(tick & slotMask)] >= 0 { return tick * tickNanos }
            tick += 1
        }
        return horizon * tickNanos
    }

    private mutating func remove(_ index: Int32) -> Action? {
        let entry = entries[Int(index)]
        if entry.previous >= 0 {
            entries[Int(entry.previous)].next = entry.next
        } else {
            slotHeads[Int(entry.slot)] = entry.next
        }
        if entry.next >= 0 { entries[Int(entry.next)].previous = entry.previous }
        entries[Int(index)].action = nil
        entries[Int(index)].generation &+= 1
        entries[Int(index)].next = freeHead
        freeHead = index
        count -= 1
        return entry.action
    }
}
