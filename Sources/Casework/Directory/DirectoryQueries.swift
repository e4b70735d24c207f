import CaseworkCore
import Fluent
import Foundation
import SQLKit

/// The directory's hot reads in plain SQL: a person with their roles, and the person behind a session, each in
/// one indexed query. Every signed-in request asks the second, so it skips Fluent's model decoding (which reads
/// each model's properties by reflection, a sixth of a request's time in the profile; see bench/request-cost.sh).
struct DirectoryQueries {
    let db: any Database
    /// Set for reads outside the write lane: the session and profiles are then point reads (see `SQLiteReaders`).
    var readers: SQLiteReaders? = nil

    private var point: PointReads { PointReads(db: db, readers: readers) }

    var sql: any SQLDatabase { db as! any SQLDatabase }

    /// The staff columns a profile needs, as `st.<column>`; one row per role from the LEFT JOIN on `staff_roles r`.
    static let profileColumns = """
        st.staff_id, st.name, st.email, st.phone, st.team, st.grade, st.area, st.team_leader_staff_id, st.active, \
        st.must_change_password, r.role
        """

    /// A person and their roles, or nil when no one has that staff ID.
    func profile(_ staffId: String) async throws -> StaffProfile? {
        try await profiles([staffId])[staffId]
    }

    /// Several people with their roles, by staff ID, in one query (those not found are left out).
    func profiles(_ staffIds: [String]) async throws -> [String: StaffProfile] {
        guard !staffIds.isEmpty else { return [:] }
        let rows = try await point.all("""
            SELECT \(unsafeRaw: Self.profileColumns) FROM staff st LEFT JOIN staff_roles r ON r.staff_id = st.staff_id
            WHERE st.staff_id IN (\(binds: staffIds))
            """)
        var byPerson: [String: [any SQLRow]] = [:]
        for row in rows { byPerson[try row.decode(column: "staff_id", as: String.self), default: []].append(row) }
        var profiles: [String: StaffProfile] = [:]
        for (id, rows) in byPerson { profiles[id] = try Self.profile(from: rows) }
        return profiles
    }

    /// The active people `condition` (on `st`) selects, with their roles, in staff ID order: one query, read without
    /// Fluent's model decoding (a hopper's assignee list is a couple of hundred people on every view of the SCR hopper).
    func activeProfiles(where condition: SQLQueryString) async throws -> [StaffProfile] {
        let rows = try await point.all("""
            SELECT \(unsafeRaw: Self.profileColumns) FROM staff st LEFT JOIN staff_roles r ON r.staff_id = st.staff_id
            WHERE st.active = \(bind: true) AND 
            """ + condition + " ORDER BY st.staff_id")
        var order: [String] = []
        var byPerson: [String: [any SQLRow]] = [:]
        for row in rows {
            let id = try row.decode(column: "staff_id", as: String.self)
            if byPerson[id] == nil { order.append(id) }
            byPerson[id, default: []].append(row)
        }
        return try order.compactMap { try byPerson[$0].flatMap(Self.profile(from:)) }
    }

    /// Several people's names by staff ID (those not found are left out), for the pages that show them.
    /// `known`: names the caller has already (the viewer's own, from their session), read only for anyone else: a
    /// list of one's own work or requests then reads no names.
    func names(_ staffIds: [String], known: [String: String] = [:]) async throws -> [String: String] {
        let unknown = staffIds.filter { known[$0] == nil }
        return known.merging(try await staffColumn("name", of: unknown)) { known, _ in known }
    }

    /// Several people's email addresses by staff ID, for the outbox (the expiry job emails a thousand team leaders).
    func emails(_ staffIds: [String]) async throws -> [String: String] {
        try await staffColumn("email", of: staffIds)
    }

    /// One text column of several people's rows, by staff ID (those not found are left out), in one query.
    private func staffColumn(_ column: String, of staffIds: [String]) async throws -> [String: String] {
        guard !staffIds.isEmpty else { return [:] }
        var found: [String: String] = [:]
        for row in try await point.all("SELECT staff_id, \(ident: column) FROM staff WHERE staff_id IN (\(binds: staffIds))") {
            found[try row.decode(column: "staff_id", as: String.self)] = try row.decode(column: column, as: String.self)
        }
        return found
    }

