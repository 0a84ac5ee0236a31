import NaveModel
import NaveQuery

/// An enrichment's value, read once when the configuration is applied (reference §2.5): static
/// text, the hub's name, or a path into the sender's twin. Those are the only variables IoT Hub
/// supports; any other `$`-text is refused.
enum EnrichmentValue: Sendable, Hashable {
    case text(String)
    /// `$iothubname`: the first DNS label of the hub's host name (§2.5, unconfirmed).
    case hubName
    /// `$twin.tags.…`, `$twin.properties.desired.…`, `$twin.properties.reported.…`: `path` is
    /// the part after `$twin` (canonical), `literal` the text as configured, which is stamped
    /// when the twin has nothing there (§2.5: "the literal text").
    case twin(path: QueryPath, literal: String)

    init(_ text: String) throws(HubError) {
        guard text.utf8.count <= RoutingLimits.enrichmentValueCharactersMax else {
            throw .argumentInvalid("An enrichment value may be at most \(RoutingLimits.enrichmentValueCharactersMax) characters.")
        }
        guard text.hasPrefix("$") else { self = .text(text); return }
        if text.lowercased() == "$iothubname" { self = .hubName; return }
        guard case .path(let path)? = try? QueryParser.parseCondition(text, dialect: .routing),
              path.segments.first == .name("$twin"), Self.isTwinContent(path.segments.dropFirst()) else {
            throw .argumentInvalid("The enrichment value '\(text)' is neither static text, $iothubname, nor a path under "
                + "$twin.tags, $twin.properties.desired or $twin.properties.reported.")
        }
        self = .twin(path: QueryPath(Array(path.segments.dropFirst())), literal: text)
    }

    /// True for `tags.x…` and `properties.desired|reported.x…` (at least one name below).
    private static func isTwinContent(_ segments: ArraySlice<QueryPath.Segment>) -> Bool {
        let names = Array(segments)
        if names.first == .name("tags") { return names.count >= 2 }
        guard names.first == .name("properties"), names.count >= 3 else { return false }
        return names[1] == .name("desired") || names[1] == .name("reported")
    }

    var readsTwin: Bool {
        if case .twin = self { return true }
        return false
    }

    /// The text stamped on a message: twin strings as they are, other twin values as compact
    /// JSON (§2.5, unconfirmed), the literal text when the twin or the path is missing.
    func stamp(hubName: String, twin: Twin?) -> String {
        switch self {
        case .text(let text): return text
        case .hubName: return hubName
        case .twin(let path, let literal):
            guard let twin, case .value(let value)? = HubTwinDocument.contentValue(of: twin, at: path) else { return literal }
            return value.stringValue ?? value.serializedString()
        }
    }
}
