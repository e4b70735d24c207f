import CaseworkCore
import Fluent
import Vapor

/// What signing in follows, from the app's settings: whether passwords are taken, how long a session lives, the
/// throttle, and the decoy hash checked for an unknown staff ID so that timing does not tell.
struct SignInRules: Sendable {
    let passwordSignIn: Bool
    let sessionLifetime: TimeInterval
    let throttle: SignInThrottle
    let decoyHash: String
}

extension CaseworkServices {
    var signInRules: SignInRules {
        SignInRules(passwordSignIn: settings.passwordSignIn, sessionLifetime: settings.sessionLifetime, throttle: throttle, decoyHash: decoyHash)
    }
}

/// Signing in, shared by the sign-in page and the token API: passwords, sessions, the role a session acts in, and
/// a person's own password. Rows come from a `SessionRepository`, made for the write lane's database in each change.
struct SignIn {
    let context: ServiceContext
    let rules: SignInRules
    let repository: @Sendable (any Database) -> any SessionRepository

    init(context: ServiceContext, rules: SignInRules, repository: @escaping @Sendable (any Database) -> any SessionRepository = SignIn.fluent) {
        self.context = context
        self.rules = rules
        self.repository = repository
    }

    init(request: Request) {
        self.init(context: request.service, rules: request.casework.signInRules)
    }

    static let fluent: @Sendable (any Database) -> any SessionRepository = { FluentSessionRepository(db: $0) }

    /// The sentence for any wrong staff ID or password: it never says which was wrong.
    static let wrongCredentials = "Enter a correct staff ID and password"
    static let passwordSignInOff = "Password sign-in is off here: sign in with your organisation account"


    struct Result: Sendable {
        let token: String
        let session: AuthSessionModel
        let profile: StaffProfile
    }

    func signIn(staffIdText: String, password: String, roleText: String?, kind: AuthSessionModel.Kind) async throws -> Result {
        var failure = ValidationFailure()
        let staffId = collect(&failure) { () throws(ValidationFailure) in try StaffID.parse(staffIdText) }
        if password.isEmpty { failure.add("password", "Enter your password") }
        let requestedRole = roleText.flatMap { $0.isEmpty ? nil : $0 }.flatMap { text in
            collect(&failure) { () throws(ValidationFailure) in try Role.parse(text) }
        }
        try failure.throwIfAny()
        guard rules.passwordSignIn else {
            throw DomainError.forbidden(Self.passwordSignInOff)
        }

        let now = context.now
        let staff = try await context.directory.find(staffId!.value)
        let typedId = staffId!.value
        let lane = context.lane
        let repository = repository
        let audit: @Sendable (AuditOutcome, String) async throws -> Void = { outcome, detail in
            try await lane.perform { ctx in
                try await ctx.audit(AuditEntry(Actor(staffId: staff == nil ? nil : typedId, role: nil), "signIn",
                                               subjectType: "staff", subjectId: typedId, outcome: outcome, detail: detail))
            }
        }
        guard let staff, staff.active, let hash = staff.passwordHash else {
            _ = try? await context.passwords.verify(password, created: rules.decoyHash).get()
            CaseworkMetrics.signInFailed(staff == nil ? .unknownStaff : (staff!.active ? .noPassword : .inactive))
            try await audit(.failure, staff == nil ? "unknown staff ID" : (staff!.active ? "no password set" : "account deactivated"))
            throw DomainError.unauthenticated(Self.wrongCredentials)
        }
        let decision = rules.throttle.decide(failures: staff.failedSignIns, lastFailureAt: staff.lastFailedSignInAt, now: now)
        if let refusal = rules.throttle.refusal(for: decision, failures: staff.failedSignIns, now: now) {
            try await audit(.denied, "refused without checking the password: \(refusal.message)")
            CaseworkMetrics.signInFailed(.throttled)
            throw refusal
        }
        guard try await context.passwords.verify(password, created: hash).get() else {
            CaseworkMetrics.signInFailed(.wrongPassword)
            let throttle = rules.throttle
            let failures = try await lane.perform { ctx in
                let stored = repository(ctx.db)
                guard let row = try await stored.staff(typedId) else { return 0 }
                row.failedSignIns += 1
                // Whole seconds: every database stores them exactly, so waits come out as whole seconds too.
                row.lastFailedSignInAt = CaseworkTime.wholeSecond(ctx.now)
                try await stored.save(row)
                let locked = throttle.isLocked(failures: row.failedSignIns)
                try await ctx.audit(AuditEntry(Actor(staffId: typedId, role: nil), "signIn", subjectType: "staff", subjectId: typedId,
                                               outcome: .failure, detail: "wrong password (\(row.failedSignIns) in a row)\(locked ? "; account locked" : "")"))
                return row.failedSignIns
            }
            if failures >= throttle.freeAttempts {
                let next = throttle.decide(failures: failures, lastFailureAt: CaseworkTime.wholeSecond(now), now: now)
                if let refusal = throttle.refusal(for: next, failures: failures, now: now) {
                    throw DomainError.throttled("\(Self.wrongCredentials). \(refusal.message)", retryAfterSeconds: { if case .throttled(_, let s) = refusal { s } else { 0 } }())
                }
            }
            throw DomainError.unauthenticated(Self.wrongCredentials)
        }
        return try await startSession(for: staff, requestedRole: requestedRole, kind: kind, method: "password")
    }

