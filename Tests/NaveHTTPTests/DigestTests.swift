import NaveEncoding
import NaveHTTP
import Testing

/// SHA-1 against RFC 3174 §7.3's test vectors and base64 against RFC 4648 §10's.
@Suite("SHA-1 and base64")
struct DigestTests {
    private func hex(_ bytes: [UInt8]) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16, uppercase: true) }.joined()
    }

    @Test("RFC 3174 test vectors")
    func sha1Vectors() {
        #expect(hex(SHA1.hash(ascii("abc"))) == "A9993E364706816ABA3E25717850C26C9CD0D89D")
        #expect(hex(SHA1.hash(ascii("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))) == "84983E441C3BD26EBAAE4AA1F95129E5E54670F1")
        #expect(hex(SHA1.hash([UInt8](repeating: 0x61, count: 1_000_000))) == "34AA973CD4C4DAA4F61EEB2BDBAD27316534016F")
        let repeated = Array(repeating: ascii("0123456701234567012345670123456701234567012345670123456701234567"), count: 10).flatMap { $0 }
        #expect(hex(SHA1.hash(repeated)) == "DEA356A2CDDD90C7A7ECEDC5EBB563934F460452")
        #expect(hex(SHA1.hash([UInt8]())) == "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709")
    }

    @Test("SHA-1 fed in pieces equals fed whole, across block and padding boundaries")
    func sha1Incremental() {
        for length in [55, 56, 63, 64, 65, 119, 120, 200] {
            let message = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 7) }
            var sha = SHA1()
            sha.update(message[..<(length / 3)])
            sha.update(message[(length / 3)...])
            #expect(sha.finalize() == SHA1.hash(message), "\(length) bytes")
        }
    }

    @Test("RFC 4648 §10 vectors, both ways")
    func base64Vectors() {
        let vectors = [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")]
        for (plain, encoded) in vectors {
            #expect(Base64.encode(ascii(plain)) == encoded)
            #expect(Base64.decode(encoded) == ascii(plain))
        }
        let all = (0...255).map(UInt8.init)
        #expect(Base64.decode(Base64.encode(all)) == all)
    }

    @Test("base64 decode refuses non-canonical or malformed input")
    func base64Malformed() {
        for bad in ["Zg=", "Zg", "Z===", "Zh==", "Zm9=", "Zm=v", "Zm9v\n", "Zm9v Zg==", "Zm9-", "=Zm9"] {
            #expect(Base64.decode(bad) == nil, "\(bad)")
        }
    }
}
