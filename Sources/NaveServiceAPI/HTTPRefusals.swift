import NaveHTTP
import NaveModel

/// Requests the HTTP decoder refused, as IoT Hub errors: the decoder's status (400, 413, 414,
/// 431, 501, 505) with its reason, so even a broken request gets IoT Hub's error body.
enum HTTPRefusals {
    static func hubError(for error: HTTPDecodeError) -> HubError {
        switch error {
        case .bodyTooLarge(let bodyBytesMax):
            return .messageTooLarge(sizeBytes: bodyBytesMax + 1, sizeBytesMax: bodyBytesMax)
        default:
            let status = error.status
            let name = status == 400 ? "BadRequest" : "RequestRefused"
            return HubError(status: status, code: status * 1000, name: name, message: "The request was refused: \(error).")
        }
    }
}
