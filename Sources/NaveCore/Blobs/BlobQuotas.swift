import NaveLimits

/// Limits of the blob store, with their units (`fileUpload.*` in Tuning/reference.yaml). IoT Hub
/// leaves these to the storage account; a node's disk needs them.
public struct BlobQuotas: Sendable, Equatable {
    /// The largest blob, in bytes: a Put Blob body, or a committed block list. Also the largest
    /// request body a blob PUT may stream (a Put Block is never larger than its blob).
    public var blobBytesMax: Int64 = 256 << 20
    /// Bytes one device may hold in the upload container (`{deviceId}/…`), staged blocks included.
    public var deviceBytesMax: Int64 = 1 << 30
    /// Bytes the whole store may hold, staged blocks included.
    public var totalBytesMax: Int64 = 16 << 30

    public init() {}

    public func validate() throws(ConfigurationInvalid) {
        let rules = ConfigurationRules()
        try rules.require((1 << 20...(4 << 30)).contains(blobBytesMax), "fileUpload.blobBytesMax must be 1 MiB...4 GiB")
        try rules.require(deviceBytesMax >= blobBytesMax, "fileUpload.deviceBytesMax must be at least fileUpload.blobBytesMax")
        try rules.require(totalBytesMax >= deviceBytesMax, "fileUpload.totalBytesMax must be at least fileUpload.deviceBytesMax")
        try rules.require(totalBytesMax <= 1 << 50, "fileUpload.totalBytesMax must be at most 1 PiB")
    }

    /// Whether `bytes` more for `address` fit, given what the store holds and what writes in
    /// flight have reserved (`BlobService`).
    ///
    /// - Throws: 413 `RequestBodyTooLarge` above `blobBytesMax`; 403 `QuotaExceeded` when the
    ///   device's or the store's quota would be passed.
    func admit(_ bytes: Int64, for address: BlobAddress, uploadContainer: String, held: BlobUsage) throws(BlobError) {
        guard bytes <= blobBytesMax else { throw .requestBodyTooLarge(bytesMax: blobBytesMax) }
        guard held.totalBytes + bytes <= totalBytesMax else { throw .quotaExceeded("store", bytesMax: totalBytesMax) }
        if address.container == uploadContainer {
            let owner = BlobUsage.owner(of: address)
            guard held.bytesByOwner[owner, default: 0] + bytes <= deviceBytesMax else {
                throw .quotaExceeded("device", bytesMax: deviceBytesMax)
            }
        }
    }
}
