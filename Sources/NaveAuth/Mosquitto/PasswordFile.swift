/// A Mosquitto password file (`password_file`): `username:hash` lines as `mosquitto_passwd`
/// writes them (see `PasswordHash`). Parsed from text; reading the file is the caller's.
///
/// Line rules follow Mosquitto 2.0 `src/security_default.c` `pwfile__parse`: a line starting
/// with `#` is a comment, a line without `:` is skipped (blank lines), the username is the text
/// before the first `:` and the hash the text up to the next `:`, both with surrounding
/// whitespace trimmed. Unlike Mosquitto, which logs a bad entry and drops only that user, a
/// bad entry or a repeated username makes the whole file invalid: a reload then keeps the
/// previous file rather than quietly locking one user out (or keeping one of two entries).
public struct PasswordFile: Sendable {
    /// Username → hash.
    public let users: [String: PasswordHash]

    /// Longest username or hash field Mosquitto accepts (bytes), as MQTT strings are.
    public static let fieldBytesMax = 65_535

    public init(users: [String: PasswordHash]) {
        self.users = users
    }

    public init(parsing text: String) throws(PasswordFileError) {
        var users: [String: PasswordHash] = [:]
        var lineNumber = 0
        for rawLine in text.lines {
            lineNumber += 1
            if rawLine.hasPrefix("#") { continue }
            guard let colon = rawLine.firstIndex(of: ":") else { continue }
            let username = String(rawLine[..<colon].trimmingBlanks())
            let rest = rawLine[rawLine.index(after: colon)...]
            let hashField = (rest.firstIndex(of: ":").map { rest[..<$0] } ?? rest).trimmingBlanks()
            guard !username.isEmpty else { throw PasswordFileError(line: lineNumber, reason: .emptyUsername) }
            guard username.utf8.count <= Self.fieldBytesMax, hashField.utf8.count <= Self.fieldBytesMax else {
                throw PasswordFileError(line: lineNumber, reason: .fieldTooLong)
            }
            guard !hashField.isEmpty else { throw PasswordFileError(line: lineNumber, reason: .missingHash) }
            let hash: PasswordHash
            do { hash = try PasswordHash(parsing: hashField) } catch { throw PasswordFileError(line: lineNumber, reason: error) }
            guard users.updateValue(hash, forKey: username) == nil else {
                throw PasswordFileError(line: lineNumber, reason: .duplicateUsername)
            }
        }
        self.users = users
    }

    /// What a check of one username and password found; `accepted` only when both are right.
    public enum Check: String, Sendable {
        case accepted
        case unknownUser = "unknown user"
        case noPassword = "no password"
        case wrongPassword = "wrong password"
    }

    /// Checks a CONNECT's credentials (`mosquitto_unpwd_check_default`): an unknown user, a
    /// known user without a password (or with an empty one) and a wrong password are all refusals. An unknown user
    /// still costs one hash, so the time of a refusal does not tell which usernames exist.
    public func check(username: String, password: [UInt8]?) -> Check {
        guard let hash = users[username] else {
            _ = Self.decoy.matches(password: password ?? [])
            return .unknownUser
        }
        // Mosquitto reads a zero-length password as none (`packet__read_binary` gives NULL), so
        // its test suite refuses even a user whose hash is of "" (test/broker/09-pwfile-parse-invalid.py).
        guard let password, !password.isEmpty else { return .noPassword }
        return hash.matches(password: password) ? .accepted : .wrongPassword
    }

    /// Hashed against when the username is unknown: the default `mosquitto_passwd` cost.
    private static let decoy = PasswordHash.make(password: Array("decoy".utf8))
}

/// Why a password file was refused, with the line; never the hash or anything secret.
public typealias PasswordFileError = MosquittoFileError<PasswordFileRefusal>

/// What is wrong with a password file's line.
public enum PasswordFileRefusal: String, Error, Sendable {
    case emptyUsername = "empty username"
    case fieldTooLong = "username or hash longer than 65535 bytes"
    case missingHash = "no password hash"
    case unknownHashType = "unknown hash type (only $6$ and $7$)"
    case malformedHash = "malformed hash (expected $7$iterations$salt$hash or $6$salt$hash)"
    case badIterations = "iterations not a positive number"
    case tooManyIterations = "more iterations than 1000000"
    case badSalt = "salt is not 12 bytes of base64"
    case badHash = "hash is not 64 bytes of base64"
    case duplicateUsername = "username given twice"
}

extension String {
    /// The lines, split at "\n" or "\r\n" (a grapheme of its own in Swift, so a plain split at
    /// "\n" would not see a Windows line end).
    var lines: [Substring] {
        split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
    }
}

extension Substring {
    /// Without leading and trailing whitespace (`misc__trimblanks`: isspace, which includes the
    /// newline and a Windows line's carriage return).
    func trimmingBlanks() -> Substring {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == "\u{0B}" || $0 == "\u{0C}" }
        guard let first = firstIndex(where: { !isBlank($0) }) else { return self[endIndex...] }
        let last = lastIndex(where: { !isBlank($0) })!
        return self[first...last]
    }
}
