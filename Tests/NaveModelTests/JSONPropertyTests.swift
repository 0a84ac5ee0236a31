import NaveCodecTestSupport
import NaveModel
import Testing

/// Random documents from a seeded generator: serialize → parse gives back an equal value and
/// the same bytes again, the byte count is predicted exactly, and every truncation is refused.
@Suite("JSON properties")
struct JSONPropertyTests {
    /// Scalars that stress escaping and UTF-8: controls, quotes, backslashes, 2/3/4-byte forms.
    private static let interestingScalars: [Unicode.Scalar] = [
        "\u{0}", "\u{1}", "\u{8}", "\u{9}", "\u{A}", "\u{C}", "\u{D}", "\u{1F}", "\"", "\\", "/", " ", "a", "Z", "$",
        "\u{7F}", "\u{80}", "é", "\u{7FF}", "\u{800}", "€", "\u{D7FF}", "\u{E000}", "\u{FFFD}", "\u{FFFF}",
        "\u{10000}", "😀", "\u{10FFFF}",
    ]

    static func randomString(_ rng: inout SeededGenerator) -> String {
        var text = String.UnicodeScalarView()
        for _ in 0..<Int.random(in: 0...12, using: &rng) {
            if Bool.random(using: &rng) {
                text.append(interestingScalars.randomElement(using: &rng)!)
            } else {
                let value = UInt32.random(in: 0...0x10FFFF, using: &rng)
                text.append(Unicode.Scalar(value) ?? "?")
            }
        }
        return String(text)
    }

    static func randomDouble(_ rng: inout SeededGenerator) -> Double {
        switch Int.random(in: 0..<4, using: &rng) {
        case 0: return Double(Int.random(in: -1_000...1_000, using: &rng)) / 8
        case 1: return [0.1, -0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude, -.leastNormalMagnitude, 1e16, 1e-5].randomElement(using: &rng)!
        default:
            while true {
                let double = Double(bitPattern: rng.next())
                if double.isFinite { return double }
            }
        }
    }

    static func randomValue(_ rng: inout SeededGenerator, depth: Int) -> JSONValue {
        let kinds = depth > 0 ? 8 : 6
        switch Int.random(in: 0..<kinds, using: &rng) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2:
            return .integer(Bool.random(using: &rng) ? Int64.random(in: -100...100, using: &rng) : Int64(bitPattern: rng.next()))
        case 3: return .double(randomDouble(&rng))
        case 4, 5: return .string(randomString(&rng))
        case 6:
            return .array((0..<Int.random(in: 0...5, using: &rng)).map { _ in randomValue(&rng, depth: depth - 1) })
        default:
            var object = JSONObject()
            for _ in 0..<Int.random(in: 0...5, using: &rng) {
                object[randomString(&rng)] = randomValue(&rng, depth: depth - 1)
            }
            return .object(object)
        }
    }

    @Test("serialize → parse round-trips random documents", arguments: [1, 2, 3, 4])
    func roundTrip(seed: UInt64) throws {
        var rng = SeededGenerator(seed: seed)
        for _ in 0..<400 {
            let value = Self.randomValue(&rng, depth: 5)
            let bytes = value.serialized()
            #expect(bytes.count == value.serializedByteCount)
            let parsed = try JSONValue(parsing: bytes)
            #expect(parsed == value)
            #expect(parsed.hashValue == value.hashValue)
            // Same kinds, same order: the bytes are a fixed point, not just an equal value.
            #expect(parsed.serialized() == bytes)
            #expect(parsed.depth == value.depth)
        }
    }

    @Test("every proper prefix of a container document is refused", arguments: [5, 6])
    func truncations(seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        for _ in 0..<60 {
            let bytes = JSONValue.array([Self.randomValue(&rng, depth: 3)]).serialized()
            for cut in 0..<bytes.count {
                #expect(throws: JSONParseError.self) { try JSONValue(parsing: Array(bytes[..<cut])) }
            }
        }
    }

    @Test("random byte flips never crash: the parser either refuses or returns a serializable value")
    func flips() {
        var rng = SeededGenerator(seed: 7)
        for _ in 0..<300 {
            var bytes = JSONValue.array([Self.randomValue(&rng, depth: 3)]).serialized()
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            if let value = try? JSONValue(parsing: bytes) {
                #expect((try? JSONValue(parsing: value.serialized())) == value)
            }
        }
    }

    @Test("equal values hash equally across number kinds and member order")
    func equalityAndHashing() throws {
        let a = try JSONValue(parsing: #"{"x":1,"y":[2.0,{"p":null,"q":true}]}"#)
        let b = try JSONValue(parsing: #"{"y":[2,{"q":true,"p":null}],"x":1.0}"#)
        #expect(a == b && a.hashValue == b.hashValue)
        #expect(a != (try JSONValue(parsing: #"{"x":1,"y":[2.5,{"p":null,"q":true}]}"#)))
        #expect(JSONValue.integer(1) != .string("1") && JSONValue.double(0.5) != .integer(0))
        #expect(JSONValue.double(9_223_372_036_854_775_808.0) != .integer(.max))
    }
}
