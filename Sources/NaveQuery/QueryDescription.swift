import NaveModel

/// The canonical text of a path, an expression and a query: fully parenthesized, keywords and
/// function names upper-case, strings in single quotes, built-in names in IoT Hub's spelling.
/// Parsing the text gives back an equal value (under limits roomy enough for its parentheses).
extension QueryPath: CustomStringConvertible {
    public var description: String {
        var text = ""
        for (position, segment) in segments.enumerated() {
            switch segment {
            case .index(let index):
                text += "[\(index)]"
            case .name(let name):
                if position > 0 { text += "." }
                if position == 0, name.utf8.first == UInt8(ascii: "$"), isSystemName(name) {
                    text += name
                } else if Self.isPlainName(name) {
                    text += name
                } else {
                    text += "[[\(name)]]"
                }
            }
        }
        return text
    }

    private func isSystemName(_ name: String) -> Bool {
        name.unicodeScalars.dropFirst().allSatisfy { QueryLexer.isIdentifierPart($0) || $0 == "-" } && name.unicodeScalars.count > 1
    }

    /// A name that reads back as an identifier and is no keyword (`[[group]]` is how §1.3
    /// writes a reserved word, though the parser also reads it bare after a dot).
    private static func isPlainName(_ name: String) -> Bool {
        guard let head = name.unicodeScalars.first, QueryLexer.isIdentifierStart(head),
              name.unicodeScalars.allSatisfy(QueryLexer.isIdentifierPart) else { return false }
        return !QueryParserState.reservedWords.contains(name.uppercased())
    }
}

extension QueryExpression: CustomStringConvertible {
    public var description: String {
        switch self {
        case .literal(let value): return Self.literalText(value)
        case .undefined: return "undefined"
        case .path(let path): return path.description
        case .not(let operand): return "(NOT \(operand))"
        case .negate(let operand): return "(-\(operand))"
        case .binary(let op, let left, let right): return "(\(left) \(op.rawValue) \(right))"
        case .membership(let operand, let elements, let negated):
            return "(\(operand) \(negated ? "NIN" : "IN") \(Self.literalText(.array(elements))))"
        case .call(let function, let arguments):
            return "\(function.rawValue)(\(arguments.map(\.description).joined(separator: ", ")))"
        }
    }

    /// A literal as the lexer reads it back.
    static func literalText(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .integer(let number): return String(number)
        case .double(let number): return number.description
        case .string(let text):
            var quoted = "'"
            for scalar in text.unicodeScalars {
                if scalar == "'" || scalar == "\\" { quoted += "\\" }
                quoted.unicodeScalars.append(scalar)
            }
            return quoted + "'"
        case .array(let elements): return "[\(elements.map(literalText).joined(separator: ", "))]"
        case .object: return "undefined"  // no literal form; the parser never makes one
        }
    }
}

extension Query: CustomStringConvertible {
    public var description: String {
        var text = "SELECT "
        if let top { text += "TOP \(top) " }
        switch selection {
        case .all:
            text += "*"
        case .items(let items):
            text += items.map { item in
                var part: String
                switch item.value {
                case .path(let path): part = path.description
                case .aggregate(.count): part = "COUNT()"
                case .aggregate(.average(let path)): part = "AVG(\(path))"
                case .aggregate(.sum(let path)): part = "SUM(\(path))"
                case .aggregate(.min(let path)): part = "MIN(\(path))"
                case .aggregate(.max(let path)): part = "MAX(\(path))"
                }
                if let alias = item.alias { part += " AS \(alias)" }
                return part
            }.joined(separator: ", ")
        }
        text += " FROM \(collection.rawValue)"
        if let condition { text += " WHERE \(condition)" }
        if let groupBy { text += " GROUP BY \(groupBy)" }
        return text
    }
}
