import NaveAuth
import NaveEncoding
import Testing

/// HMAC-SHA256 against RFC 4231 §4, digests against FIPS 180 examples, and the small helpers.
@Suite("Crypto primitives")
struct CryptoTests {
    private func hmacHex(key: [UInt8], _ message: String) -> String {
        Hex.encode(HMACSHA256.authenticationCode(key: key, message: Array(message.utf8)))
    }

    @Test("RFC 4231 test cases 1, 2, 6 and 7 (short, ASCII and longer-than-block keys)")
    func hmacVectors() {
        #expect(hmacHex(key: [UInt8](repeating: 0x0B, count: 20), "Hi There")
                == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        #expect(hmacHex(key: Array("Jefe".utf8), "what do ya want for nothing?")
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        #expect(hmacHex(key: [UInt8](repeating: 0xAA, count: 131), "Test Using Larger Than Block-Size Key - Hash Key First")
                == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
        let long = "This is a test using a larger than block-size key and a larger than block-size data. "
            + "The key needs to be hashed before being used by the HMAC algorithm."
        #expect(hmacHex(key: [UInt8](repeating: 0xAA, count: 131), long)
                == "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2")
    }

    @Test("HMAC with an empty key and an empty message, and from a non-contiguous collection")
    func hmacEdges() {
        // python3: hmac.new(b"", b"", hashlib.sha256).hexdigest()
        #expect(hmacHex(key: [], "") == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
        let key = [UInt8](repeating: 0x0B, count: 20)
        let message = Array("Hi There".utf8)
        #expect(HMACSHA256.authenticationCode(key: key.lazy.map { $0 }, message: message.reversed().reversed())
                == HMACSHA256.authenticationCode(key: key, message: message))
    }

    @Test("SHA-1 and SHA-256 of 'abc' and of nothing")
    func digests() {
        #expect(Hex.encode(Digest.sha1(Array("abc".utf8))) == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(Hex.encode(Digest.sha256(Array("abc".utf8)))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Hex.encode(Digest.sha1([UInt8]())) == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        #expect(Hex.encode(Digest.sha256([UInt8]()))
                == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test("constant-time comparison")
    func constantTime() {
        #expect(ConstantTime.equals([1, 2, 3], [1, 2, 3]))
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2, 4]))
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2]))
        #expect(ConstantTime.equals([UInt8](), [UInt8]()))
    }

    @Test("random bytes differ between calls; generated keys are base64 of 32 bytes")
    func randomAndKeys() {
        #expect(SecureRandom.bytes(count: 0).isEmpty)
        let a = SecureRandom.bytes(count: 32)
        let b = SecureRandom.bytes(count: 32)
        #expect(a.count == 32 && a != b)
        let key = SymmetricKeyGenerator().makeKey()
        #expect(key.utf8.count == 44 && key.hasSuffix("="))
        #expect(Base64.decode(key)?.count == 32)
        let fixed = SymmetricKeyGenerator(randomBytes: { [UInt8](repeating: 0x30, count: $0) })
        #expect(fixed.makeKey() == "MDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDA=")
    }
}
