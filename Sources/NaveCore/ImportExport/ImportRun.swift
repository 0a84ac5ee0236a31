import NaveModel

/// One import's pass over its input (`ImportExportContext.importDevices`): lines to entries,
/// entries to batches, failures to `importErrors.log`.
struct ImportRun {
    let context: ImportExportContext
    let log: BlobLineWriter
    let logAddress: BlobAddress
    private var lineNumber = 0
    private var failedLineCount = 0
    /// Lines past `importLinesMax` were left unread.
    private var truncated = false
    /// Lines since the last flush, in order: an entry to apply, or why the line is invalid (kept
    /// in place so `importErrors.log` lists failures in line order).
    private var batch: [(line: Int, entry: Result<ExportImportDevice, LineInvalid>)] = []
    private var batchDeviceIDs: Set<String> = []

    init(context: ImportExportContext, log: BlobLineWriter, logAddress: BlobAddress) {
        self.context = context
        self.log = log
        self.logAddress = logAddress
    }

    private var limits: ImportExportLimits { context.limits }

    /// What a completed import says in `failureReason`: nil when every line applied.
    var remark: String? {
        var parts: [String] = []
        if failedLineCount > 0 {
            parts.append("\(failedLineCount) line\(failedLineCount == 1 ? "" : "s") failed; see \(ImportExportJobRequest.importErrorsBlobName)"
                         + (failedLineCount > limits.importErrorLinesMax ? " (its first \(limits.importErrorLinesMax))" : "") + ".")
        }
        if truncated { parts.append("Only the first \(limits.importLinesMax) lines were read.") }
        return parts.isEmpty ? nil : parts.joined(separator: " ")
    }

    mutating func apply(_ lines: BlobLineReader, totalBytes: Int64, progress: @Sendable (Int) async -> Void) async throws(ImportExportFailure) {
        var lines = lines
        var reported = 0
        while true {
            guard !Task.isCancelled else { throw ImportExportFailure("The job was cancelled.") }
            let next: BlobLineReader.Line?
            do {
                next = try lines.next()
            } catch {
                throw ImportExportFailure(error, "The input blob could not be read")
            }
            guard let next else { break }
            guard lineNumber < limits.importLinesMax else {
                truncated = true
                break
            }
            lineNumber += 1
            try await take(next)
            if batch.count >= limits.importBatchDevicesMax { try await flush() }
            let percent = totalBytes > 0 ? Int(lines.bytesRead * 100 / totalBytes) : 100
            if percent > reported {
                reported = percent
                await progress(percent)
            }
        }
        try await flush()
    }

    private mutating func take(_ line: BlobLineReader.Line) async throws(ImportExportFailure) {
        let bytes: [UInt8]
        switch line {
        case .tooLong:
            return invalid("the line is longer than \(limits.lineBytesMax) bytes")
        case .line(let read):
            bytes = read
        }
        // Blank lines (a trailing newline, an empty file) are not devices.
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return }
        let entry: ExportImportDevice
        do {
            entry = try ExportImportDevice(json: try JSONValue(parsing: bytes), defaultMode: .createOrUpdate)
        } catch let error as JSONParseError {
            return invalid("\(error)")
        } catch let error as HubError {
            return invalid(error.message)
        } catch {
            return invalid("\(error)")
        }
        guard entry.moduleID == nil else { return invalid("modules are not imported (moduleId is set)") }
        if batchDeviceIDs.contains(entry.deviceID) { try await flush() }
        batch.append((lineNumber, .success(entry)))
        batchDeviceIDs.insert(entry.deviceID)
    }

    /// Applies the batch: identity changes in one bulk call, then each line's twin fields.
    private mutating func flush() async throws(ImportExportFailure) {
        guard !batch.isEmpty else { return }
        defer {
            batch = []
            batchDeviceIDs = []
        }
        let identityEntries = batch.compactMap { try? $0.entry.get() }.filter { !$0.importMode.isTwinOnly }
        var refused: [String: HubError] = [:]
        if !identityEntries.isEmpty {
            do {
                for failure in try await context.registry.bulk(identityEntries).errors { refused[failure.deviceID] = failure.error }
            } catch {
                // The registry itself failed (its store): no line of the batch can be trusted.
                throw ImportExportFailure("The registry refused the devices of lines \(batch[0].line)–\(batch[batch.count - 1].line): \(error.message)")
            }
        }
        for (line, item) in batch {
            let entry: ExportImportDevice
            switch item {
            case .failure(let invalid):
                try write(code: ImportExportContext.invalidLineErrorCode, status: "Invalid device format in line \(line): \(invalid.reason)")
                continue
            case .success(let read):
                entry = read
            }
            if let error = refused[entry.deviceID] {
                try record(error, line: line, deviceID: entry.deviceID)
                continue
            }
            guard !entry.importMode.isDelete else { continue }
            do {
                try await applyTwin(entry)
            } catch {
                try record(error, line: line, deviceID: entry.deviceID)
            }
        }
    }

    /// The line's tags and desired properties onto the device's twin (see the import's note).
    private func applyTwin(_ entry: ExportImportDevice) async throws(HubError) {
        var desired = entry.desired
        desired?["$metadata"] = nil
        desired?["$version"] = nil
        let ifMatch = entry.importMode == .updateTwinIfMatchETag ? (entry.twinETag ?? "") : nil
        guard entry.tags != nil || desired != nil else {
            // Nothing to write; a twin-only line still names a device that must exist.
            if entry.importMode.isTwinOnly { _ = try await context.twins.twin(IdentityKey(deviceID: entry.deviceID)) }
            return
        }
        let key = IdentityKey(deviceID: entry.deviceID)
        if let tags = entry.tags, let desired {
            _ = try await context.twins.replaceTwin(key, TwinUpdate(tags: tags, desired: desired), ifMatch: ifMatch)
            return
        }
        // One section given: the other is kept as it is, and the replace only lands on the twin
        // that was read (its etag), so a concurrent change is not overwritten with a stale copy.
        let current = try await context.twins.twin(key)
        if let ifMatch, !ETag.matches(ifMatch: ifMatch, current: current.etag) { throw .preconditionFailed() }
        let update = TwinUpdate(tags: entry.tags ?? current.tags, desired: desired ?? current.desired.values)
        _ = try await context.twins.replaceTwin(key, update, ifMatch: current.etag)
    }

    /// A line that is not a device: logged in its place when the batch is flushed.
    private mutating func invalid(_ reason: String) {
        batch.append((lineNumber, .failure(LineInvalid(reason: reason))))
    }

    private mutating func record(_ error: HubError, line: Int, deviceID: String) throws(ImportExportFailure) {
        try write(code: error.code, status: "\(error.name) in line \(line) (device '\(deviceID)'): \(error.message)")
    }

    /// One `importErrors.log` line: `{"errorCode":…,"errorStatus":"…"}` (reference §3.5).
    private mutating func write(code: Int, status: String) throws(ImportExportFailure) {
        failedLineCount += 1
        guard failedLineCount <= limits.importErrorLinesMax else { return }
        do {
            try log.append(.object(JSONObject([("errorCode", .integer(Int64(code))), ("errorStatus", .string(status))])))
        } catch {
            throw ImportExportFailure(error, "'\(logAddress)' could not be written")
        }
    }
}

/// Why a line of an import's input is not a device.
struct LineInvalid: Error {
    let reason: String
}
