import NaveHTTP
import Testing

/// Path and query helpers (RFC 3986 §2.1, §3.3, §3.4).
@Suite("Request target")
struct TargetTests {
    @Test("origin-form and absolute-form split into path and query")
    func components() {
        let origin = HTTPRequestHead(method: "GET", target: "/devices/d1/twin?api-version=2021-04-12&x")
        #expect(origin.path == "/devices/d1/twin")
        #expect(origin.query == "api-version=2021-04-12&x")
        let absolute = HTTPRequestHead(method: "GET", target: "http://hub:80?q")
        #expect(absolute.path == "/")
        #expect(absolute.query == "q")
        #expect(HTTPRequestHead(method: "GET", target: "https://hub/a/b").path == "/a/b")
        #expect(HTTPRequestHead(method: "GET", target: "/a").query == nil)
    }

    @Test("percent-decoding: valid escapes, UTF-8, malformed escapes, '+' kept")
    func percentDecoding() {
        #expect(HTTPTarget.percentDecoded("d%2D1%20x") == "d-1 x")
        #expect(HTTPTarget.percentDecoded("caf%C3%A9") == "café")
        #expect(HTTPTarget.percentDecoded("a+b") == "a+b")
        #expect(HTTPTarget.percentDecoded("%") == nil)
        #expect(HTTPTarget.percentDecoded("%4") == nil)
        #expect(HTTPTarget.percentDecoded("%G0") == nil)
        #expect(HTTPTarget.percentDecoded("%FF") == nil)  // not UTF-8
    }

    @Test("path segments split before decoding, so %2F stays inside a segment")
    func segments() {
        #expect(HTTPTarget.pathSegments("/devices/d%2F1/messages") == ["devices", "d/1", "messages"])
        #expect(HTTPTarget.pathSegments("/") == [""])
        #expect(HTTPTarget.pathSegments("/a//b/") == ["a", "", "b", ""])
        #expect(HTTPTarget.pathSegments("/a/%zz") == nil)
        #expect(HTTPTarget.pathSegments("") == [])
        #expect(HTTPTarget.pathSegments("x/a") == ["a"], "what precedes the first slash is not a segment")
        #expect(HTTPTarget.pathSegments("/caf%C3%A9/d") == ["café", "d"])
    }

    @Test("targets split on bytes: absolute-form without a path, '?' inside the query, '://' later in the path")
    func componentsEdges() {
        #expect(HTTPTarget.components(of: "http://hub").path == "/")
        #expect(HTTPTarget.components(of: "http://hub").query == nil)
        #expect(HTTPTarget.components(of: "/a?b?c").query == "b?c")
        #expect(HTTPTarget.components(of: "/a/x://y").path == "/a/x://y")
        #expect(HTTPTarget.components(of: "/?").path == "/")
        #expect(HTTPTarget.components(of: "/?").query == "")
    }

    @Test("query items: pairs, missing values, empty pairs, decoding")
    func queryItems() throws {
        let items = try #require(HTTPTarget.queryItems("api-version=2021-04-12&top=10&&flag&k%3D=v%26w"))
        #expect(items.map(\.name) == ["api-version", "top", "flag", "k="])
        #expect(items.map(\.value) == ["2021-04-12", "10", "", "v&w"])
        #expect(HTTPTarget.queryItems("a=%") == nil)
        let edges = try #require(HTTPTarget.queryItems("&=v&a=b=c&"))
        #expect(edges.map(\.name) == ["", "a"])
        #expect(edges.map(\.value) == ["v", "b=c"])
        #expect(HTTPTarget.queryItems("")?.isEmpty == true)
    }

    @Test("header names match ignoring ASCII case only, in every lookup")
    func headerNames() {
        var headers: HTTPHeaders = ["Content-Type": "a", "X-One": "1", "x-one": "2", "Connection": "keep-alive, Upgrade"]
        #expect(headers["content-type"] == "a")
        #expect(headers["CONTENT-TYPE"] == "a")
        #expect(headers["Content-Typ"] == nil)
        #expect(headers["Content-Type2"] == nil)
        #expect(headers.values("X-ONE") == ["1", "2"])
        #expect(headers.containsToken("UPGRADE", in: "connection"))
        headers.remove(name: "x-One")
        #expect(headers.values("x-one").isEmpty)
        #expect(headers.count == 2)
    }
}
