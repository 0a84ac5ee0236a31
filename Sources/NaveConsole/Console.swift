import Logging
import NaveCore
import NaveHTTP
import NaveModel

/// The Nave console (issue #17): the hub in a browser, served by the node under `/console` on
/// its HTTPS listener. Server-rendered pages (Mustache templates compiled into the binary) and
/// one small script for the live parts. It reaches the hub only through the `Hub` façade, and
/// only with the rights of the shared access policy it was signed in with (`ConsoleSignIn`,
/// `ConsoleRoute.requiredRights`): a RegistryRead policy sees pages without their change
/// buttons, and a POST it forges anyway is answered 403.
public struct Console: Sendable {
    public static let pathPrefix = "/console"

    let hub: Hub
    let sessions: ConsoleSessions
    let signIn: ConsoleSignIn
    let renderer: ConsoleRenderer
    let limits: ConsoleLimits
    /// The node page's facts and metrics ring (the node samples into it).
    public let node: ConsoleNode
    let random: any HubRandom
    let logger: Logger

    public init(hub: Hub, random: any HubRandom, limits: ConsoleLimits, node: ConsoleNode, logger: Logger) {
        self.hub = hub
        self.random = random
        self.limits = limits
        self.node = node
        self.logger = logger
        sessions = ConsoleSessions(limits: limits, clock: hub.clock, random: random)
        signIn = ConsoleSignIn(authorizer: ServiceAuthorizer(registry: hub.registry, hostName: hub.hostName, clock: hub.clock))
        renderer = ConsoleRenderer()
    }

    /// Whether a request path is the console's (`/console` and below).
    public static func serves(_ path: Substring) -> Bool {
        path == pathPrefix || path.hasPrefix(pathPrefix + "/")
    }

    public func respond(to request: HTTPRequest) async -> HTTPResponse {
        let head = request.head
        guard let segments = HTTPTarget.pathSegments(head.path), segments.first == "console",
              let route = ConsoleRoute(segments: Array(segments.dropFirst())) else {
            return renderer.notFound()
        }
        let isPost = head.method == "POST"
        guard (isPost && route.acceptsPost) || (head.method == "GET" && route.acceptsGet) else {
            return HTTPResponse(status: 405, headers: ["Allow": route.acceptsPost ? "GET, POST" : "GET"])
        }
        switch route {
        case .asset(let name): return ConsoleAssets.response(for: name)
        case .signIn: return isPost ? await signIn(request) : renderer.signIn(error: nil)
        default: break
        }
        guard let id = ConsoleCookie.sessionID(in: head.headers["Cookie"]), let session = sessions.session(id: id),
              let access = access(for: session) else {
            // No live session: sign in first (a POST without one is refused, not redirected).
            return isPost ? renderer.forbidden("Your session has ended; sign in again.") : ConsoleResponse.redirect("/console/signin")
        }
        var form = ConsoleForm()
        if isPost {
            // The synchronizer token: a POST must carry this session's token (issue #17: CSRF
            // protection on every change). SameSite=Strict already keeps the cookie off other
            // sites' requests; the token also covers browsers that ignore it.
            guard let parsed = ConsoleForm(urlEncoded: request.body), let token = parsed["csrf"],
                  constantTimeEqual(token, session.csrfToken) else {
                logger.notice("console POST refused: CSRF token missing or wrong", metadata: ["policy": "\(session.policyName)"])
                return renderer.forbidden("This form is not from your session (the CSRF token does not match).")
            }
            form = parsed
        }
        guard access.rights.isSuperset(of: route.requiredRights(change: isPost)) else {
            logger.notice("console request refused: rights", metadata: ["policy": "\(session.policyName)"])
            return renderer.forbidden("Policy '\(session.policyName)' lacks \(route.requiredRights(change: isPost).description).")
        }
        let query = ConsoleForm(query: head.query) ?? ConsoleForm()
        return await serve(route, isPost: isPost, form: isPost ? form : query, page: ConsolePage(access: access))
    }

