import NaveEncoding
import NaveHTTP

/// The fields of a form POST (`application/x-www-form-urlencoded`, WHATWG URL §5: `+` is a
/// space) or of a query string.
struct ConsoleForm: Sendable {
    /// Fields read from one form; a browser sends a handful.
    static let fieldCountMax = 64

    private(set) var fields: [(name: String, value: String)] = []

    init(fields: [(name: String, value: String)] = []) { self.fields = fields }

    init?(urlEncoded bytes: [UInt8]) {
        guard let text = String(validating: bytes, as: UTF8.self) else { return nil }
        self.init(query: Substring(text))
    }

    init?(query: Substring?) {
        guard let query else { return }
        guard let items = QueryString.parse(query, plusIsSpace: true), items.count <= Self.fieldCountMax else { return nil }
        fields = items.map { ($0.name, $0.value) }
    }

    subscript(name: String) -> String? { fields.first { $0.name == name }?.value }

    /// The field trimmed, nil when absent or blank.
    func text(_ name: String) -> String? {
        guard let value = self[name] else { return nil }
        let trimmed = String(value.trimmingSpaces)
        return trimmed.isEmpty ? nil : trimmed
    }
}

/// The console's cookie (RFC 6265): `HttpOnly` (scripts cannot read it), `Secure` (HTTPS only),
/// `SameSite=Strict` (another site's form or link does not carry it) and `Path=/console`
/// (the REST API never sees it).
enum ConsoleCookie {
    static let name = "nave-console"

    static func setting(_ id: String, maxAgeSeconds: Int64) -> String {
        "\(name)=\(id); Max-Age=\(maxAgeSeconds); Path=/console; HttpOnly; Secure; SameSite=Strict"
    }

    static let clearing = "\(name)=; Max-Age=0; Path=/console; HttpOnly; Secure; SameSite=Strict"

    /// The session id in a `Cookie` header (`a=1; nave-console=…`).
    static func sessionID(in header: String?) -> String? {
        guard let header else { return nil }
        for pair in header.split(separator: ";") {
            let trimmed = pair.drop { $0 == " " }
            guard let equals = trimmed.firstIndex(of: "="), trimmed[..<equals] == name else { continue }
            return String(trimmed[trimmed.index(after: equals)...])
        }
        return nil
    }
}

/// Equal strings, compared in time that does not depend on where they differ (CSRF tokens).
func constantTimeEqual(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8), y = Array(b.utf8)
    guard x.count == y.count else { return false }
    var difference: UInt8 = 0
    for index in x.indices { difference |= x[index] ^ y[index] }
    return difference == 0
}
