import NaveModel

extension JSONValue {
    /// Indented two spaces per level, keys in document order: what the CLI prints, like `az`.
    var prettyPrinted: String {
        var out = ""
        write(into: &out, indent: "")
        return out
    }

    private func write(into out: inout String, indent: String) {
        let inner = indent + "  "
        switch self {
        case .array(let items) where !items.isEmpty:
            out += "[\n"
            for (index, item) in items.enumerated() {
                out += inner
                item.write(into: &out, indent: inner)
                out += index == items.count - 1 ? "\n" : ",\n"
            }
            out += indent + "]"
        case .object(let object) where object.count > 0:
            out += "{\n"
            for (index, (key, value)) in object.enumerated() {
                out += inner + JSONValue.string(key).serializedString() + ": "
                value.write(into: &out, indent: inner)
                out += index == object.count - 1 ? "\n" : ",\n"
            }
            out += indent + "}"
        default:
            out += serializedString()
        }
    }
}
