/// The blob store's error vocabulary, in Azure Storage's terms (Blob REST "Common REST API
/// error codes" and "Blob service error codes"): the HTTP edge sends `status`, the code in
/// `x-ms-error-code` and `<Error><Code>…</Code><Message>…</Message></Error>`, which is what
/// azure-storage-blob reads (reference §5.3 Errors). Client faults are never 408 or 5xx: the
/// SDK retries those for a minute and more.
public struct BlobError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int
    /// Azure Storage's error code, e.g. `BlobNotFound`.
    public var code: String
    /// Human-readable; names containers, blobs and sizes, never a signature or a key.
    public var message: String

    public init(status: Int, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public var description: String { "\(status) \(code): \(message)" }

    public static func blobNotFound() -> BlobError {
        BlobError(status: 404, code: "BlobNotFound", message: "The specified blob does not exist.")
    }

    /// 409 for `If-None-Match: *` over an existing blob: the SDK's `upload_blob(overwrite=False)`
    /// turns it into `ResourceExistsError`.
    public static func blobAlreadyExists() -> BlobError {
        BlobError(status: 409, code: "BlobAlreadyExists", message: "The specified blob already exists.")
    }

    public static func conditionNotMet() -> BlobError {
        BlobError(status: 412, code: "ConditionNotMet", message: "The condition specified using HTTP conditional header(s) is not met.")
    }

    /// A SAS that is missing, malformed, expired, for another resource, or without the
    /// permission the operation needs.
    public static func authenticationFailed(_ reason: String) -> BlobError {
        BlobError(status: 403, code: "AuthenticationFailed",
                  message: "Server failed to authenticate the request. Make sure the value of the SAS is formed correctly: \(reason).")
    }

    public static func missingRequiredHeader(_ name: String) -> BlobError {
        BlobError(status: 400, code: "MissingRequiredHeader", message: "A required HTTP header was not specified: \(name).")
    }

    public static func invalidHeaderValue(_ name: String) -> BlobError {
        BlobError(status: 400, code: "InvalidHeaderValue", message: "The value for one of the HTTP headers is not in the correct format: \(name).")
    }

    public static func invalidQueryParameterValue(_ name: String) -> BlobError {
        BlobError(status: 400, code: "InvalidQueryParameterValue", message: "Value for one of the query parameters specified in the request URI is invalid: \(name).")
    }

    public static func invalidResourceName(_ what: String) -> BlobError {
        BlobError(status: 400, code: "InvalidResourceName", message: "The specified resource name contains invalid characters: \(what).")
    }

    public static func invalidBlockID() -> BlobError {
        BlobError(status: 400, code: "InvalidBlockId", message: "The specified block ID is invalid. The block ID must be Base64-encoded.")
    }

    public static func invalidBlockList(_ reason: String) -> BlobError {
        BlobError(status: 400, code: "InvalidBlockList", message: "The specified block list is invalid: \(reason).")
    }

    public static func invalidXML(_ reason: String) -> BlobError {
        BlobError(status: 400, code: "InvalidXmlDocument", message: "XML specified is not syntactically valid: \(reason).")
    }

    /// 416 with Azure's code, for a range that starts at or past the blob's end (an empty
    /// blob's first ranged GET: the SDK retries without a range, reference §5.4).
    public static func invalidRange() -> BlobError {
        BlobError(status: 416, code: "InvalidRange", message: "The range specified is invalid for the current size of the resource.")
    }

    public static func requestBodyTooLarge(bytesMax: Int64) -> BlobError {
        BlobError(status: 413, code: "RequestBodyTooLarge", message: "The request body is too large and exceeds the maximum permissible limit (\(bytesMax) bytes).")
    }

    /// A per-device or total quota would be passed. Azure has no such quota; 403 is the
    /// status of a policy refusal the SDK does not retry.
    public static func quotaExceeded(_ what: String, bytesMax: Int64) -> BlobError {
        BlobError(status: 403, code: "QuotaExceeded", message: "The \(what) quota of \(bytesMax) bytes would be exceeded.")
    }

    public static func unsupportedHTTPVerb(_ method: String) -> BlobError {
        BlobError(status: 405, code: "UnsupportedHttpVerb", message: "The resource doesn't support the specified HTTP verb \(method).")
    }

    /// The store itself failed (disk full, I/O error): the one 5xx, for the node's own faults.
    public static func internalError(_ reason: String) -> BlobError {
        BlobError(status: 500, code: "InternalError", message: "The server encountered an internal error: \(reason).")
    }

    /// The XML body Azure Storage sends with an error.
    public var xmlBody: [UInt8] {
        Array("<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>\(code)</Code><Message>\(BlobXML.escaped(message))</Message></Error>".utf8)
    }
}
