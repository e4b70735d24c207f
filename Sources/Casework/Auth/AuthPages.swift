import CaseworkCore
import Vapor

/// Signing in (with a password or the organisation's identity provider) and out, choosing a role, and changing one's
/// password: the pages (their JSON twins are `AuthRoutes`).
struct AuthPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("sign-in", use: signInPage)
        routes.post("sign-in", use: signInSubmit)
        routes.get("auth", "oidc", "start", use: oidcStart)
        routes.get("auth", "oidc", "callback", use: oidcCallback)
        routes.get("choose-role", use: chooseRolePage)
        routes.post("choose-role", use: chooseRoleSubmit)
        routes.post("sign-out", use: signOutSubmit)
        routes.get("account", "password", use: passwordPage)
        routes.post("account", "password", use: passwordSubmit)
    }


    struct SignInForm: Content {
        var staffId: String?
        var password: String?
        var next: String?
    }

    struct SignInContent: Encodable {
        let staffId: String
        let next: String
        let message: String?
        /// Whether to offer "Sign in with your organisation account", and the password form.
        var organisationSignIn = false
        var passwordSignIn = true
        /// Why the organisation account was refused, shown above everything.
        var refusal: String? = nil
    }

    /// The sign-in page's content, with the ways of signing in this service offers.
    static func signInContent(_ req: Request, staffId: String = "", next: String, message: String? = nil) -> SignInContent {
        let settings = req.casework.settings
        return SignInContent(staffId: staffId, next: next, message: message, organisationSignIn: settings.oidc != nil, passwordSignIn: settings.passwordSignIn)
    }

    /// "Sign in with your organisation account": to the provider, with state, nonce and a PKCE challenge.
    @Sendable func oidcStart(req: Request) async throws -> Response {
        let next = Self.safeNext((try? req.query.get(String.self, at: "next")) ?? "")
        do {
            let (url, state) = try await OIDCSignIn(request: req).start(next: next)
            let response = req.redirect(to: url, redirectType: .normal)
            response.cookies[OIDCSignIn.stateCookie] = HTTPCookies.Value(string: state, maxAge: Int(OpenIDConnect.signInLifetime), path: "/auth/oidc",
                                                                        isSecure: req.isSecure, isHTTPOnly: true, sameSite: .lax)
            return response
        } catch let refusal as OpenIDConnect.Refusal {
            var content = Self.signInContent(req, next: next)
            content.refusal = "Sign-in refused: \(refusal.description)"
            return try await Pages.render(req, "sign-in", title: "Sign in", content, status: .badGateway)
        }
    }

    /// The provider sends the browser back here with a code (or an error).
    @Sendable func oidcCallback(req: Request) async throws -> Response {
        let query = { (name: String) in try? req.query.get(String.self, at: name) }
        let providerError = query("error").map { error in query("error_description").map { "\(error): \($0)" } ?? error }
        do {
            let (result, next) = try await OIDCSignIn(request: req).finish(
                state: query("state"), code: query("code"), providerError: providerError, browserState: req.cookies[OIDCSignIn.stateCookie]?.string)
            let destination = result.session.role == nil ? "/choose-role" : (next.isEmpty ? "/" : next)
            let response = req.redirect(to: destination, redirectType: .normal)
            response.cookies[SessionStore.cookieName] = SessionStore.cookie(result.token, expires: result.session.expiresAt, secure: req.isSecure)
            response.cookies[OIDCSignIn.stateCookie] = HTTPCookies.Value(string: "", expires: Date(timeIntervalSince1970: 0), path: "/auth/oidc")
            return response
        } catch let refused as DomainError {
            guard case .unauthenticated(let message) = refused else { throw refused }
            var content = Self.signInContent(req, next: "")
            content.refusal = message
            return try await Pages.render(req, "sign-in", title: "Sign in", content, status: .unauthorized)
        }
    }

    @Sendable func signInPage(req: Request) async throws -> Response {
        if req.currentUser != nil { return req.redirect(to: "/") }
        let next = (try? req.query.get(String.self, at: "next")) ?? ""
        return try await Pages.render(req, "sign-in", title: "Sign in", Self.signInContent(req, next: Self.safeNext(next)))
    }

    @Sendable func signInSubmit(req: Request) async throws -> Response {
        let form = try req.content.decode(SignInForm.self)
        let next = Self.safeNext(form.next ?? "")
        do {
            let result = try await SignIn(request: req).signIn(staffIdText: form.staffId ?? "", password: form.password ?? "", roleText: nil, kind: .browser)
            let destination = result.session.role == nil ? "/choose-role" : (next.isEmpty ? "/" : next)
            let response = req.redirect(to: destination, redirectType: .normal)
            response.cookies[SessionStore.cookieName] = SessionStore.cookie(result.token, expires: result.session.expiresAt, secure: req.isSecure)
            return response
        } catch let failure as ValidationFailure {
            return try await Pages.render(req, "sign-in", title: "Sign in", Self.signInContent(req, staffId: form.staffId ?? "", next: next), errors: failure)
        } catch let refusal as DomainError {
            let status: HTTPResponseStatus = switch refusal {
            case .throttled: .tooManyRequests
            case .forbidden: .forbidden
            default: .unauthorized
            }
            return try await Pages.render(req, "sign-in", title: "Sign in", Self.signInContent(req, staffId: form.staffId ?? "", next: next, message: refusal.message),
                                          errors: ValidationFailure(["password": refusal.message]), status: status)
        }
    }

    /// Only a local path may be a destination after sign-in, so a link cannot send people elsewhere.
    static func safeNext(_ next: String) -> String {
        next.hasPrefix("/") && !next.hasPrefix("//") && !next.contains("\\") ? next : ""
    }

    /// The roles the person holds, each with what it is for; the one they work in now is chosen.
    struct ChooseRoleContent: Encodable, FormPage {
        let current: RoleForm
        let roles: [Choice]
        var formValues: Any { current }
        var formChoices: [String: [Choice]] { ["role": roles] }
    }

    @Sendable func chooseRolePage(req: Request) async throws -> Response {
        let user = try req.requireUser()
        return try await Pages.render(req, "choose-role", title: "Choose your role", Self.roleChoices(user))
    }

    static func roleChoices(_ user: CurrentUser) -> ChooseRoleContent {
        ChooseRoleContent(current: RoleForm(role: user.role?.rawValue),
                          roles: user.profile.roles.map { Choice(id: $0.rawValue, name: $0.displayName, hint: $0.summary) })
    }

    struct RoleForm: Content { var role: String? }

    @Sendable func chooseRoleSubmit(req: Request) async throws -> Response {
        let user = try req.requireUser()
        let form = try req.content.decode(RoleForm.self)
        guard let text = form.role, !text.isEmpty else {
            return try await Pages.render(req, "choose-role", title: "Choose your role", Self.roleChoices(user),
                                          errors: ValidationFailure(["role": "Choose the role you want to work in"]))
        }
        do {
            let (role, renewedToken) = try await SignIn(request: req).switchRole(to: text)
            let response = Pages.redirect(req, to: "/", flash: "You are now working as \(role.displayName)")
            if let renewedToken, let session = try await SignIn(request: req).currentSession() {
                response.cookies[SessionStore.cookieName] = SessionStore.cookie(renewedToken, expires: session.expiresAt, secure: req.isSecure)
            }
            return response
        } catch let failure as ValidationFailure {
            return try await Pages.render(req, "choose-role", title: "Choose your role", Self.roleChoices(user), errors: failure)
        }
    }

    @Sendable func signOutSubmit(req: Request) async throws -> Response {
        try await SignIn(request: req).signOut()
        let response = Pages.redirect(req, to: "/sign-in", flash: "You have signed out")
        response.cookies[SessionStore.cookieName] = SessionStore.cookie("", expires: Date(timeIntervalSince1970: 0), secure: req.isSecure)
        return response
    }

    struct PasswordContent: Encodable {
        let mustChange: Bool
    }

    struct PasswordForm: Content {
        var currentPassword: String?
        var newPassword: String?
        var confirmPassword: String?
    }

    @Sendable func passwordPage(req: Request) async throws -> Response {
        let user = try req.requireUser()
        return try await Pages.render(req, "change-password", title: "Change your password", PasswordContent(mustChange: user.mustChangePassword))
    }

    @Sendable func passwordSubmit(req: Request) async throws -> Response {
        let user = try req.requireUser()
        let form = try req.content.decode(PasswordForm.self)
        do {
            try await SignIn(request: req).changePassword(current: form.currentPassword ?? "", new: form.newPassword ?? "", confirm: form.confirmPassword ?? "")
            return Pages.redirect(req, to: user.role == nil ? "/choose-role" : "/", flash: "Your password has been changed")
        } catch let failure as ValidationFailure {
            return try await Pages.render(req, "change-password", title: "Change your password", PasswordContent(mustChange: user.mustChangePassword), errors: failure)
        }
    }
}
