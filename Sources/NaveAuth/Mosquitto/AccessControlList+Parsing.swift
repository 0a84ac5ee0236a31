extension AccessControlList {
    /// Parses an ACL file as Mosquitto 2.0 does (`security_default.c` `aclfile__parse`):
    /// - trailing whitespace is dropped; a line starting with `#` is a comment; a blank line is
    ///   skipped; words are separated by spaces (not tabs), as `strtok(…, " ")` does;
    /// - `topic [read|write|readwrite|deny] <topic>` and `pattern …`: without an access word
    ///   the rule is `readwrite` (so `topic read` names the topic "read"); the topic is the rest
    ///   of the line, trimmed, and may hold spaces; it must be a valid filter;
    /// - `user <name>`: the rest of the line, trimmed; `topic` lines after it are that user's;
    /// - anything else is an error, and so is an unknown access word: the file is refused.
    public init(parsing text: String) throws(AccessControlListError) {
        self.init()
        var user: String?
        var lineNumber = 0
        for rawLine in text.lines {
            lineNumber += 1
            let line = rawLine.trimmingTrailingBlanks()
            if line.hasPrefix("#") { continue }
            guard let (keyword, afterKeyword) = Self.word(in: line) else { continue }
            func fail(_ reason: AccessControlListRefusal) -> AccessControlListError {
                AccessControlListError(line: lineNumber, reason: reason)
            }
            switch keyword {
            case "topic", "pattern":
                guard let (first, afterFirst) = Self.word(in: afterKeyword) else { throw fail(.missingTopic) }
                var access = Access.readwrite
                var topic = first
                if let afterFirst, !afterFirst.isEmpty {
                    guard let named = Access(rawValue: String(first)) else { throw fail(.unknownAccess) }
                    access = named
                    topic = afterFirst.trimmingBlanks()
                }
                guard !topic.isEmpty, MosquittoTopic.isValidFilter(topic) else { throw fail(.invalidTopic) }
                let rule = Rule(access, String(topic))
                if keyword == "pattern" {
                    patterns.append(rule)
                } else if let user {
                    userRules[user, default: []].append(rule)
                } else {
                    anonymousRules.append(rule)
                }
            case "user":
                guard let afterKeyword, case let name = afterKeyword.trimmingBlanks(), !name.isEmpty else {
                    throw fail(.missingUsername)
                }
                user = String(name)
            default:
                throw fail(.unknownKeyword)
            }
        }
    }

    /// The first space-separated word of `text` (leading spaces skipped) and what follows the
    /// one space after it (nil at the end), like `strtok_r(…, " ")` then `strtok_r(NULL, "")`.
    private static func word(in text: Substring?) -> (Substring, Substring?)? {
        guard let text, let start = text.firstIndex(where: { $0 != " " }) else { return nil }
        let rest = text[start...]
        guard let space = rest.firstIndex(of: " ") else { return (rest, nil) }
        let after = rest[rest.index(after: space)...]
        return (rest[..<space], after.isEmpty ? nil : after)
    }
}

/// Why an ACL file was refused, with the line; the rule text is not repeated.
public typealias AccessControlListError = MosquittoFileError<AccessControlListRefusal>

/// What is wrong with an ACL file's line.
public enum AccessControlListRefusal: String, Error, Sendable {
    case missingTopic = "topic or pattern without a topic"
    case unknownAccess = "access is not read, write, readwrite or deny"
    case invalidTopic = "invalid topic filter (+ and # must be whole levels, # the last)"
    case missingUsername = "user without a name"
    case unknownKeyword = "line is not topic, pattern, user or a # comment"
}

extension Substring {
    /// Without trailing whitespace (`isspace`).
    func trimmingTrailingBlanks() -> Substring {
        guard let last = lastIndex(where: { !($0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == "\u{0B}" || $0 == "\u{0C}") }) else {
            return self[startIndex..<startIndex]
        }
        return self[...last]
    }
}