    /// The session's rights now: nil when its policy is gone or the key it signed in with was
    /// regenerated since (the session then ends, as SAS tokens signed with that key do).
    func access(for session: ConsoleSession) -> ConsoleAccess? {
        guard let rights = rights(of: session) else { return nil }
        return ConsoleAccess(session: session, rights: rights, flash: sessions.takeFlash(id: session.id))
    }

    /// The rights of the session's policy now, or nil (and the session ends) when the policy is
    /// gone or its key was regenerated since the sign-in. Takes no flash note, so the live
    /// telemetry socket can ask again before every read.
    func rights(of session: ConsoleSession) -> AccessRights? {
        guard let policy = hub.registry.policy(named: session.policyName),
              policy.primaryKey == session.key || policy.secondaryKey == session.key else {
            sessions.close(id: session.id)
            return nil
        }
        return policy.rights
    }

    private func serve(_ route: ConsoleRoute, isPost: Bool, form: ConsoleForm, page: ConsolePage) async -> HTTPResponse {
        switch route {
        case .home: return ConsoleResponse.redirect(page.access.rights.contains(.registryRead) ? "/console/devices" : "/console/telemetry")
        case .signOut:
            sessions.close(id: page.access.session.id)
            var response = ConsoleResponse.redirect("/console/signin")
            response.headers.add(name: "Set-Cookie", value: ConsoleCookie.clearing)
            return response
        case .devices: return isPost ? await createDevice(form, page) : await devices(form, page)
        case .identity(let key): return await identity(key, reveal: form["reveal"] == "1", page)
        case .identityUpdate(let key): return await updateIdentity(key, form, page)
        case .modules(let deviceID): return await createModule(deviceID, form, page)
        case .twin(let key): return isPost ? await updateTwin(key, form, page) : await twin(key, page, error: nil)
        case .methods(let key): return await methods(key, form: isPost ? form : nil, page)
        case .messages(let deviceID): return isPost ? await sendMessage(deviceID, form, page) : await messages(deviceID, page)
        case .feedback: return feedback(page)
        case .telemetry: return telemetry(form, page)
        case .telemetryEvents: return await telemetryEvents(form)
        case .node: return await nodePage(page)
        case .routing: return await routing(form: isPost ? form : nil, page)
        case .asset, .signIn: return renderer.notFound()
        }
    }

    /// Answers a POST's outcome: a note for the next page, then a redirect there (POST,
    /// redirect, GET: a reload never repeats the change).
    func redirect(_ location: String, note: String, error: Bool = false, _ page: ConsolePage) -> HTTPResponse {
        sessions.setFlash(id: page.access.session.id, ConsoleFlash(text: note, isError: error))
        return ConsoleResponse.redirect(location)
    }

    private func signIn(_ request: HTTPRequest) async -> HTTPResponse {
        guard let form = ConsoleForm(urlEncoded: request.body), let text = form["connectionString"] else {
            return renderer.signIn(error: "Paste a shared access policy's connection string.")
        }
        do {
            let (policy, key) = try signIn.verify(text)
            let session = sessions.open(policy: policy, key: key)
            logger.info("console sign-in", metadata: ["policy": "\(policy.name)"])
            var response = ConsoleResponse.redirect("/console")
            response.headers.add(name: "Set-Cookie", value: ConsoleCookie.setting(session.id, maxAgeSeconds: sessions.secondsLeft(session)))
            return response
        } catch {
            logger.notice("console sign-in refused", metadata: ["code": "\(error.code)"])
            return renderer.signIn(error: error.message, status: 401)
        }
    }
}

/// What one request may do: its session and its policy's rights now.
struct ConsoleAccess: Sendable {
    var session: ConsoleSession
    var rights: AccessRights
    var flash: ConsoleFlash?
}

/// A one-time note for the page after a change ("Device created", or why it failed).
struct ConsoleFlash: Sendable, Equatable {
    var text: String
    var isError: Bool
}
