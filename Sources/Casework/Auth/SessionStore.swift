import CaseworkCore
import Crypto
import Fluent
import SQLKit
import Vapor

/// Creates, finds and ends sessions. Only a token's SHA-256 is stored, so a leaked table opens nothing.
enum SessionStore {
    static let cookieName = "casework_session"

    static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func hash(_ token: String) -> String {
        Hex.encode(SHA256.hash(data: Array(token.utf8)))
    }

    /// Creates a session inside a write job; returns the token to hand over once.
    static func create(kind: AuthSessionModel.Kind, staffId: String, role: Role?, lifetime: TimeInterval, at now: Date,
                       in stored: any SessionRepository) async throws -> (token: String, session: AuthSessionModel) {
        let token = newToken()
        let session = AuthSessionModel(
            tokenHash: hash(token), kind: kind, staffId: staffId, role: role, csrfToken: newToken(),
            createdAt: now,
            // Whole seconds, so the instant the API reports is exactly the instant the token stops working.
            expiresAt: CaseworkTime.wholeSecond(now.addingTimeInterval(lifetime)))
        try await stored.add(session)
        return (token, session)
    }

    /// How stale a session's last use may be before a request records it again: recording every request would make
    /// every read a write. The idle timeout is then exact to within this.
    static let useRecordedEvery: TimeInterval = 60

    /// Resolves a token to the current user: unknown, expired (its lifetime over, or idle longer than `idle`),
    /// deactivated or role-less-for-API all read as signed out. One indexed query, every request, with no cache: a
    /// sign-out, a role change or a deactivation on any server counts from the next request
    /// (see `SessionAcrossServersTests`).
    static func resolve(token: String, kind: AuthSessionModel.Kind, now: Date, idle: TimeInterval, on db: any Database,
                        withStamps: Bool = false) async throws -> CurrentUser? {
        user(from: try await DirectoryQueries(db: db).session(tokenHash: hash(token), kind: kind, withStamps: withStamps), kind: kind, now: now, idle: idle)
    }

    /// The same, at once, on SQLite's point-read connections; nil when there are none (PostgreSQL: ask `resolve`).
    static func resolveNow(token: String, kind: AuthSessionModel.Kind, now: Date, idle: TimeInterval, on db: any Database,
                           readers: SQLiteReaders?, withStamps: Bool = false) throws -> CurrentUser?? {
        try DirectoryQueries(db: db, readers: readers).sessionNow(tokenHash: hash(token), kind: kind, withStamps: withStamps)
            .map { user(from: $0, kind: kind, now: now, idle: idle) }
    }

    private static func user(from row: DirectoryQueries.SessionRow?, kind: AuthSessionModel.Kind, now: Date, idle: TimeInterval) -> CurrentUser? {
        guard let row, row.expiresAt > now, now.timeIntervalSince(row.lastUsedAt) < idle, row.profile.active else { return nil }
        // A role taken away since sign-in no longer counts.
        let role = row.role.flatMap { row.profile.roles.contains($0) ? $0 : nil }
        return CurrentUser(
            profile: row.profile, role: role, sessionId: row.sessionId, csrfToken: row.csrfToken,
            kind: kind, mustChangePassword: row.mustChangePassword, lastUsedAt: row.lastUsedAt, stamps: row.stamps)
    }

    /// Whether this request should record the session's use (see `useRecordedEvery`).
    static func useIsStale(_ user: CurrentUser, now: Date) -> Bool {
        guard let last = user.lastUsedAt else { return false }
        return now.timeIntervalSince(last) >= useRecordedEvery
    }

    /// Records that the session was used now, when its last recorded use is older than `useRecordedEvery`.
    static func recordUse(of user: CurrentUser, now: Date, on request: Request) async throws {
        guard useIsStale(user, now: now) else { return }
        let sessionId = user.sessionId
        try await request.write { ctx in
            try await SignIn.fluent(ctx.db).recordUse(of: sessionId, at: now)
        }
    }

    /// A new token for an existing session (at a role change): a token anyone saw before no longer opens it, so a
    /// token planted in a browser before sign-in cannot be ridden afterwards. Returns the new token.
    static func renewToken(of sessionId: UUID, in stored: any SessionRepository) async throws -> String {
        let token = newToken()
        try await stored.setTokens(of: sessionId, tokenHash: hash(token), csrfToken: newToken())
        return token
    }

    /// The session cookie: HttpOnly, SameSite=Lax, and Secure whenever the request came over HTTPS.
    static func cookie(_ token: String, expires: Date?, secure: Bool) -> HTTPCookies.Value {
        HTTPCookies.Value(string: token, expires: expires, maxAge: expires == nil ? 0 : nil, path: "/",
                          isSecure: secure, isHTTPOnly: true, sameSite: .lax)
    }
}

/// Finds the session behind each request: a cookie for pages, a bearer token for the API. On SQLite the session is
/// a point read made here on the event loop, so a request waits for no task until its handler; on PostgreSQL it is
/// waited for. (A plain `Middleware` for that reason: see `PageGate`.)
struct SessionAuthenticator: Middleware {
    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        guard let (token, kind) = Self.credential(of: request) else { return next.respond(to: request) }
        let now = request.now
        let idle = request.casework.settings.sessionIdle
        let loop = request.eventLoop
        // The pages that show kept answers read the change stamps in the same statement (see `ChangeStamps`).
        let withStamps = ChangeStamps.wanted(method: request.method, path: request.url.path)
        let resolved: EventLoopFuture<CurrentUser?>
        do {
            if let user = try SessionStore.resolveNow(token: token, kind: kind, now: now, idle: idle, on: request.database, readers: request.casework.readers,
                                                      withStamps: withStamps) {
                resolved = loop.makeSucceededFuture(user)
            } else {
                resolved = loop.makeFutureWithTask {
                    try await SessionStore.resolve(token: token, kind: kind, now: now, idle: idle, on: request.database, withStamps: withStamps)
                }
            }
        } catch {
            return loop.makeFailedFuture(error)
        }
        return resolved.flatMap { user in
            request.currentUser = user
            // Recording the use is a write, so it waits in a task; most requests have none to make.
            guard let user, SessionStore.useIsStale(user, now: now) else { return next.respond(to: request) }
            return loop.makeFutureWithTask { try await SessionStore.recordUse(of: user, now: now, on: request) }.flatMap { next.respond(to: request) }
        }
    }

    /// The token a request carries and what kind it is: a bearer token on the API, the session cookie on pages.
    /// A SCIM client's token is checked by `SCIMClientGate`; looking it up as a session would be a wasted read.
    static func credential(of request: Request) -> (String, AuthSessionModel.Kind)? {
        switch request.area {
        case .scim: return nil
        case .api: return request.headers.bearerAuthorization.map { ($0.token, .api) }
        case .pages: return request.cookies[SessionStore.cookieName].map { ($0.string, .browser) }
        }
    }
}

extension Request {
    /// Whether the browser reached us over HTTPS, directly or through a proxy that says so.
    var isSecure: Bool {
        url.scheme == "https" || headers.first(name: "X-Forwarded-Proto")?.lowercased() == "https"
    }
}
