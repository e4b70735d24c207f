import Vapor

/// Cross-site request forgery protection for forms: each form carries a token tied to the session
/// (or, before sign-in, to a cookie of its own), and a POST without the matching token is refused.
struct CSRF: Middleware {
    static let preSessionCookie = "casework_csrf"
    static let field = "csrfToken"

    private struct Token: Decodable { let csrfToken: String? }

    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        request.eventLoop.makeCompletedFuture { try check(request) }
            .flatMap { next.respond(to: request) }
            .map { response in
                // Give a browser without a session the token its sign-in form will need.
                if request.currentUser == nil && request.cookies[Self.preSessionCookie] == nil && !request.isAPI {
                    response.cookies[Self.preSessionCookie] = HTTPCookies.Value(
                        string: request.storage[PreSessionTokenKey.self] ?? SessionStore.newToken(), path: "/", isSecure: request.isSecure,
                        isHTTPOnly: true, sameSite: .strict)
                }
                return response
            }
    }

    private func check(_ request: Request) throws {
        // Bearer-token API calls carry no ambient credentials, so they need no CSRF token.
        // Only forms that exist are checked, so a POST to a path without one gets its honest 405 or 404.
        if request.method == .POST && !request.isAPI
            && CaseworkErrorMiddleware.methods(serving: request.url.path, in: request.application).contains(.POST) {
            // Read past the control-character guard too: a JSON body refused for its text should say so, not "expired".
            let sent = (try? request.content.decode(Token.self))?.csrfToken
                ?? (try? ControlCharacterGuard.unguardedJSON(Token.self, from: request))?.csrfToken ?? ""
            let expected = request.currentUser?.csrfToken ?? request.cookies[Self.preSessionCookie]?.string ?? ""
            guard !expected.isEmpty, constantTimeEquals(sent, expected) else {
                throw Abort(.forbidden, reason: "This form has expired or did not come from Casework. Go back, reload the page and try again.")
            }
        }
    }

    private func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// The pre-session token minted for this request, so the form rendered now and the cookie set on the response agree.
struct PreSessionTokenKey: StorageKey { typealias Value = String }

extension Request {
    /// The CSRF token a form on this page must carry.
    var formToken: String {
        if let user = currentUser { return user.csrfToken }
        if let cookie = cookies[CSRF.preSessionCookie]?.string { return cookie }
        if let minted = storage[PreSessionTokenKey.self] { return minted }
        let minted = SessionStore.newToken()
        storage[PreSessionTokenKey.self] = minted
        return minted
    }
}