    /// A person's email address, for the outbox.
    func email(_ staffId: String) async throws -> String? {
        try await emails([staffId])[staffId]
    }

    /// What a session token resolves to: the session's own columns and its person with their roles.
    struct SessionRow {
        let sessionId: UUID
        let role: Role?
        let csrfToken: String
        let expiresAt: Date
        /// When it was last used (its creation, until first used).
        let lastUsedAt: Date
        let profile: StaffProfile
        let mustChangePassword: Bool
        /// The change stamps, when read with the session (see `ChangeStamps`).
        let stamps: ChangeStamps?
    }

    /// The session with this token hash and kind, its person and their roles: one query on the unique token index,
    /// then the staff and staff_roles primary keys; with the change stamps too when asked (`ChangeStamps.wanted`).
    func session(tokenHash: String, kind: AuthSessionModel.Kind, withStamps: Bool = false) async throws -> SessionRow? {
        try Self.sessionRow(from: try await point.all(Self.sessionQuery(tokenHash: tokenHash, kind: kind, withStamps: withStamps)))
    }

    /// The same, read at once on SQLite's point-read connections; nil when there are none (PostgreSQL).
    func sessionNow(tokenHash: String, kind: AuthSessionModel.Kind, withStamps: Bool = false) throws -> SessionRow?? {
        try point.now(Self.sessionQuery(tokenHash: tokenHash, kind: kind, withStamps: withStamps)).map(Self.sessionRow(from:))
    }

    private static func sessionQuery(tokenHash: String, kind: AuthSessionModel.Kind, withStamps: Bool) -> SQLQueryString {
        let stamps: SQLQueryString = withStamps ? ", \(ChangeStamps.columns)" : ""
        return """
        SELECT s.id AS session_id, s.role AS session_role, s.csrf_token, s.expires_at, s.created_at AS session_created_at, s.last_used_at, \(unsafeRaw: Self.profileColumns)\(stamps)
        FROM auth_sessions s JOIN staff st ON st.staff_id = s.staff_id LEFT JOIN staff_roles r ON r.staff_id = st.staff_id
        WHERE s.token_hash = \(bind: tokenHash) AND s.kind = \(bind: kind.rawValue)
        """
    }

    private static func sessionRow(from rows: [any SQLRow]) throws -> SessionRow? {
        guard let first = rows.first, let profile = try Self.profile(from: rows) else { return nil }
        return SessionRow(
            sessionId: try first.decode(column: "session_id", as: UUID.self),
            role: try first.decode(column: "session_role", as: String?.self).map(Role.stored),
            csrfToken: try first.decode(column: "csrf_token", as: String.self),
            expiresAt: try first.decode(column: "expires_at", as: Date.self),
            lastUsedAt: try first.decode(column: "last_used_at", as: Date?.self) ?? first.decode(column: "session_created_at", as: Date.self),
            profile: profile,
            mustChangePassword: try first.decode(column: "must_change_password", as: Bool.self),
            stamps: first.contains(column: "directory_stamp") ? try ChangeStamps(row: first) : nil)
    }

    /// One profile from the rows of one person (one a role). A role the domain does not know is refused by name
    /// (`StoredValueInvalid`), as Fluent refuses it when it reads `StaffRoleModel.role`.
    static func profile(from rows: [any SQLRow]) throws -> StaffProfile? {
        guard let first = rows.first else { return nil }
        let id = try first.decode(column: "staff_id", as: String.self)
        let staffId = try StaffID.stored(id)
        let roles = try rows.compactMap { try $0.decode(column: "role", as: String?.self).map(Role.stored) }.sorted()
        return StaffProfile(
            staffId: staffId, name: try first.decode(column: "name", as: String.self),
            email: try first.decode(column: "email", as: String.self), phone: try first.decode(column: "phone", as: String.self),
            team: try first.decode(column: "team", as: String.self), grade: try first.decode(column: "grade", as: String.self),
            area: try first.decode(column: "area", as: String.self),
            teamLeaderStaffId: try first.decode(column: "team_leader_staff_id", as: String?.self).flatMap(StaffID.init),
            roles: roles, active: try first.decode(column: "active", as: Bool.self))
    }
}
