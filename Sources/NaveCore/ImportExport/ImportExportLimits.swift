/// The bounds of import/export jobs, with their units in their names (STYLE habit 4);
/// `importExport.*` in `Tuning/reference.yaml`. An import's input is a client's file: every
/// length and count read from it has a maximum here.
public struct ImportExportLimits: Sendable, Equatable {
    /// Longest line of an import's `devices.txt`, bytes (one `ExportImportDevice` with its twin:
    /// IoT Hub's twin sections are at most 32 KB each and tags 8 KB, contract §8). A longer line
    /// is one error in `importErrors.log` and is skipped, never held whole.
    public var lineBytesMax = 256 * 1024
    /// Lines one import reads at most; the rest of the blob is left unread and the job says so.
    public var importLinesMax = 1_000_000
    /// Lines written to `importErrors.log` at most; later failures are only counted.
    public var importErrorLinesMax = 100_000
    /// Devices handed to the registry's bulk path at once (at most its own limit, 100).
    public var importBatchDevicesMax = 100
    /// Bytes read from the input blob at a time.
    public var readChunkBytes = 256 * 1024
    /// Bytes gathered before they are appended to an output blob.
    public var writeChunkBytes = 256 * 1024
    /// Jobs kept in all; at it, a create drops the oldest finished ones.
    public var jobsKeptMax = 100

    public init() {}

    /// Why these limits cannot be used, or nil when they can.
    public var invalidReason: String? {
        if !(1_024...(16 * 1024 * 1024)).contains(lineBytesMax) { return "importExport.lineBytesMax must be 1024...16777216" }
        if !(1...100_000_000).contains(importLinesMax) { return "importExport.importLinesMax must be 1...100000000" }
        if !(1...10_000_000).contains(importErrorLinesMax) { return "importExport.importErrorLinesMax must be 1...10000000" }
        if !(1...100).contains(importBatchDevicesMax) { return "importExport.importBatchDevicesMax must be 1...100" }
        if !(4_096...(16 * 1024 * 1024)).contains(readChunkBytes) { return "importExport.readChunkBytes must be 4096...16777216" }
        if !(4_096...(16 * 1024 * 1024)).contains(writeChunkBytes) { return "importExport.writeChunkBytes must be 4096...16777216" }
        if !(1...10_000).contains(jobsKeptMax) { return "importExport.jobsKeptMax must be 1...10000" }
        return nil
    }
}
