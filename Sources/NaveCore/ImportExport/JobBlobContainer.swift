import NaveModel

/// Why an import/export job could not go on: said in the job's `failureReason`, never as an
/// HTTP error (the create already answered).
struct ImportExportFailure: Error, Sendable {
    let reason: String
    init(_ reason: String) { self.reason = reason }
    init(_ error: BlobError, _ what: String) { reason = "\(what): \(error.message)" }
}

/// A container an import/export job reads or writes, as its URI names it: on Nave's own blob
/// store only (the host is the hub's, with or without a port), and only as far as the URI's
/// SAS allows. Each blob the job touches is authorised exactly as a blob request for it
/// would be (`BlobService.authorize`: the node's signature, expiry, the permission), so a job
/// can do nothing its caller could not do over HTTPS with the same URI.
struct JobBlobContainer: Sendable {
    let uri: BlobContainerURI
    let blobs: BlobService

    /// - Throws: when the URI names another host (reference §3.5: "other hosts → job failed").
    init(_ uri: BlobContainerURI, field: String, hostName: String, blobs: BlobService) throws(ImportExportFailure) {
        guard uri.isOnHub(hostName) else {
            throw ImportExportFailure("\(field) names host '\(uri.host)'; Nave reads and writes only its own blob store, "
                                      + "at '\(hostName)'.")
        }
        self.uri = uri
        self.blobs = blobs
    }

    /// The blob `name` in this container, once the SAS allows `needs` on it.
    func authorized(_ name: String, needs: BlobSASPermissions) throws(ImportExportFailure) -> BlobAddress {
        let address: BlobAddress
        do {
            address = try BlobAddress(container: uri.container, name: name)
        } catch {
            throw ImportExportFailure(error, "'\(uri.container)/\(name)' is not a blob name the store accepts")
        }
        do {
            try blobs.authorize(uri.query.map { (name: $0.name, value: $0.value) }, for: address, needs: needs)
        } catch {
            throw ImportExportFailure(error, "The SAS of '\(uri.withoutSAS)' does not allow \(needs.letters) on '\(name)'")
        }
        return address
    }
}
