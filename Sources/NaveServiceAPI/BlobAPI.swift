import Logging
import NaveCore
import NaveHTTP
import NaveModel

/// Azure Blob REST's minimal surface over Nave's blob store (reference §5.4): Put Blob and Put
/// Block stream their bodies to disk (`BlobAPI+Upload.swift`); Put Block List, Get Blob (with
/// ranges, streamed from disk), Get Blob Properties and Delete Blob here. Every request
/// carries a SAS the node minted, checked before anything else; every failure is Azure's
/// status, `x-ms-error-code` and XML error body.
struct BlobAPI: Sendable {
    let blobs: BlobService
    let logger: Logger
    let requestCounter: RequestCounter

    /// The storage service version Nave answers with when a request names none.
    static let serviceVersion = "2021-08-06"

    /// Get Blob, Get Blob Properties, Delete Blob and Put Block List (a small body, collected).
    func reply(to request: HTTPRequest, _ route: BlobRoute) async -> HTTPReply {
        let head = request.head
        do throws(BlobError) {
            let operation = try route.operation(method: head.method)
            try blobs.authorize(route.query, for: route.address, needs: BlobRoute.permission(for: operation))
            switch operation {
            case .getBlob, .getProperties:
                return try read(route.address, head, headOnly: operation == .getProperties)
            case .deleteBlob:
                let store = blobs.store
                let address = route.address
                try await Self.offLoop { () throws(BlobError) in try store.delete(address) }
                return HTTPReply(HTTPResponse(status: 202, headers: headers(for: head)))
            case .putBlockList:
                let list = try BlobBlockList(xml: request.body)
                return try await commit(list, route.address, head)
            case .putBlob, .putBlock:
                // Streamed (`beginStream`); reached only when the body came whole, e.g. empty.
                return await putWhole(request, route, operation)
            }
        } catch {
            return failure(error, head)
        }
    }

    private func read(_ address: BlobAddress, _ head: HTTPRequestHead, headOnly: Bool) throws(BlobError) -> HTTPReply {
        let reader = try blobs.store.openForReading(address)
        let properties = reader.properties
        if let etag = head.headers["If-Match"], BlobAPI.unquoted(etag) != properties.etag, etag != "*" {
            reader.close()
            throw .conditionNotMet()
        }
        var headers = headers(for: head, properties)
        headers.add(name: "Content-Type", value: properties.contentType)
        headers.add(name: "Accept-Ranges", value: "bytes")
        headers.add(name: "x-ms-blob-type", value: "BlockBlob")
        headers.add(name: "x-ms-creation-time", value: properties.lastModified.httpDate)
        if headOnly {
            reader.close()
            return HTTPReply(HTTPResponse(status: 200, headers: headers), body: .omitted(contentLength: properties.byteCount))
        }
        var status = 200
        var range: ClosedRange<Int64> = 0...max(properties.byteCount - 1, 0)
        if let text = head.headers["x-ms-range"] ?? head.headers["Range"], let requested = BlobRangeRequest(header: text) {
            do throws(BlobError) {
                range = try requested.resolved(size: properties.byteCount)
            } catch {
                reader.close()
                throw error
            }
            status = 206
            headers.add(name: "Content-Range", value: "bytes \(range.lowerBound)-\(range.upperBound)/\(properties.byteCount)")
        }
        let count = properties.byteCount == 0 ? 0 : range.upperBound - range.lowerBound + 1
        let source = BlobBodySource(reader: reader, offset: range.lowerBound)
        return HTTPReply(HTTPResponse(status: status, headers: headers), body: .streamed(source, byteCount: count))
    }

    private func commit(_ list: BlobBlockList, _ address: BlobAddress, _ head: HTTPRequestHead) async throws(BlobError) -> HTTPReply {
        let store = blobs.store
        let condition = BlobRoute.condition(head.headers)
        let contentType = head.headers["x-ms-blob-content-type"] ?? "application/octet-stream"
        let bytesMax = blobs.quotas.blobBytesMax
        let properties = try await Self.offLoop { () throws(BlobError) in
            try store.commitBlockList(address, list, condition: condition, contentType: contentType, blobBytesMax: bytesMax)
        }
        return created(properties, head)
    }

