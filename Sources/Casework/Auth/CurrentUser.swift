import CaseworkCore
import Vapor

/// The person behind a request, resolved from their session cookie or API token.
struct CurrentUser: Sendable {
    let profile: StaffProfile
    /// The role this session acts in; nil until a person with several roles chooses.
    let role: Role?
    let sessionId: UUID
    let csrfToken: String
    let kind: AuthSessionModel.Kind
    let mustChangePassword: Bool
    /// When the session was last used before this request.
    var lastUsedAt: Date? = nil
    /// The change stamps read with the session, before anything the request answers (see `ChangeStamps`).
    var stamps: ChangeStamps? = nil

    var staffId: String { profile.staffId.value }
    var actor: Actor { Actor(staffId: staffId, role: role) }

    /// The signed-in person, or 401: for a route (`Request.requireUser`) and a service (`ServiceContext.requireUser`).
    static func require(_ user: CurrentUser?) throws -> CurrentUser {
        guard let user else { throw DomainError.unauthenticated("Sign in to continue") }
        return user
    }

    /// The signed-in person acting in one of `roles`, or 403 naming the roles that may.
    static func require(_ user: CurrentUser?, actingAs roles: [Role]) throws -> CurrentUser {
        let user = try require(user)
        guard let role = user.role, roles.contains(role) else {
            let names = roles.map(\.displayName).joined(separator: " or ")
            throw DomainError.forbidden("Only \(names) may do this\(user.role.map { ", and you are signed in as \($0.displayName)" } ?? "")")
        }
        return user
    }
}

extension Request {
    private struct CurrentUserKey: StorageKey { typealias Value = CurrentUser }

    var currentUser: CurrentUser? {
        get { storage[CurrentUserKey.self] }
        set { storage[CurrentUserKey.self] = newValue }
    }

    /// The signed-in person, or 401.
    func requireUser() throws -> CurrentUser {
        try CurrentUser.require(currentUser)
    }

    /// The signed-in person acting in one of `roles`, or 403 naming the roles that may.
    @discardableResult
    func requireRole(_ roles: Role...) throws -> CurrentUser {
        try CurrentUser.require(currentUser, actingAs: roles)
    }

    /// Which part of Casework a request is for.
    enum Area {
        /// SCIM provisioning: its bearer tokens are SCIM clients' (`SCIMClientGate`), never sessions.
        case scim
        /// The JSON API: problem+json errors, bearer tokens.
        case api
        /// The pages a browser opens, with the session's cookie.
        case pages
    }

    /// The area, from one read of the path: Vapor's `url.path` is rebuilt by Foundation at every use (a string
    /// replacement each time, 1.2% of an audited read's time a use), and every request asks which area it is in.
    var area: Area {
        let path = url.path
        return path.hasPrefix("/api/") ? .api : path.hasPrefix("/scim/") ? .scim : .pages
    }

    /// Whether the request is for the JSON API or SCIM: called by programs with bearer tokens, never by a browser
    /// with a cookie.
    var isAPI: Bool { area != .pages }

    var isSCIM: Bool { area == .scim }
}
