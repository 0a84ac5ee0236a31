import NaveEncoding
import Testing

/// Percent-encoding, hex and query splitting against Python 3.11's `urllib.parse` (expected
/// values generated once with python3 and pasted here).
@Suite("Percent-encoding, hex and query strings")
struct PercentEncodingTests {
    /// (input, quote(s, safe=""), quote(s, safe="/"), quote_plus(s))
    static let table: [(String, String, String, String)] = [
        ("", "", "", ""),
        ("abc", "abc", "abc", "abc"),
        ("a b", "a%20b", "a%20b", "a+b"),
        ("a+b", "a%2Bb", "a%2Bb", "a%2Bb"),
        ("a/b", "a%2Fb", "a/b", "a%2Fb"),
        ("localhost/devices/dev1", "localhost%2Fdevices%2Fdev1", "localhost/devices/dev1", "localhost%2Fdevices%2Fdev1"),
        ("localhost:8443", "localhost%3A8443", "localhost%3A8443", "localhost%3A8443"),
        ("A-Z_a.z~0", "A-Z_a.z~0", "A-Z_a.z~0", "A-Z_a.z~0"),
        ("!*'();:@&=+$,/?#[]", "%21%2A%27%28%29%3B%3A%40%26%3D%2B%24%2C%2F%3F%23%5B%5D",
         "%21%2A%27%28%29%3B%3A%40%26%3D%2B%24%2C/%3F%23%5B%5D", "%21%2A%27%28%29%3B%3A%40%26%3D%2B%24%2C%2F%3F%23%5B%5D"),
        ("%", "%25", "%25", "%25"),
        ("ü", "%C3%BC", "%C3%BC", "%C3%BC"),
        ("日本", "%E6%97%A5%E6%9C%AC", "%E6%97%A5%E6%9C%AC", "%E6%97%A5%E6%9C%AC"),
        ("😀", "%F0%9F%98%80", "%F0%9F%98%80", "%F0%9F%98%80"),
        ("a\nb", "a%0Ab", "a%0Ab", "a%0Ab"),
        ("\u{0}\u{7F}", "%00%7F", "%00%7F", "%00%7F"),
        ("StV1LKrmrPQwxa9b7CKLCIrq632/nHOwoVCyxlkKjK4=", "StV1LKrmrPQwxa9b7CKLCIrq632%2FnHOwoVCyxlkKjK4%3D",
         "StV1LKrmrPQwxa9b7CKLCIrq632/nHOwoVCyxlkKjK4%3D", "StV1LKrmrPQwxa9b7CKLCIrq632%2FnHOwoVCyxlkKjK4%3D"),
    ]

    @Test("quote(safe=\"\"), quote(safe=\"/\") and quote_plus match Python", arguments: table)
    func encodeMatchesPython(_ row: (String, String, String, String)) {
        #expect(PercentEncoding.encode(row.0, safe: "") == row.1)
        #expect(PercentEncoding.encode(row.0, safe: "/") == row.2)
        #expect(PercentEncoding.encodePlus(row.0) == row.3)
        #expect(PercentEncoding.decode(row.1) == row.0)
        #expect(PercentEncoding.decode(row.2) == row.0)
        #expect(PercentEncoding.decode(row.3, plusIsSpace: true) == row.0)
    }

    @Test("every printable ASCII character, as Python escapes it")
    func printableASCII() {
        let all = String(decoding: (32..<127).map { UInt8($0) }, as: UTF8.self)
        let tail = "0123456789%3A%3B%3C%3D%3E%3F%40ABCDEFGHIJKLMNOPQRSTUVWXYZ%5B%5C%5D%5E_%60abcdefghijklmnopqrstuvwxyz%7B%7C%7D~"
        #expect(PercentEncoding.encode(all, safe: "") == "%20%21%22%23%24%25%26%27%28%29%2A%2B%2C-.%2F" + tail)
        #expect(PercentEncoding.encode(all, safe: "/") == "%20%21%22%23%24%25%26%27%28%29%2A%2B%2C-./" + tail)
        #expect(PercentEncoding.encodePlus(all) == "+%21%22%23%24%25%26%27%28%29%2A%2B%2C-.%2F" + tail)
        #expect(PercentEncoding.decode(PercentEncoding.encode(all)) == all)
    }

    @Test("decoding: '+' stays '+' unless asked, lowercase hex is accepted")
    func decoding() {
        #expect(PercentEncoding.decode("a+b") == "a+b")
        #expect(PercentEncoding.decode("a+b", plusIsSpace: true) == "a b")
        #expect(PercentEncoding.decode("%7e%7E%c3%bc") == "~~ü")
        let userAgent = "azure-iot-device-iothub-py%2F2.14.0%283.11.7%3BLinux%20%231%20SMP%20PREEMPT_DYNAMIC%20%400%3Bx86_64%29"
        #expect(PercentEncoding.decode(userAgent) == "azure-iot-device-iothub-py/2.14.0(3.11.7;Linux #1 SMP PREEMPT_DYNAMIC @0;x86_64)")
        #expect(PercentEncoding.decodeBytes("%FF%00") == [0xFF, 0x00])
    }

    @Test("bad escapes and invalid UTF-8 are refused",
          arguments: ["%", "%2", "a%", "%zz", "%%", "a%2g", "%G0", "%ff", "%C3", "%C3%28"])
    func badEscapes(_ text: String) {
        #expect(PercentEncoding.decode(text) == nil)
    }

    @Test("non-ASCII characters in safe are ignored, as in Python")
    func nonASCIISafe() {
        #expect(PercentEncoding.encode("ü/", safe: "ü/") == "%C3%BC/")
    }

    @Test("hex encodes both cases and decodes either")
    func hex() {
        let bytes: [UInt8] = [0x00, 0x0F, 0xA5, 0xFF, 0x10]
        #expect(Hex.encode(bytes) == "000fa5ff10")
        #expect(Hex.encode(bytes, uppercase: true) == "000FA5FF10")
        #expect(Hex.decode("000fa5ff10") == bytes)
        #expect(Hex.decode("000FA5fF10") == bytes)
        #expect(Hex.decode("") == [])
        for bad in ["0", "0g", "zz", "00:11", " 00"] { #expect(Hex.decode(bad) == nil, "\(bad)") }
        let all = (0...255).map(UInt8.init)
        #expect(Hex.decode(Hex.encode(all)) == all)
    }

    @Test("query strings split in order, on the first '=', decoded")
    func queryString() {
        #expect(QueryString.parse("") == [])
        #expect(QueryString.parse("a=b&c=d") == [QueryItem(name: "a", value: "b"), QueryItem(name: "c", value: "d")])
        #expect(QueryString.parse("k=YWJj==&x") == [QueryItem(name: "k", value: "YWJj=="), QueryItem(name: "x", value: "")])
        #expect(QueryString.parse("&a=1&&b=%20+&") == [QueryItem(name: "a", value: "1"), QueryItem(name: "b", value: " +")])
        #expect(QueryString.parse("b=%20+", plusIsSpace: true) == [QueryItem(name: "b", value: "  ")])
        #expect(QueryString.parse("z=1&a=2&z=3")?.map(\.name) == ["z", "a", "z"])
        #expect(QueryString.parse("a%3D=%26") == [QueryItem(name: "a=", value: "&")])
        #expect(QueryString.parse("a=%zz") == nil)
        #expect(QueryString.parse("%=1") == nil)
    }
}
