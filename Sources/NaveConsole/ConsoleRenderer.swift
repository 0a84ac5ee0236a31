import Mustache
import NaveHTTP

/// The console's answers' headers: pages are never cached (they show keys and live state),
/// never framed, and may load only the node's own assets (CSP level 3: no inline script).
enum ConsoleResponse {
    static let securityHeaders: [(String, String)] = [
        ("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
        ("X-Frame-Options", "DENY"),
    ]

    static func html(_ text: String, status: Int = 200) -> HTTPResponse {
        var headers: HTTPHeaders = ["Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"]
        for (name, value) in securityHeaders { headers.add(name: name, value: value) }
        return HTTPResponse(status: status, headers: headers, body: Array(text.utf8))
    }

    /// 303 See Other: the browser follows with a GET (RFC 9110 §15.4.4).
    static func redirect(_ location: String) -> HTTPResponse {
        HTTPResponse(status: 303, headers: ["Location": location, "Cache-Control": "no-store"])
    }
}

/// The templates, parsed once: `ConsoleTemplates.all` compiled into the binary.
struct ConsoleRenderer: Sendable {
    let library: MustacheLibrary

    init() {
        var library = MustacheLibrary()
        for (name, text) in ConsoleTemplates.all {
            // The templates are constants of this module; ConsoleTemplateTests parses every one.
            do {
                try library.register(text, named: name)
            } catch {
                preconditionFailure("console template \(name) does not parse: \(error)")
            }
        }
        self.library = library
    }

    func render(_ template: String, _ context: [String: Any], status: Int = 200) -> HTTPResponse {
        ConsoleResponse.html(library.render(context, withTemplate: template) ?? "", status: status)
    }

    func signIn(error: String?, status: Int = 200) -> HTTPResponse {
        var context: [String: Any] = ["title": "Sign in", "cssURL": ConsoleAssets.cssPath, "jsURL": ConsoleAssets.scriptPath]
        if let error { context["error"] = error }
        return render("signin", context, status: status)
    }

    func forbidden(_ reason: String) -> HTTPResponse {
        message(title: "Not allowed", text: reason, status: 403)
    }

    func notFound() -> HTTPResponse {
        message(title: "Not found", text: "The console has no such page.", status: 404)
    }

    func message(title: String, text: String, status: Int) -> HTTPResponse {
        render("message", ["title": title, "text": text, "cssURL": ConsoleAssets.cssPath, "jsURL": ConsoleAssets.scriptPath],
               status: status)
    }
}
