import NaveModel
import NaveQuery

/// A routing message as §2.3 describes what a condition sees — the shape routing (issue #15)
/// will give its own document: `$`-system properties, application properties (always strings,
/// names case-insensitive; a `$name` that is no system property falls back to them), `$body`
/// and `$twin`.
struct MessageTestDocument: QueryDocument {
    var system: [String: String] = [:]
    var application: [String: String] = [:]
    var body: JSONValue?
    var twin: JSONValue?

    func value(at path: QueryPath) -> QueryValue {
        guard case .name(let first)? = path.segments.first else { return .undefined }
        let rest = path.segments.dropFirst()
        switch first {
        case "$body":
            guard let body, !rest.isEmpty else { return .undefined }
            return body.value(following: rest)
        case "$twin":
            guard let twin, !rest.isEmpty else { return .undefined }
            return twin.value(following: rest)
        default:
            guard rest.isEmpty else { return .undefined }
            if let text = system[first] { return .value(.string(text)) }
            let name = first.hasPrefix("$") ? String(first.dropFirst()) : first
            let wanted = name.lowercased()
            for (key, text) in application where key.lowercased() == wanted { return .value(.string(text)) }
            return .undefined
        }
    }
}
