extension PartitionWriter {
    /// Deletes whole segments from the oldest on while the oldest ended before the retention
    /// time (and holds nothing a cursor still needs: `EventPartition.retainedFrom`) or the
    /// partition is over `retentionBytesMax`; never the active segment. Runs on the
    /// writer thread (the only one that changes segments) every `retentionCheckIntervalMillis`
    /// and after each roll. Readers still holding a deleted segment's file finish reading it:
    /// the descriptor stays open until they let go.
    func applyRetention() {
        let configuration = partition.configuration
        let now = clock().millisecondsSinceEpoch
        let retainedFrom = partition.retainedFrom.load(ordering: .relaxed)
        let removed = partition.state.withLock { state -> [Segment] in
            var total = state.segments.reduce(Int64(0)) { $0 + $1.sizeBytes }
            var removed: [Segment] = []
            while state.segments.count > 1 {
                let oldest = state.segments[0]
                let expired = (oldest.lastEnqueuedTime ?? Int64.min) < now - configuration.retentionMillis
                    && oldest.nextSequenceNumber <= retainedFrom
                guard expired || total > configuration.retentionBytesMax else { break }
                total -= oldest.sizeBytes
                removed.append(state.segments.removeFirst())
            }
            return removed
        }
        // Oldest first, stopping at the first failure: the files left then still follow each
        // other without a gap, and the next open takes them back (retention removes them again).
        for segment in removed {
            let base = partition.directory + "/" + segment.name
            do {
                try LogDirectory.remove(base)
                try LogDirectory.remove(partition.directory + "/"
                    + SegmentHeader.fileName(baseOffset: segment.baseOffset, suffix: "index"))
            } catch {
                break
            }
        }
        scheduleRetention()
    }

    func scheduleRetention() {
        retentionDeadlineNanos = ConditionLock.nowNanos() + UInt64(partition.configuration.retentionCheckIntervalMillis) * 1_000_000
    }
}
