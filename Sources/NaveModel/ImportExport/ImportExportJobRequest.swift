/// What an import or export job does (reference §3.5 `type`).
public enum ImportExportJobType: String, Sendable, CaseIterable {
    /// Writes every device, with its twin, to `devices.txt` in the output container.
    case export
    /// Applies each line of `devices.txt` in the input container to the registry and twins.
    case `import`
}

/// `POST /jobs/create`'s `JobProperties` (reference §3.5, contract §4.3), validated. The service
/// assigns the id; fields a job of the other type does not use are ignored.
public struct ImportExportJobRequest: Sendable, Equatable {
    /// `devices.txt`, the blob name IoT Hub reads and writes when none is given (§3.5).
    public static let devicesBlobNameDefault = "devices.txt"
    /// Where an import writes its per-line failures (§3.5).
    public static let importErrorsBlobName = "importErrors.log"

    public var type: ImportExportJobType
    /// Import: the container `inputBlobName` is read from.
    public var inputBlobContainerURI: BlobContainerURI?
    public var inputBlobName: String
    /// Export: where `outputBlobName` is written; import: where `importErrors.log` goes.
    public var outputBlobContainerURI: BlobContainerURI
    public var outputBlobName: String
    /// Export with authentication keys `null` (§3.5).
    public var excludeKeysInExport: Bool

    public init(type: ImportExportJobType, inputBlobContainerURI: BlobContainerURI? = nil,
                inputBlobName: String = devicesBlobNameDefault, outputBlobContainerURI: BlobContainerURI,
                outputBlobName: String = devicesBlobNameDefault, excludeKeysInExport: Bool = false) {
        self.type = type
        self.inputBlobContainerURI = inputBlobContainerURI
        self.inputBlobName = inputBlobName
        self.outputBlobContainerURI = outputBlobContainerURI
        self.outputBlobName = outputBlobName
        self.excludeKeysInExport = excludeKeysInExport
    }

    /// Reads a `JobProperties` body. 400 ArgumentInvalid for: a missing or unknown `type`; a
    /// missing or malformed container URI (export needs the output one, import both, as on IoT
    /// Hub); `storageAuthenticationType` other than `keyBased` (Nave's store has no managed
    /// identities: `identityBased` cannot be honoured); `includeConfigurations` (Nave's export
    /// does not write `configurations.txt`); an empty or over-long blob name.
    public init(json: JSONValue) throws(HubError) {
        let fields = try JSONFieldReader(json)
        guard let type = try fields.choice("type", ImportExportJobType.self) else {
            throw .argumentInvalid("type must be export or import.")
        }
        if let authentication = try fields.string("storageAuthenticationType"), authentication != "keyBased" {
            throw .argumentInvalid("storageAuthenticationType \(authentication) is not supported: Nave's blob store "
                                   + "authorises jobs by the SAS in the container URI only (keyBased).")
        }
        if try fields.bool("includeConfigurations") == true {
            throw .argumentInvalid("includeConfigurations is not supported: Nave exports devices only.")
        }
        func uri(_ name: String) throws(HubError) -> BlobContainerURI? {
            guard let text = try fields.string(name) else { return nil }
            return try BlobContainerURI(text, field: name)
        }
        func blobName(_ name: String) throws(HubError) -> String {
            guard let text = try fields.string(name) else { return Self.devicesBlobNameDefault }
            guard !text.isEmpty, text.utf8.count <= 1_024 else { throw .argumentInvalid("\(name) must be 1 to 1024 bytes.") }
            return text
        }
        guard let output = try uri("outputBlobContainerUri") else {
            throw .argumentInvalid("outputBlobContainerUri is required for an \(type.rawValue) job.")
        }
        let input = try uri("inputBlobContainerUri")
        if type == .import, input == nil { throw .argumentInvalid("inputBlobContainerUri is required for an import job.") }
        self.init(type: type, inputBlobContainerURI: type == .import ? input : nil,
                  inputBlobName: try blobName("inputBlobName"), outputBlobContainerURI: output,
                  outputBlobName: try blobName("outputBlobName"),
                  excludeKeysInExport: try fields.bool("excludeKeysInExport") ?? false)
    }

    /// The request as stored (the container URIs with their SAS, so the store can hand a job
    /// back whole).
    public var storedJSON: JSONValue {
        var object = JSONObject()
        object["type"] = .string(type.rawValue)
        if let inputBlobContainerURI { object["inputBlobContainerUri"] = .string(inputBlobContainerURI.text) }
        object["inputBlobName"] = .string(inputBlobName)
        object["outputBlobContainerUri"] = .string(outputBlobContainerURI.text)
        object["outputBlobName"] = .string(outputBlobName)
        object["excludeKeysInExport"] = .bool(excludeKeysInExport)
        return .object(object)
    }
}
