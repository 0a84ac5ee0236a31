import NaveEncoding
import NaveHTTP

/// The console's stylesheet and script, compiled into the binary (no CDN: the node works
/// offline) and served under a name carrying a hash of their content, so they can be cached
/// for a year and a new build's pages still load the new ones.
enum ConsoleAssets {
    static let cssName = "console.\(digest(ConsoleStyle.css)).css"
    static let scriptName = "console.\(digest(ConsoleScript.javaScript)).js"
    static let cssPath = "/console/assets/\(cssName)"
    static let scriptPath = "/console/assets/\(scriptName)"

    /// The first 12 hex digits of the content's SHA-1: a cache key, not a secret.
    static func digest(_ text: String) -> String {
        String(Hex.encode(SHA1.hash(Array(text.utf8))).prefix(12))
    }

    static func response(for name: String) -> HTTPResponse {
        let (type, text): (String, String)
        switch name {
        case cssName: (type, text) = ("text/css; charset=utf-8", ConsoleStyle.css)
        case scriptName: (type, text) = ("text/javascript; charset=utf-8", ConsoleScript.javaScript)
        default: return HTTPResponse(status: 404, headers: ["Cache-Control": "no-store"])
        }
        return HTTPResponse(status: 200, headers: [
            "Content-Type": type, "Cache-Control": "public, max-age=31536000, immutable", "X-Content-Type-Options": "nosniff",
        ], body: Array(text.utf8))
    }
}
