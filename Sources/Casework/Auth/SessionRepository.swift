import CaseworkCore
import Fluent
import Foundation
import SQLKit

/// The rows signing in writes: a person's failed attempts and password, and their sessions. `SignIn` and
/// `SessionStore` keep the rules (the throttle, who may hold which role, token renewal) and ask this for rows;
/// `FluentSessionRepository` is the database's. Resolving a request's session is `DirectoryQueries.session`, one
/// indexed read on the hot path.
protocol SessionRepository: Sendable {
    /// A person's directory row, with their failed sign-ins.
    func staff(_ staffId: String) async throws -> StaffModel?
    func save(_ staff: StaffModel) async throws
    /// Sets a person's password hash, no longer to be changed at next sign-in.
    func setPassword(of staffId: String, hash: String) async throws

    func session(_ id: UUID) async throws -> AuthSessionModel?
    func add(_ session: AuthSessionModel) async throws
    func endSession(_ id: UUID) async throws
    /// Ends every session of a person but one.
    func endSessions(of staffId: String, except kept: UUID) async throws
    func setRole(of session: UUID, to role: Role) async throws
    /// Replaces the session's token and CSRF token (both stored as given: the token as its hash).
    func setTokens(of session: UUID, tokenHash: String, csrfToken: String) async throws
    func recordUse(of session: UUID, at now: Date) async throws

    // MARK: Sign-ins through the identity provider
    /// Keeps a started sign-in: its state's hash, nonce, PKCE verifier and where to go after.
    func startOrganisationSignIn(stateHash: String, nonce: String, verifier: String, next: String, at now: Date) async throws
    /// Drops the started sign-ins older than `cutoff`: finished or abandoned, they are of no more use.
    func dropOrganisationSignIns(startedBefore cutoff: Date) async throws
    func organisationSignIn(stateHash: String) async throws -> OrganisationSignInRow?
    func markOrganisationSignInUsed(stateHash: String, at now: Date) async throws
}

/// A sign-in started with the identity provider, as kept until the browser comes back.
struct OrganisationSignInRow: Decodable, Sendable {
    let nonce: String
    let code_verifier: String
    let next: String
    let started_at: Date
    let used_at: Date?
}

/// Sign-in's rows through Fluent, on the database it is made for (inside the write lane for every change).
struct FluentSessionRepository: SessionRepository {
    let db: any Database

    func staff(_ staffId: String) async throws -> StaffModel? {
        try await StaffModel.find(staffId, on: db)
    }

    func save(_ staff: StaffModel) async throws {
        try await staff.save(on: db)
    }

    func setPassword(of staffId: String, hash: String) async throws {
        try await StaffModel.query(on: db).filter(\.$id == staffId).set(\.$passwordHash, to: hash).set(\.$mustChangePassword, to: false).update()
    }

    func session(_ id: UUID) async throws -> AuthSessionModel? {
        try await AuthSessionModel.find(id, on: db)
    }

    func add(_ session: AuthSessionModel) async throws {
        try await session.create(on: db)
    }

    func endSession(_ id: UUID) async throws {
        try await AuthSessionModel.query(on: db).filter(\.$id == id).delete()
    }

    func endSessions(of staffId: String, except kept: UUID) async throws {
        try await AuthSessionModel.query(on: db).filter(\.$staff.$id == staffId).filter(\.$id != kept).delete()
    }

    func setRole(of session: UUID, to role: Role) async throws {
        try await AuthSessionModel.query(on: db).filter(\.$id == session).set(\.$role, to: role).update()
    }

    func setTokens(of session: UUID, tokenHash: String, csrfToken: String) async throws {
        try await AuthSessionModel.query(on: db).filter(\.$id == session).set(\.$tokenHash, to: tokenHash).set(\.$csrfToken, to: csrfToken).update()
    }

    private var sql: any SQLDatabase { db as! any SQLDatabase }

    func recordUse(of session: UUID, at now: Date) async throws {
        try await sql.raw("UPDATE auth_sessions SET last_used_at = \(bind: now) WHERE id = \(bind: session)").run()
    }

    func startOrganisationSignIn(stateHash: String, nonce: String, verifier: String, next: String, at now: Date) async throws {
        try await sql.raw("""
            INSERT INTO oidc_sign_ins (state_hash, nonce, code_verifier, next, started_at)
            VALUES (\(bind: stateHash), \(bind: nonce), \(bind: verifier), \(bind: next), \(bind: now))
            """).run()
    }

    func dropOrganisationSignIns(startedBefore cutoff: Date) async throws {
        try await sql.raw("DELETE FROM oidc_sign_ins WHERE started_at < \(bind: cutoff)").run()
    }

    func organisationSignIn(stateHash: String) async throws -> OrganisationSignInRow? {
        try await sql.raw("""
            SELECT nonce, code_verifier, next, started_at, used_at FROM oidc_sign_ins WHERE state_hash = \(bind: stateHash)
            """).first(decoding: OrganisationSignInRow.self)
    }

    func markOrganisationSignInUsed(stateHash: String, at now: Date) async throws {
        try await sql.raw("UPDATE oidc_sign_ins SET used_at = \(bind: now) WHERE state_hash = \(bind: stateHash)").run()
    }
}
