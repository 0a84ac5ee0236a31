import NaveModel

/// An export job (reference §3.5): every device of the registry, with its twin, as one JSON line
/// each in `outputBlobName` (default `devices.txt`) of the output container.
///
/// Devices only, not modules: IoT Hub's `devices.txt` lines are devices (`ExportImportDevice`
/// with no `moduleId`), and the registry's bulk path that an import goes through refuses module
/// entries, so an export with modules would not import back.
///
/// The registry is read from one snapshot (`snapshotView`: copy-on-write tables, no copy of the
/// devices) and the twins from the query cache (what `POST /devices/query` reads); a device
/// whose twin was never written shows the empty twin it would be created with. Lines go into
/// the blob a chunk at a time (`BlobLineWriter`), and the blob appears whole at the end.
extension ImportExportContext {
    func export(_ request: ImportExportJobRequest, progress: @Sendable (Int) async -> Void) async -> Result<String?, ImportExportFailure> {
        do throws(ImportExportFailure) {
            let container = try JobBlobContainer(request.outputBlobContainerURI, field: "outputBlobContainerUri",
                                                 hostName: hostName, blobs: blobs)
            let address = try container.authorized(request.outputBlobName, needs: .write)
            let view = registry.snapshotView(modules: false)
            let cached: [IdentityKey: CachedTwin]
            do {
                cached = try await twins.queryableTwins()
            } catch {
                throw ImportExportFailure("The twins could not be read: \(error.message)")
            }
            let writer: BlobLineWriter
            do {
                writer = try BlobLineWriter(blobs: blobs, address: address, chunkBytes: limits.writeChunkBytes)
            } catch {
                throw ImportExportFailure(error, "'\(address)' could not be written")
            }
            let now = twins.clock.now()
            var reported = 0
            for (index, key) in view.order.enumerated() {
                guard !Task.isCancelled else {
                    writer.cancel()
                    throw ImportExportFailure("The job was cancelled.")
                }
                guard let device = view.devices[key.deviceID] else { continue }
                let twin = cached[key].map(\.twin).flatMap { $0.identityGenerationID == device.generationID ? $0 : nil }
                    ?? Twin(deviceID: device.deviceID, identityGenerationID: device.generationID, createdAt: now)
                do {
                    try writer.append(ExportImportDevice.exportJSON(device: device, twin: twin, excludeKeys: request.excludeKeysInExport))
                } catch {
                    writer.cancel()
                    throw ImportExportFailure(error, "'\(address)' could not be written")
                }
                let percent = (index + 1) * 100 / view.order.count
                if percent > reported {
                    reported = percent
                    await progress(percent)
                }
            }
            do {
                _ = try writer.commit()
            } catch {
                throw ImportExportFailure(error, "'\(address)' could not be written")
            }
            return .success(nil)
        } catch {
            return .failure(error)
        }
    }
}
