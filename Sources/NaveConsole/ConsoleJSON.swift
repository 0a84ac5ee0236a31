import NaveModel

/// JSON indented for reading in a page (two spaces a level). Below `depthMax` levels a value is
/// written compact, so a document's depth never drives the writer's stack further than that
/// (twins are refused past 10 levels by IoT Hub's rules anyway).
enum ConsoleJSON {
    static let depthMax = 32

    static func pretty(_ value: JSONValue) -> String {
        var output = ""
        write(value, indent: 0, into: &output)
        return output
    }

    private static func write(_ value: JSONValue, indent: Int, into output: inout String) {
        let pad = String(repeating: "  ", count: indent + 1)
        let closing = String(repeating: "  ", count: indent)
        switch value {
        case .object(let object) where !object.isEmpty && indent < depthMax:
            output += "{\n"
            var first = true
            for (key, member) in object {
                if !first { output += ",\n" }
                first = false
                output += pad + JSONValue.string(key).serialized().asText + ": "
                write(member, indent: indent + 1, into: &output)
            }
            output += "\n" + closing + "}"
        case .array(let elements) where !elements.isEmpty && indent < depthMax:
            output += "[\n"
            for (index, element) in elements.enumerated() {
                if index > 0 { output += ",\n" }
                output += pad
                write(element, indent: indent + 1, into: &output)
            }
            output += "\n" + closing + "]"
        default:
            output += value.serialized().asText
        }
    }

    /// `object` without the members twins add for readers (`$metadata`, `$version`).
    static func withoutMetadata(_ value: JSONValue?) -> JSONValue {
        guard let object = value?.objectValue else { return .object(JSONObject()) }
        return .object(JSONObject(object.filter { !$0.0.hasPrefix("$") }.map { ($0.0, $0.1) }))
    }
}
