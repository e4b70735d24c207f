import CaseworkCore
import Vapor

/// Pages behind sign-in: send people to sign in, to change a temporary password, or to choose a role first.
struct PageGate: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard let user = request.currentUser else { throw DomainError.unauthenticated("Sign in to continue") }
        if user.mustChangePassword && request.url.path != "/account/password" {
            return Pages.redirect(request, to: "/account/password", flash: "Choose a new password to replace the temporary one")
        }
        if user.role == nil && !["/choose-role", "/account/password"].contains(request.url.path) {
            return request.redirect(to: "/choose-role")
        }
        return try await next.respond(to: request)
    }
}

/// API routes behind a token.
struct APIGate: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard let user = request.currentUser else {
            throw DomainError.unauthenticated("Send a valid token: Authorization: Bearer TOKEN (POST /api/v1/auth/tokens gives one)")
        }
        if user.mustChangePassword && !request.url.path.hasPrefix("/api/v1/account/password") && !request.url.path.hasPrefix("/api/v1/auth/") {
            throw DomainError.forbidden("Your password was reset: change it with PUT /api/v1/account/password first")
        }
        return try await next.respond(to: request)
    }
}
