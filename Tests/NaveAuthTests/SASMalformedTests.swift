import NaveAuth
import NaveCodecTestSupport
import Testing

/// Malformed tokens: each gets a specific reason, none crashes, and random damage never yields
/// an accepted token.
@Suite("SAS tokens: malformed input")
struct SASMalformedTests {
    static let sig = "sig=StV1LKrmrPQwxa9b7CKLCIrq632%2FnHOwoVCyxlkKjK4%3D"
    static let table: [(String, SASError)] = [
        ("", .missingPrefix),
        ("SharedAccessSignature", .missingPrefix),
        ("sharedaccesssignature sr=a&\(sig)&se=1", .missingPrefix),
        ("SharedAccessSignature ", .emptyPair),
        ("SharedAccessSignature sr=a&\(sig)&se=1&", .emptyPair),
        ("SharedAccessSignature sr=a&&\(sig)&se=1", .emptyPair),
        ("SharedAccessSignature  sr=a&\(sig)&se=1", .unknownField(name: nil)),
        ("SharedAccessSignature sr", .pairWithoutEquals),
        ("SharedAccessSignature sr=a&StV1LKrmrPQwxa9b7CKLCIrq632&se=1", .pairWithoutEquals),
        ("SharedAccessSignature sr=a&\(sig)&se=1&foo=1", .unknownField(name: "foo")),
        ("SharedAccessSignature sr=a&\(sig)&se=1&StV1LKrmrPQwxa9b7CKL=1", .unknownField(name: nil)),
        ("SharedAccessSignature SR=a&\(sig)&se=1", .unknownField(name: "SR")),
        ("SharedAccessSignature sr=a&\(sig)&se=1&sk=abc", .unknownField(name: "sk")),
        ("SharedAccessSignature sr=a&sr=b&\(sig)&se=1", .duplicateField("sr")),
        ("SharedAccessSignature sr=a&\(sig)&se=1&se=2", .duplicateField("se")),
        ("SharedAccessSignature \(sig)&se=1", .missingField("sr")),
        ("SharedAccessSignature sr=a&se=1", .missingField("sig")),
        ("SharedAccessSignature sr=a&\(sig)", .missingField("se")),
        ("SharedAccessSignature sr=&\(sig)&se=1", .emptyValue(field: "sr")),
        ("SharedAccessSignature sr=a&sig=&se=1", .emptyValue(field: "sig")),
        ("SharedAccessSignature sr=a&\(sig)&se=1&skn=", .emptyValue(field: "skn")),
        ("SharedAccessSignature sr=localhost%2&\(sig)&se=1", .badPercentEscape(field: "sr")),
        ("SharedAccessSignature sr=a&sig=abc%3&se=1", .badPercentEscape(field: "sig")),
        ("SharedAccessSignature sr=a%FF&\(sig)&se=1", .badPercentEscape(field: "sr")),
        ("SharedAccessSignature sr=a&\(sig)&se=1&skn=%zz", .badPercentEscape(field: "skn")),
        ("SharedAccessSignature sr=a&\(sig)&se=-1", .badExpiry),
        ("SharedAccessSignature sr=a&\(sig)&se=1.5", .badExpiry),
        ("SharedAccessSignature sr=a&\(sig)&se=+1", .badExpiry),
        ("SharedAccessSignature sr=a&\(sig)&se=1 ", .badExpiry),
        ("SharedAccessSignature sr=a&\(sig)&se=9999999999999999999", .badExpiry),
        ("SharedAccessSignature sr=a&\(sig)&se=١٢", .badExpiry),
        ("SharedAccessSignature sr=a&\(sig)&se=%00", .badExpiry),
        ("SharedAccessSignature sr=%00&\(sig)&se=%", .badPercentEscape(field: "se")),
        ("SharedAccessSignature " + String(repeating: "a", count: 5000), .tooLong(byteCount: 5022)),
    ]

    @Test("each malformed token is refused with its reason", arguments: table)
    func malformed(_ row: (String, SASError)) {
        #expect(throws: row.1) { try SASToken(parsing: row.0) }
        let outcome = SASToken.verify(row.0, expectedResource: .device(hostName: "a", deviceID: "b"),
                                      keys: [SASTokenTests.key], now: 0)
        #expect(outcome == .malformed(row.1))
        #expect(!row.1.description.contains("StV1"), "a reason echoes part of the signature")
    }

    @Test("random damage to a valid token never crashes and is never accepted")
    func randomDamage() {
        let original = Array(SASTokenTests.deviceToken.utf8)
        let alphabet = Array("%&=+/ 0123456789abcdefABCDEFsrigenk\u{0}\u{FF}".utf8)
        var random = SeededGenerator(seed: 0x5EED)
        let resource = SASResource.device(hostName: "localhost", deviceID: "dev1")
        for _ in 0..<20_000 {
            var bytes = original
            for _ in 0...Int.random(in: 0..<4, using: &random) {
                let position = Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: bytes[position] = alphabet.randomElement(using: &random)!
                case 1: bytes.remove(at: position)
                default: bytes.insert(alphabet.randomElement(using: &random)!, at: position)
                }
                if bytes.isEmpty { break }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            let outcome = SASToken.verify(text, expectedResource: resource, keys: [SASTokenTests.key], now: SASTokenTests.now)
            if case .valid = outcome {
                // Only a damage that decodes to the same fields may pass (e.g. `%2F` → `%2f`).
                let token = try? SASToken(parsing: text)
                #expect(token?.signature == "StV1LKrmrPQwxa9b7CKLCIrq632/nHOwoVCyxlkKjK4=", "accepted: \(text)")
            }
        }
    }
}
