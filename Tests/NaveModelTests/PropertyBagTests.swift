import NaveModel
import Testing

@Suite("Property bags")
struct PropertyBagTests {
    @Test("the contract's §1.7 example decodes to its system and application properties")
    func contractExample() throws {
        let bag = "%24.mid=mid-1&%24.cid=cid-1&%24.uid=user-1&%24.ct=application%2Fjson&%24.ce=utf-8&%24.exp=2030-01-02T03%3A04%3A05%2B00%3A00&alert=true&num=5&sp%20ace=a%2Fb%26c%3Dd"
        let (system, application) = try PropertyBag.decode(bag[...])
        #expect(system.map(\.name) == ["$.mid", "$.cid", "$.uid", "$.ct", "$.ce", "$.exp"])
        #expect(system.map(\.value) == ["mid-1", "cid-1", "user-1", "application/json", "utf-8", "2030-01-02T03:04:05+00:00"])
        #expect(application == [MessageProperty("alert", "true"), MessageProperty("num", "5"), MessageProperty("sp ace", "a/b&c=d")])
    }

    @Test("encode then decode gives the same properties; '+' is never a space")
    func roundTrip() throws {
        let system = [MessageProperty("$.mid", "m 1+2"), MessageProperty("$.to", "/devices/d/messages/deviceBound")]
        let application = [MessageProperty("k=1", "v&2"), MessageProperty("flag", nil), MessageProperty("ünï", "çødé")]
        let bag = PropertyBag.encode(system: system, application: application)
        #expect(!bag.contains(" ") && !bag.contains("+"))
        let decoded = try PropertyBag.decode(bag[...])
        #expect(decoded.system == system && decoded.application == application)
        #expect(try PropertyBag.decode("?a=b+c"[...]).application == [MessageProperty("a", "b+c")])
    }

    @Test("the encoded size is counted without encoding, exactly, whatever the properties",
          arguments: [
              ([], []),
              ([MessageProperty("$.mid", "m 1+2")], []),
              ([], [MessageProperty("flag", nil)]),
              ([MessageProperty("$.mid", "m"), MessageProperty("$.to", "/devices/d/messages/deviceBound")],
               [MessageProperty("k=1", "v&2"), MessageProperty("flag", nil), MessageProperty("ünï", "çødé"), MessageProperty("e", "")]),
          ] as [([MessageProperty], [MessageProperty])])
    func encodedByteCount(system: [MessageProperty], application: [MessageProperty]) {
        #expect(PropertyBag.encodedByteCount(system: system, application: application)
                == PropertyBag.encode(system: system, application: application).utf8.count)
    }

    @Test("'&' and '=' split pairs even when a combining mark follows them (scalars, not Characters)")
    func combiningMarks() throws {
        #expect(try PropertyBag.decode("a=1&\u{301}b=2"[...]).application
            == [MessageProperty("a", "1"), MessageProperty("\u{301}b", "2")])
        #expect(try PropertyBag.decode("k=\u{301}v"[...]).application == [MessageProperty("k", "\u{301}v")])
        #expect(try PropertyBag.decode("k\u{301}=v"[...]).application == [MessageProperty("k\u{301}", "v")])
    }

    @Test("malformed bags are refused with ArgumentInvalid")
    func malformed() {
        for bag in ["%zz=1", "a=%4", "=value", "a=%FF%FE", String(repeating: "a", count: PropertyBag.bagBytesMax + 1)] {
            #expect(throws: HubError.self, "\(bag.prefix(20))") { try PropertyBag.decode(bag[...]) }
        }
    }
}
