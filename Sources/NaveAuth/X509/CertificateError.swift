import CNaveSSL

/// A certificate could not be read, built or checked. Carries OpenSSL's reasons when it gave
/// some; never key material or PEM text.
public struct CertificateError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String

    /// `what`, followed by the reasons queued on this thread by OpenSSL (which are then cleared,
    /// so they cannot be blamed on a later call).
    init(_ what: String) {
        var reasons: [String] = []
        while case let code = ERR_get_error(), code != 0 {
            var text = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &text, text.count)
            reasons.append(String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        description = reasons.isEmpty ? what : "\(what): \(reasons.joined(separator: "; "))"
    }
}