    /// Starts a session for a person whose identity is proven (by password, or by the identity provider): the role
    /// asked for, or their only one; an API token must have one. Failed sign-ins are forgotten, a session the
    /// browser already held ends, and the sign-in is audited with how it was proven.
    func startSession(for staff: StaffModel, requestedRole: Role?, kind: AuthSessionModel.Kind, method: String) async throws -> Result {
        let roles = staff.loadedRoles
        var role: Role? = roles.count == 1 ? roles[0] : nil
        if let requestedRole {
            guard roles.contains(requestedRole) else {
                throw ValidationFailure(["role": "You do not hold the role \(requestedRole.rawValue): choose one of \(roles.map(\.rawValue).joined(separator: ", "))"])
            }
            role = requestedRole
        }
        if kind == .api && role == nil {
            throw ValidationFailure(["role": "You hold several roles: choose one of \(roles.map(\.rawValue).joined(separator: ", "))"])
        }
        let typedId = staff.id!
        let lifetime = rules.sessionLifetime
        let chosen = role
        let replaced = kind == .browser ? context.caller?.sessionId : nil
        let repository = repository
        let (token, session) = try await context.write { ctx in
            let stored = repository(ctx.db)
            guard let row = try await stored.staff(typedId), row.active else { throw DomainError.unauthenticated(Self.wrongCredentials) }
            row.failedSignIns = 0
            row.lastFailedSignInAt = nil
            try await stored.save(row)
            // A browser that already held a session (perhaps one planted in it) gets a new one; the old one ends.
            if let replaced { try await stored.endSession(replaced) }
            let created = try await SessionStore.create(kind: kind, staffId: typedId, role: chosen, lifetime: lifetime, at: ctx.now, in: stored)
            try await ctx.audit(AuditEntry(Actor(staffId: typedId, role: chosen), "signIn", subjectType: "staff", subjectId: typedId,
                                           detail: "\(kind.rawValue) session\(chosen.map { " as \($0.rawValue)" } ?? ", role to choose")\(method == "password" ? "" : " (\(method))")"))
            return created
        }
        return Result(token: token, session: session, profile: try staff.profile(roles: roles))
    }

    /// Switches the session's role to another the person holds. A browser session gets a new token as well (returned,
    /// for the cookie): the old one opens nothing after the change. An API token keeps its value, which only its
    /// holder ever had.
    func switchRole(to roleText: String) async throws -> (role: Role, renewedToken: String?) {
        let user = try context.requireUser()
        let role = try Role.parse(roleText)
        guard user.profile.roles.contains(role) else {
            throw ValidationFailure(["role": "You do not hold the role \(role.rawValue): choose one of \(user.profile.roles.map(\.rawValue).joined(separator: ", "))"])
        }
        let sessionId = user.sessionId
        let previous = user.role
        let renew = user.kind == .browser
        let repository = repository
        let renewed = try await context.write { ctx -> String? in
            let stored = repository(ctx.db)
            try await stored.setRole(of: sessionId, to: role)
            try await ctx.audit(AuditEntry(Actor(staffId: user.staffId, role: role), "switchRole", subjectType: "staff", subjectId: user.staffId,
                                           detail: "\(previous?.rawValue ?? "none") -> \(role.rawValue)"))
            return renew ? try await SessionStore.renewToken(of: sessionId, in: stored) : nil
        }
        return (role, renewed)
    }

    /// Ends the current session.
    func signOut() async throws {
        guard let user = context.caller else { return }
        let sessionId = user.sessionId
        let repository = repository
        try await context.write { ctx in
            try await repository(ctx.db).endSession(sessionId)
            try await ctx.audit(AuditEntry(user.actor, "signOut", subjectType: "staff", subjectId: user.staffId,
                                           detail: "\(user.kind.rawValue) session ended"))
        }
    }

    /// Changes the signed-in person's own password after checking the current one.
    func changePassword(current: String, new: String, confirm: String) async throws {
        let user = try context.requireUser()
        var failure = ValidationFailure()
        if current.isEmpty { failure.add("currentPassword", "Enter your current password") }
        _ = collect(&failure) { () throws(ValidationFailure) in try PasswordPolicy.check(new, field: "newPassword") }
        if new != confirm { failure.add("confirmPassword", "The two new passwords do not match") }
        if !new.isEmpty && new == current { failure.add("newPassword", "Choose a password different from your current one") }
        try failure.throwIfAny()
        guard let staff = try await context.directory.find(user.staffId), let hash = staff.passwordHash,
              try await context.passwords.verify(current, created: hash).get() else {
            throw ValidationFailure(["currentPassword": "Your current password is not right"])
        }
        let newHash = try await context.passwords.hash(new).get()
        let sessionId = user.sessionId
        let repository = repository
        try await context.write { ctx in
            let stored = repository(ctx.db)
            try await stored.setPassword(of: user.staffId, hash: newHash)
            // Other sessions were opened with the old password: end them, keep this one.
            try await stored.endSessions(of: user.staffId, except: sessionId)
            try await ctx.audit(AuditEntry(user.actor, "changePassword", subjectType: "staff", subjectId: user.staffId,
                                           detail: "password changed; other sessions ended"))
        }
    }

    /// The caller's session, for its expiry; nil once it has ended.
    func currentSession() async throws -> AuthSessionModel? {
        let user = try context.requireUser()
        return try await repository(context.db).session(user.sessionId)
    }
}
