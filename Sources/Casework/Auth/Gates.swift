import CaseworkCore
import Vapor

/// Pages behind sign-in: send people to sign in, to change a temporary password, or to choose a role first.
/// (Middleware that need not wait for anything are plain `Middleware`: each `AsyncMiddleware` costs a request a
/// task of its own and two thread hops, which were most of a cheap request's time; see bench/request-cost.sh.)
struct PageGate: Middleware {
    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        request.eventLoop.makeCompletedFuture { try check(request) }.flatMap { $0.map(request.eventLoop.makeSucceededFuture) ?? next.respond(to: request) }
    }

    /// The answer instead of the page, if there is one.
    private func check(_ request: Request) throws -> Response? {
        guard let user = request.currentUser else { throw DomainError.unauthenticated("Sign in to continue") }
        if user.mustChangePassword && request.url.path != "/account/password" {
            return Pages.redirect(request, to: "/account/password", flash: "Choose a new password to replace the temporary one")
        }
        if user.role == nil && !["/choose-role", "/account/password"].contains(request.url.path) {
            return request.redirect(to: "/choose-role")
        }
        return nil
    }
}

/// API routes behind a token.
struct APIGate: Middleware {
    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        request.eventLoop.makeCompletedFuture { try check(request) }.flatMap { next.respond(to: request) }
    }

    private func check(_ request: Request) throws {
        guard let user = request.currentUser else {
            throw DomainError.unauthenticated("Send a valid token: Authorization: Bearer TOKEN (POST /api/v1/auth/tokens gives one)")
        }
        if user.mustChangePassword && !request.url.path.hasPrefix("/api/v1/account/password") && !request.url.path.hasPrefix("/api/v1/auth/") {
            throw DomainError.forbidden("Your password was reset: change it with PUT /api/v1/account/password first")
        }
    }
}