    /// Put Blob or Put Block whose body arrived whole (no Content-Length, or none at all).
    private func putWhole(_ request: HTTPRequest, _ route: BlobRoute, _ operation: BlobRoute.Operation) async -> HTTPReply {
        switch beginUpload(request.head, route, operation) {
        case .refuse(let response): return HTTPReply(response)
        case .accept(let sink):
            request.body.withUnsafeBytes { sink.write($0) }
            return await sink.finish()
        }
    }

    // MARK: Answers

    /// 201 with the blob's ETag and time, as Azure answers a write.
    func created(_ properties: BlobProperties?, _ head: HTTPRequestHead) -> HTTPReply {
        var headers = headers(for: head, properties)
        headers.add(name: "x-ms-request-server-encrypted", value: "false")
        return HTTPReply(HTTPResponse(status: 201, headers: headers))
    }

    /// The headers every answer carries (`x-ms-request-id`, `x-ms-version`, `Date`), and the
    /// blob's `ETag` and `Last-Modified` when there is one.
    func headers(for head: HTTPRequestHead, _ properties: BlobProperties? = nil) -> HTTPHeaders {
        var headers: HTTPHeaders = [
            "x-ms-request-id": "nave-blob-\(requestCounter.next())",
            "x-ms-version": head.headers["x-ms-version"].flatMap { $0.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F } ? $0 : nil } ?? Self.serviceVersion,
            "Date": blobs.clock.now().httpDate,
        ]
        if let id = head.headers["x-ms-client-request-id"], id.utf8.count <= 1_024, id.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
            headers.add(name: "x-ms-client-request-id", value: id)
        }
        if let properties {
            headers.add(name: "ETag", value: "\"\(properties.etag)\"")
            headers.add(name: "Last-Modified", value: properties.lastModified.httpDate)
        }
        return headers
    }

    /// Azure's error answer: status, `x-ms-error-code`, XML body (none for HEAD).
    func failure(_ error: BlobError, _ head: HTTPRequestHead) -> HTTPReply {
        if error.status >= 500 {
            logger.warning("blob request failed", metadata: ["method": "\(head.method)", "code": "\(error.code)", "reason": "\(error.message)"])
        } else {
            logger.debug("blob request refused", metadata: ["method": "\(head.method)", "code": "\(error.code)"])
        }
        var headers = headers(for: head)
        headers.add(name: "x-ms-error-code", value: error.code)
        if head.method == "HEAD" {
            return HTTPReply(HTTPResponse(status: error.status, headers: headers), body: .omitted(contentLength: 0))
        }
        headers.add(name: "Content-Type", value: "application/xml")
        return HTTPReply(HTTPResponse(status: error.status, headers: headers, body: error.xmlBody))
    }

    static func unquoted(_ etag: String) -> String {
        let trimmed = etag.trimmingCharacters(in: " ")
        return trimmed.count >= 2 && trimmed.hasPrefix("\"") && trimmed.hasSuffix("\"") ? String(trimmed.dropFirst().dropLast()) : trimmed
    }

    /// Runs blocking store work (fsync, copying blocks) on the global executor rather than the
    /// connection's loop, whose task-executor preference the caller's task carries.
    static func offLoop<T: Sendable>(_ work: @escaping @Sendable () throws(BlobError) -> T) async throws(BlobError) -> T {
        let result: Result<T, BlobError> = await withTaskExecutorPreference(globalConcurrentExecutor) {
            do throws(BlobError) { return .success(try work()) } catch { return .failure(error) }
        }
        return try result.get()
    }
}

/// A blob's bytes from one offset on, read as the connection drains.
final class BlobBodySource: HTTPBodySource {
    private let reader: any BlobReader
    private let offset: Mutex<Int64>

    init(reader: any BlobReader, offset: Int64) {
        self.reader = reader
        self.offset = Mutex(offset)
    }

    func read(byteCountMax: Int) -> [UInt8]? {
        let at = offset.withLock { $0 }
        guard let bytes = try? reader.read(offset: at, byteCount: byteCountMax) else { return nil }
        offset.withLock { $0 += Int64(bytes.count) }
        return bytes
    }

    func close() { reader.close() }
}

import Synchronization
