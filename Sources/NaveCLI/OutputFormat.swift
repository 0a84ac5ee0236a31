import ArgumentParser
import Glibc
import NaveModel

/// How a command prints its result, as `az`'s `--output`: `json` (indented, keys in document
/// order), `jsonc` (the same, colored for a terminal), `table` (a header, a rule and one row per
/// item, scalar fields only) and `tsv` (the table's cells, tab separated, no header: for `cut`
/// and shell loops). Every command that prints data renders it here and nowhere else.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case json, jsonc, table, tsv

    /// `az`'s rule: a table for a person at a terminal, JSON for a pipe or a file.
    static var standardOutputDefault: OutputFormat { isatty(STDOUT_FILENO) == 1 ? .table : .json }

    /// `value` rendered, without a trailing newline (empty for an empty table or TSV).
    func render(_ value: JSONValue) -> String {
        switch self {
        case .json: JSONPretty(colored: false).render(value)
        case .jsonc: JSONPretty(colored: true).render(value)
        case .table: Self.tableText(OutputTable(value))
        case .tsv: OutputTable(value).rows.map { $0.joined(separator: "\t") }.joined(separator: "\n")
        }
    }

    /// Prints `value` on standard output in this format (nothing for an empty table or TSV).
    func print(_ value: JSONValue) {
        let text = render(value)
        if !text.isEmpty || self == .json || self == .jsonc { Swift.print(text) }
    }

    private static func tableText(_ table: OutputTable) -> String {
        guard !table.columns.isEmpty else { return "" }
        let widths = table.columns.indices.map { column in
            ([table.columns[column]] + table.rows.map { $0[column] }).map(\.count).max() ?? 0
        }
        func line(_ cells: [String]) -> String {
            let padded = zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
            return String(padded.reversed().drop { $0 == " " }.reversed())
        }
        return ([line(table.columns), line(widths.map { String(repeating: "-", count: $0) })] + table.rows.map(line))
            .joined(separator: "\n")
    }
}

/// A result as rows of cells, as `az`'s table and TSV outputs show it: an array is one row per
/// item, anything else one row; an object's scalar fields are its columns (in the order they
/// first appear), nested objects and arrays are left out (`-o json` shows them); a scalar is
/// one `Result` column.
struct OutputTable {
    var columns: [String] = []
    var rows: [[String]] = []

    init(_ value: JSONValue) {
        let items: [JSONValue] = if case .array(let array) = value { array } else { [value] }
        if items.allSatisfy({ $0.objectValue == nil }) {
            columns = items.isEmpty ? [] : ["Result"]
            rows = items.map { [Self.cell($0) ?? ""] }
            return
        }
        for item in items {
            for (key, field) in item.objectValue ?? [:] where Self.cell(field) != nil && !columns.contains(key) {
                columns.append(key)
            }
        }
        rows = items.map { item in columns.map { item[$0].flatMap(Self.cell) ?? "" } }
    }

    /// A scalar's text (strings unquoted, tabs and newlines as spaces so a row stays one line);
    /// nil for an object or array.
    static func cell(_ value: JSONValue) -> String? {
        switch value {
        case .null: ""
        case .bool(let flag): flag ? "True" : "False"
        case .string(let text): text.map { $0 == "\t" || $0 == "\n" || $0 == "\r" ? " " : $0 }.reduce(into: "") { $0.append($1) }
        case .array, .object: nil
        default: value.serializedString()
        }
    }
}

/// JSON indented two spaces per level, keys in document order, optionally with ANSI colors
/// (keys blue, strings green, numbers cyan, true/false/null magenta, like `az -o jsonc`).
struct JSONPretty {
    let colored: Bool

    func render(_ value: JSONValue) -> String {
        var out = ""
        write(value, into: &out, indent: "")
        return out
    }

    private func paint(_ text: String, _ code: String) -> String { colored ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }

    private func write(_ value: JSONValue, into out: inout String, indent: String) {
        let inner = indent + "  "
        switch value {
        case .array(let items) where !items.isEmpty:
            out += "[\n"
            for (index, item) in items.enumerated() {
                out += inner
                write(item, into: &out, indent: inner)
                out += index == items.count - 1 ? "\n" : ",\n"
            }
            out += indent + "]"
        case .object(let object) where object.count > 0:
            out += "{\n"
            for (index, (key, field)) in object.enumerated() {
                out += inner + paint(JSONValue.string(key).serializedString(), "94") + ": "
                write(field, into: &out, indent: inner)
                out += index == object.count - 1 ? "\n" : ",\n"
            }
            out += indent + "}"
        case .string:
            out += paint(value.serializedString(), "32")
        case .integer, .double:
            out += paint(value.serializedString(), "36")
        case .bool, .null:
            out += paint(value.serializedString(), "35")
        default:
            out += value.serializedString()
        }
    }
}
