import CaseworkCore
import Vapor

/// API tokens (the API's sign-in), their role, and changing one's password in JSON (the pages are `AuthPages`).
struct AuthRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let api = routes.grouped("api", "v1")
        api.post("auth", "tokens", use: createToken)
        api.get("auth", "tokens", "current", use: currentToken)
        api.delete("auth", "tokens", "current", use: deleteToken)
        api.post("auth", "tokens", "current", "role", use: switchTokenRole)
        api.put("account", "password", use: changePasswordAPI)
    }

    // MARK: API

    /// A staff ID and password, or an ID token from the organisation's identity provider.
    struct TokenRequest: Content {
        var staffId: String?
        var password: String?
        var idToken: String?
        var role: String?
    }

    struct TokenResponse: Content {
        let token: String?
        let expiresAt: String
        let staffId: String
        let role: Role?
        let name: String
        let roles: [Role]
    }

    @Sendable func createToken(req: Request) async throws -> Response {
        let body = try req.content.decode(TokenRequest.self)
        let result: SignIn.Result
        if let idToken = body.idToken {
            let role = try body.role.flatMap { $0.isEmpty ? nil : $0 }.map { text throws(ValidationFailure) in try Role.parse(text) }
            result = try await OIDCSignIn(request: req).token(idToken: idToken, role: role)
        } else {
            guard let staffId = body.staffId, let password = body.password else {
                throw Abort(.badRequest, reason: "The request body could not be read: \(body.staffId == nil ? "staffId" : "password") is missing (send staffId and password, or idToken)")
            }
            result = try await SignIn(request: req).signIn(staffIdText: staffId, password: password, roleText: body.role, kind: .api)
        }
        let dto = TokenResponse(
            token: result.token, expiresAt: CaseworkTime.iso8601(result.session.expiresAt), staffId: result.profile.staffId.value,
            role: result.session.role, name: result.profile.name, roles: result.profile.roles)
        return try await dto.encodeResponse(status: .created, for: req)
    }

    @Sendable func currentToken(req: Request) async throws -> TokenResponse {
        let user = try req.requireUser()
        guard let session = try await SignIn(request: req).currentSession() else {
            throw DomainError.unauthenticated("Sign in to continue")
        }
        return TokenResponse(token: nil, expiresAt: CaseworkTime.iso8601(session.expiresAt), staffId: user.staffId,
                             role: user.role, name: user.profile.name, roles: user.profile.roles)
    }

    @Sendable func deleteToken(req: Request) async throws -> Response {
        _ = try req.requireUser()
        try await SignIn(request: req).signOut()
        return Response(status: .noContent)
    }

    @Sendable func switchTokenRole(req: Request) async throws -> TokenResponse {
        let body = try req.content.decode(AuthPages.RoleForm.self)
        let (role, _) = try await SignIn(request: req).switchRole(to: body.role ?? "")
        let user = try req.requireUser()
        guard let session = try await SignIn(request: req).currentSession() else {
            throw DomainError.unauthenticated("Sign in to continue")
        }
        return TokenResponse(token: nil, expiresAt: CaseworkTime.iso8601(session.expiresAt), staffId: user.staffId,
                             role: role, name: user.profile.name, roles: user.profile.roles)
    }

    struct PasswordChange: Content {
        var currentPassword: String
        var newPassword: String
    }

    @Sendable func changePasswordAPI(req: Request) async throws -> Response {
        _ = try req.requireUser()
        let body = try req.content.decode(PasswordChange.self)
        try await SignIn(request: req).changePassword(current: body.currentPassword, new: body.newPassword, confirm: body.newPassword)
        return Response(status: .noContent)
    }
}
