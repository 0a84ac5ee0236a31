/// The little XML the blob surface needs: escaping for error messages, and the block list body
/// of Put Block List (Blob REST "Put Block List"):
/// `<?xml …?><BlockList><Latest>id</Latest><Committed>id</Committed>…</BlockList>`.
/// A flat, iterative scan (no recursion, no entities beyond the five predefined ones): anything
/// else is refused as `InvalidXmlDocument`.
public enum BlobXML {
    /// `&`, `<`, `>`, `"` and `'` as entities.
    public static func escaped(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(character)
            }
        }
        return out
    }

    /// The text with the five predefined entities replaced; nil for any other `&`.
    static func unescaped(_ text: Substring) -> String? {
        guard text.contains("&") else { return String(text) }
        var out = ""
        var rest = text
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            guard let semicolon = rest[amp...].firstIndex(of: ";") else { return nil }
            switch rest[rest.index(after: amp)..<semicolon] {
            case "amp": out += "&"
            case "lt": out += "<"
            case "gt": out += ">"
            case "quot": out += "\""
            case "apos": out += "'"
            default: return nil
            }
            rest = rest[rest.index(after: semicolon)...]
        }
        return out + rest
    }
}
