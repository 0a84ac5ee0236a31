import NaveModel

/// An import job (reference §3.5): `inputBlobName` (default `devices.txt`) read line by line,
/// each line an `ExportImportDevice` applied by its `importMode` (`createOrUpdate` when absent).
///
/// - Identity changes go through the registry's bulk path (`IdentityRegistry.bulk`) in batches
///   of `importBatchDevicesMax`; a batch is cut early when a device comes back, so lines about one
///   device apply in file order.
/// - Twin fields (`tags`, `properties.desired`) go through the twin service after the line's
///   identity change succeeded, and alone for `updateTwin`/`updateTwinIfMatchETag` (compared
///   with `twinETag`). A section the line carries replaces the twin's; one it leaves out stays.
///   `properties.reported` and `$metadata` are not imported: reported properties belong to the
///   device, and the twin service has no back-end way to write them.
/// - A line that fails (malformed, too long, refused) is one JSON line in `importErrors.log` in
///   the output container — `{"errorCode":400012,"errorStatus":"Invalid device format in line
///   N: …"}` for a line that cannot be read, the refusal's own code (409001 for a duplicate
///   `create`, …) otherwise — and the job still ends `completed`, its `failureReason` counting
///   the failed lines. The log is always written, empty when nothing failed.
extension ImportExportContext {
    /// IoT Hub's code for a line it cannot read (`InvalidDeviceFormat`, from a public sample's
    /// `importErrors.log`, reference §3.5).
    static let invalidLineErrorCode = 400_012

    func importDevices(_ request: ImportExportJobRequest, progress: @Sendable (Int) async -> Void) async -> Result<String?, ImportExportFailure> {
        do throws(ImportExportFailure) {
            guard let inputURI = request.inputBlobContainerURI else { throw ImportExportFailure("inputBlobContainerUri is missing.") }
            let input = try JobBlobContainer(inputURI, field: "inputBlobContainerUri", hostName: hostName, blobs: blobs)
            let output = try JobBlobContainer(request.outputBlobContainerURI, field: "outputBlobContainerUri", hostName: hostName, blobs: blobs)
            let inputAddress = try input.authorized(request.inputBlobName, needs: .read)
            let logAddress = try output.authorized(ImportExportJobRequest.importErrorsBlobName, needs: .write)
            let reader: any BlobReader
            do {
                reader = try blobs.store.openForReading(inputAddress)
            } catch {
                throw ImportExportFailure(error, "'\(inputAddress)' could not be read")
            }
            defer { reader.close() }
            let log: BlobLineWriter
            do {
                log = try BlobLineWriter(blobs: blobs, address: logAddress, chunkBytes: limits.writeChunkBytes)
            } catch {
                throw ImportExportFailure(error, "'\(logAddress)' could not be written")
            }
            var run = ImportRun(context: self, log: log, logAddress: logAddress)
            do throws(ImportExportFailure) {
                try await run.apply(BlobLineReader(reader: reader, chunkBytes: limits.readChunkBytes, lineBytesMax: limits.lineBytesMax),
                                    totalBytes: reader.properties.byteCount, progress: progress)
            } catch {
                log.cancel()
                throw error
            }
            do {
                _ = try log.commit()
            } catch {
                throw ImportExportFailure(error, "'\(logAddress)' could not be written")
            }
            return .success(run.remark)
        } catch {
            return .failure(error)
        }
    }
}
