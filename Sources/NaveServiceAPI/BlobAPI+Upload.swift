import NaveCore
import NaveHTTP
import Synchronization

/// Put Blob and Put Block: checked at the head (SAS, `x-ms-blob-type`, the quota for the
/// declared length, `If-None-Match: *` against an existing blob), then the body streams into a
/// temporary file of the store, which is synced and renamed when it is complete.
extension BlobAPI {
    /// Whether `head` is a blob write whose body streams, and its limit.
    func streamedBodyBytesMax(for head: HTTPRequestHead) -> Int? {
        guard head.method == "PUT", let route = try? BlobRoute(head: head), route.value("comp") != "blocklist" else { return nil }
        return Int(blobs.quotas.blobBytesMax)
    }

    func beginStream(_ head: HTTPRequestHead) -> HTTPBodyStreamStart {
        do throws(BlobError) {
            guard let route = try BlobRoute(head: head) else { throw .unsupportedHTTPVerb(head.method) }
            return beginUpload(head, route, try route.operation(method: head.method))
        } catch {
            return .refuse(failure(error, head).response)
        }
    }

    func beginUpload(_ head: HTTPRequestHead, _ route: BlobRoute, _ operation: BlobRoute.Operation) -> HTTPBodyStreamStart {
        do throws(BlobError) {
            try blobs.authorize(route.query, for: route.address, needs: BlobRoute.permission(for: operation))
            let condition = BlobRoute.condition(head.headers)
            let writer: any BlobWriter
            switch operation {
            case .putBlob:
                guard let type = head.headers["x-ms-blob-type"] else { throw .missingRequiredHeader("x-ms-blob-type") }
                guard type == "BlockBlob" else { throw .invalidHeaderValue("x-ms-blob-type") }
                // Refused before the body is read: the SDK's overwrite=False upload of an
                // existing blob (reference §5.3 Errors).
                if condition == .mustNotExist, try blobs.store.properties(of: route.address) != nil { throw .blobAlreadyExists() }
                let contentType = head.headers["x-ms-blob-content-type"] ?? head.headers["Content-Type"] ?? "application/octet-stream"
                writer = try blobs.store.writeBlob(route.address, contentType: contentType)
            case .putBlock(let id):
                writer = try blobs.store.stageBlock(route.address, blockID: id)
            default:
                throw .unsupportedHTTPVerb(head.method)
            }
            let declared = head.headers["Content-Length"].flatMap { Int64($0) } ?? 0
            let reservation: BlobReservation
            do throws(BlobError) {
                reservation = try blobs.reserve(declared, for: route.address)
            } catch {
                writer.cancel()
                throw error
            }
            return .accept(BlobUploadSink(api: self, head: head, writer: writer, reservation: reservation,
                                          condition: operation == .putBlob ? condition : .none, declaredBytes: declared))
        } catch {
            return .refuse(failure(error, head).response)
        }
    }
}

/// One blob or block upload in progress: chunks go to the store's writer as they arrive (on
/// the loop thread: writes to the page cache); `finish` syncs and commits off the loop.
final class BlobUploadSink: HTTPBodySink {
    private let api: BlobAPI
    private let head: HTTPRequestHead
    private let writer: any BlobWriter
    private let reservation: BlobReservation
    private let condition: BlobWriteCondition
    /// Content-Length as declared (0 when chunked: the largest-blob limit still holds, as the
    /// decoder's streamed limit).
    private let declaredBytes: Int64
    private let failure = Mutex<BlobError?>(nil)

    init(api: BlobAPI, head: HTTPRequestHead, writer: any BlobWriter, reservation: BlobReservation,
         condition: BlobWriteCondition, declaredBytes: Int64) {
        self.api = api
        self.head = head
        self.writer = writer
        self.reservation = reservation
        self.condition = condition
        self.declaredBytes = declaredBytes
    }

    func write(_ bytes: UnsafeRawBufferPointer) {
        guard failure.withLock({ $0 == nil }) else { return }
        do throws(BlobError) {
            try writer.append(bytes)
        } catch {
            failure.withLock { $0 = error }
        }
    }

    func finish() async -> HTTPReply {
        defer { reservation.release() }
        if let error = failure.withLock({ $0 }) {
            writer.cancel()
            return api.failure(error, head)
        }
        let writer = writer
        let condition = condition
        do throws(BlobError) {
            let properties = try await BlobAPI.offLoop { () throws(BlobError) in try writer.commit(condition: condition) }
            return api.created(properties, head)
        } catch {
            writer.cancel()
            return api.failure(error, head)
        }
    }

    func cancel() {
        writer.cancel()
        reservation.release()
    }
}
