import NaveAuth
import Testing

/// The password file as `mosquitto_passwd` writes it, with vectors from Mosquitto's own tests
/// (test/broker/*.pwfile, 09-pwfile-parse-invalid.py) and from `mosquitto_passwd` 2.0.11.
@Suite("Mosquitto password file")
struct MosquittoPasswordFileTests {
    /// `mosquitto_passwd -c -b FILE alice secret` (2.0.11): PBKDF2-SHA512, 101 iterations.
    static let alice = "alice:$7$101$dQ+OPe6EN7RwlNJw$XVbg8TRm5lztGVpUuYfwGIJMLWOEkLDGl06TleUH/9J4/Ezj7kNGzZbC0ty64uxkZw7BpvJP0z9a5dUe20Qygw=="
    /// Mosquitto's test/broker/09-pwfile-parse-invalid.py: user "test", password "test" ($6$).
    static let test = "test:$6$njERlZMi/7DzNB9E$iiavfuXvUm8iyDZArTy7smTxh07GXXOrOsqxfW6gkOYVXHGk+W+i/8d3xDxrMwEPygEBhoA8A/gjQC0N2M4Lkw=="
    /// Same file: user "empty", whose hash is of the empty password.
    static let empty = "empty:$6$o+53eGXtmlfHeYrg$FY7X9DNQ4uU1j0NiPmGOOSU05ZSzhqNmNhXIof/0nLpVb1zDhcRHdaC72E3YryH7dtTiG/r6jH6C8J+30cZBgA=="

    static func bytes(_ text: String?) -> [UInt8]? { text.map { Array($0.utf8) } }

    /// Mosquitto's username/password table from 09-pwfile-parse-invalid.py: only test/test gets in.
    @Test("Mosquitto's own username/password table", arguments: [
        ("test", "test", PasswordFile.Check.accepted),
        ("test", "bad", .wrongPassword), ("test", "", .noPassword), ("test", nil, .noPassword),
        ("empty", "test", .wrongPassword), ("empty", "bad", .wrongPassword), ("empty", "", .noPassword), ("empty", nil, .noPassword),
        ("bad", "test", .unknownUser), ("bad", "", .unknownUser), ("bad", nil, .unknownUser),
        ("", "test", .unknownUser), ("", nil, .unknownUser),
    ] as [(String, String?, PasswordFile.Check)])
    func mosquittoTable(username: String, password: String?, expected: PasswordFile.Check) throws {
        // Blank first and last lines, as that test's "invalid file" variants write them.
        let file = try PasswordFile(parsing: "\n\(Self.test)\n\(Self.empty)\n\n")
        #expect(file.check(username: username, password: Self.bytes(password)) == expected)
    }

    @Test("a mosquitto_passwd 2.0 line ($7$, PBKDF2-SHA512) checks the right password only")
    func pbkdf2() throws {
        let file = try PasswordFile(parsing: Self.alice + "\n")
        #expect(file.check(username: "alice", password: Self.bytes("secret")) == .accepted)
        #expect(file.check(username: "alice", password: Self.bytes("secreT")) == .wrongPassword)
        #expect(file.check(username: "alice", password: Self.bytes("secret ")) == .wrongPassword)
        #expect(file.check(username: "Alice", password: Self.bytes("secret")) == .unknownUser)
        #expect(file.users["alice"]?.kind == .pbkdf2SHA512(iterations: 101))
    }

    @Test("a made hash round-trips through its file form")
    func roundTrip() throws {
        let hash = PasswordHash.make(password: Array("pw".utf8), iterations: 7)
        let file = try PasswordFile(parsing: "u:\(hash.encoded)")
        #expect(file.users["u"] == hash)
        #expect(file.check(username: "u", password: Self.bytes("pw")) == .accepted)
    }

    @Test("comments, blank lines, CRLF, surrounding spaces and lines without a colon")
    func layout() throws {
        let text = "# made by mosquitto_passwd\r\n\r\n  \(Self.test)  \r\nno colon here\n#alice:x\n"
        let file = try PasswordFile(parsing: text)
        #expect(Array(file.users.keys) == ["test"])
        #expect(file.check(username: "test", password: Self.bytes("test")) == .accepted)
    }

    @Test("bad entries refuse the whole file, naming the line and never the hash", arguments: [
        ("u:$5$abc$def", PasswordFileRefusal.unknownHashType),
        ("u:plaintext", .unknownHashType),
        ("u:", .missingHash),
        (":$6$njERlZMi/7DzNB9E$aaaa", .emptyUsername),
        ("u:$7$0$dQ+OPe6EN7RwlNJw$XVbg", .badIterations),
        ("u:$7$x$dQ+OPe6EN7RwlNJw$XVbg", .badIterations),
        ("u:$7$2000000$dQ+OPe6EN7RwlNJw$XVbg", .tooManyIterations),
        ("u:$7$101$dQ+OPe6EN7Rw$XVbg", .badSalt),
        ("u:$7$101$dQ+OPe6EN7RwlNJw$XVbg", .badHash),
        ("u:$6$njERlZMi/7DzNB9E", .malformedHash),
        ("u:$7$101$dQ+OPe6EN7RwlNJw", .malformedHash),
    ] as [(String, PasswordFileRefusal)])
    func refused(line: String, reason: PasswordFileRefusal) {
        #expect(throws: PasswordFileError(line: 2, reason: reason)) { try PasswordFile(parsing: "# first\n\(line)\n") }
    }

    @Test("a username given twice refuses the file")
    func duplicate() {
        #expect(throws: PasswordFileError(line: 2, reason: .duplicateUsername)) {
            try PasswordFile(parsing: "\(Self.test)\n\(Self.test)")
        }
    }

    @Test("an error's description names the line and reason only")
    func errorText() {
        let error = PasswordFileError(line: 3, reason: .badSalt)
        #expect(error.description == "line 3: salt is not 12 bytes of base64")
    }
}
