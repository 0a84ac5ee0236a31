import NaveCodecTestSupport
import NaveMQTT
import Testing

/// The decoder's UTF-8 check (MQTT 3.1.1 §1.5.3), through the topic of a QoS 0 PUBLISH.
@Suite("UTF-8 strings")
struct UTF8ValidationTests {
    /// Decodes a PUBLISH whose topic is `topic`, returning the error if it fails.
    private func decodeTopic(_ topic: [UInt8]) -> Result<String, MQTTDecodeError> {
        let body: [UInt8] = [UInt8(topic.count >> 8), UInt8(topic.count & 0xFF)] + topic
        let bytes: [UInt8] = [0x30, UInt8(body.count)] + body
        do {
            let decoded = try decodeOne(bytes)
            guard case .publish(let publish)? = decoded?.packet else { fatalError("not a PUBLISH") }
            return .success(publish.topic)
        } catch {
            return .failure(error)
        }
    }

    @Test("well-formed boundaries of each sequence length decode unchanged")
    func wellFormed() throws {
        let cases: [[UInt8]] = [
            [0x20], [0x7E],  // one byte, printable
            [0xC2, 0xA0], [0xDF, 0xBF],  // two bytes, from U+00A0 (below it: C1 controls)
            [0xE0, 0xA0, 0x80], [0xED, 0x9F, 0xBF], [0xEE, 0x80, 0x80], [0xEF, 0xBF, 0xBD],  // three
            [0xEF, 0xB7, 0x8F], [0xEF, 0xB7, 0xB0],  // U+FDCF and U+FDF0, around the noncharacters
            [0xF0, 0x90, 0x80, 0x80], [0xF4, 0x8F, 0xBF, 0xBD], [0xF0, 0x9F, 0xBF, 0xBD],  // four
            [0xEF, 0xBB, 0xBF],  // U+FEFF stays, never stripped [MQTT-1.5.3-3]
        ]
        for bytes in cases {
            let topic = try decodeTopic(bytes).get()
            #expect(Array(topic.utf8) == bytes)
        }
    }

    @Test("ill-formed sequences are refused")
    func illFormed() {
        let cases: [([UInt8], MQTTUTF8Violation)] = [
            ([0x00], .nullCharacter(offset: 0)),
            ([0xC0, 0x80], .illFormed(offset: 0)),
            ([0xC1, 0xBF], .illFormed(offset: 0)),
            ([0xE0, 0x9F, 0xBF], .illFormed(offset: 0)),
            ([0xED, 0xA0, 0x80], .surrogate(offset: 0)),
            ([0xED, 0xBF, 0xBF], .surrogate(offset: 0)),
            ([0xF0, 0x8F, 0xBF, 0xBF], .illFormed(offset: 0)),
            ([0xF4, 0x90, 0x80, 0x80], .illFormed(offset: 0)),
            ([0xF5, 0x80, 0x80, 0x80], .illFormed(offset: 0)),
            ([0x61, 0xC3], .illFormed(offset: 1)),
            ([0xE2, 0x28, 0xA1], .illFormed(offset: 0)),
            ([0xF0, 0x90, 0x80, 0x28], .illFormed(offset: 0)),
            ([0x61, 0x62, 0xBF], .illFormed(offset: 2)),
        ]
        for (bytes, violation) in cases {
            #expect(decodeTopic(bytes) == .failure(.invalidUTF8(violation)), "\(bytes)")
        }
    }

    /// §1.5.3 says these SHOULD NOT appear and lets the receiver close; Mosquitto 2.0 closes
    /// (`mosquitto_validate_utf8`), and so does Nave.
    @Test("control characters and noncharacters are refused, as Mosquitto does")
    func discouragedCodePoints() {
        let cases: [([UInt8], MQTTUTF8Violation)] = [
            ([0x01], .controlCharacter(offset: 0)), ([0x61, 0x1F], .controlCharacter(offset: 1)),
            ([0x09], .controlCharacter(offset: 0)), ([0x7F], .controlCharacter(offset: 0)),
            ([0xC2, 0x80], .controlCharacter(offset: 0)), ([0xC2, 0x9F], .controlCharacter(offset: 0)),
            ([0xEF, 0xB7, 0x90], .noncharacter(offset: 0)), ([0xEF, 0xB7, 0xAF], .noncharacter(offset: 0)),
            ([0xEF, 0xBF, 0xBE], .noncharacter(offset: 0)), ([0xEF, 0xBF, 0xBF], .noncharacter(offset: 0)),
            ([0xF0, 0x9F, 0xBF, 0xBE], .noncharacter(offset: 0)), ([0xF4, 0x8F, 0xBF, 0xBF], .noncharacter(offset: 0)),
        ]
        for (bytes, violation) in cases {
            #expect(decodeTopic(bytes) == .failure(.invalidUTF8(violation)), "\(bytes)")
        }
    }

    @Test("agrees with the standard library's validation on random bytes")
    func agreesWithStandardLibrary() {
        var random = SeededGenerator(seed: 0x5554_4638)
        for _ in 0..<20_000 {
            let count = Int.random(in: 1...6, using: &random)
            // Bias towards the bytes that start and continue multi-byte sequences.
            let bytes = (0..<count).map { _ in
                Bool.random(using: &random) ? UInt8.random(in: 0x80...0xFF, using: &random) : UInt8.random(in: 0...0xFF, using: &random)
            }
            let scalars = String(validating: bytes, as: UTF8.self)?.unicodeScalars
            let expectedValid = scalars.map { $0.allSatisfy(Self.isAllowed) } ?? false
            let hasWildcard = bytes.contains(UInt8(ascii: "+")) || bytes.contains(UInt8(ascii: "#"))
            switch decodeTopic(bytes) {
            case .success: #expect(expectedValid, "\(bytes)")
            case .failure(.invalidUTF8): #expect(!expectedValid, "\(bytes)")
            case .failure(let error): #expect(expectedValid && hasWildcard, "\(bytes): \(error)")
            }
        }
    }

    /// What Mosquitto's `mosquitto_validate_utf8` lets through, for a scalar the standard
    /// library already found well-formed.
    private static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x20 || (0x7F...0x9F).contains(value) { return false }
        if (0xFDD0...0xFDEF).contains(value) || value & 0xFFFE == 0xFFFE { return false }
        return true
    }
}
