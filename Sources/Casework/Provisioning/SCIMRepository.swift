import CaseworkCore
import Fluent
import Foundation
import SQLKit

/// A SCIM group as stored.
struct SCIMGroupRow: Decodable, Sendable {
    let id: UUID
    let display_name: String
    let external_id: String?
    let created_at: Date
    let updated_at: Date
    var name: String { display_name }
}

/// The rows provisioning reads and writes: people as the identity provider keeps them, its groups and their
/// members, and the roles groups give. `SCIMProvisioning` keeps the rules (uniqueness, managers, which group gives
/// which role) and asks this for rows; `FluentSCIMRepository` is the database's.
protocol SCIMRepository: Sendable {
    /// The name of the client holding this live (unrevoked) token, by its hash.
    func client(tokenHash: String) async throws -> String?

    // MARK: Users
    /// A person's row, deleted or not.
    func staff(_ staffId: String) async throws -> StaffModel?
    /// People not deleted, by staff ID; only those whose userName (as given, or lower-cased) or staff ID is
    /// `userName`, or whose externalId is `externalId`, when one is given.
    func people(userName: String?, externalId: String?) async throws -> [StaffModel]
    /// Everyone holding this userName, deleted or not.
    func holders(ofUserName userName: String) async throws -> [StaffModel]
    func add(_ staff: StaffModel) async throws
    func save(_ staff: StaffModel) async throws

    // MARK: Groups
    func group(_ id: UUID) async throws -> SCIMGroupRow?
    /// The group with this name, case ignored.
    func group(named name: String) async throws -> SCIMGroupRow?
    /// Every group, by name.
    func groups() async throws -> [SCIMGroupRow]
    /// The groups a person is a member of.
    func groups(of staffId: String) async throws -> [SCIMGroupRow]
    /// A group's members with their names, by staff ID.
    func members(of group: UUID) async throws -> [(id: String, name: String)]
    /// Every membership, as (group name, staff ID).
    func memberships() async throws -> [(group: String, staffId: String)]
    func addGroup(_ id: UUID, name: String, externalId: String?, at now: Date) async throws
    func updateGroup(_ id: UUID, name: String, externalId: String?, at now: Date) async throws
    func deleteGroup(_ id: UUID) async throws
    /// Makes a group's members exactly these.
    func setMembers(of group: UUID, to staffIds: [String]) async throws
    /// Takes a person out of every group.
    func leaveAllGroups(_ staffId: String) async throws

    // MARK: Roles
    func holds(_ role: Role, _ staffId: String) async throws -> Bool
    func give(_ role: Role, to staffId: String) async throws
    /// Takes a role away, ending the person's sessions acting in it.
    func take(_ role: Role, from staffId: String) async throws
}

/// Provisioning's rows through Fluent and SQL, on the database it is made for (the write lane's in every change).
struct FluentSCIMRepository: SCIMRepository {
    let db: any Database

    private var sql: any SQLDatabase { db as! any SQLDatabase }
    private static let groupColumns: SQLQueryString = "id, display_name, external_id, created_at, updated_at"

    func client(tokenHash: String) async throws -> String? {
        struct Row: Decodable { let name: String }
        return try await sql.raw("SELECT name FROM scim_tokens WHERE token_hash = \(bind: tokenHash) AND revoked_at IS NULL")
            .first(decoding: Row.self)?.name
    }

    func staff(_ staffId: String) async throws -> StaffModel? {
        try await StaffModel.find(staffId, on: db)
    }

    func people(userName: String?, externalId: String?) async throws -> [StaffModel] {
        var query = StaffModel.query(on: db).filter(\.$deletedAt == nil).sort(\.$id)
        if let userName {
            // Entra ID and Okta look people up by userName before anything else: one indexed read.
            query = query.group(.or) { $0.filter(\.$userName == userName).filter(\.$userName == userName.lowercased()).filter(\.$id == userName) }
        } else if let externalId {
            query = query.filter(\.$externalId == externalId)
        }
        return try await query.all()
    }

    func holders(ofUserName userName: String) async throws -> [StaffModel] {
        try await StaffModel.query(on: db).filter(\.$userName == userName).all()
    }

    func add(_ staff: StaffModel) async throws {
        try await staff.create(on: db)
    }

    func save(_ staff: StaffModel) async throws {
        try await staff.save(on: db)
    }

    func group(_ id: UUID) async throws -> SCIMGroupRow? {
        try await sql.raw("SELECT \(Self.groupColumns) FROM scim_groups WHERE id = \(bind: id)").first(decoding: SCIMGroupRow.self)
    }

    func group(named name: String) async throws -> SCIMGroupRow? {
        try await sql.raw("SELECT \(Self.groupColumns) FROM scim_groups WHERE lower(display_name) = \(bind: name.lowercased())")
            .first(decoding: SCIMGroupRow.self)
    }

    func groups() async throws -> [SCIMGroupRow] {
        try await sql.raw("SELECT \(Self.groupColumns) FROM scim_groups ORDER BY display_name").all(decoding: SCIMGroupRow.self)
    }

    func groups(of staffId: String) async throws -> [SCIMGroupRow] {
        try await sql.raw("""
            SELECT g.id, g.display_name, g.external_id, g.created_at, g.updated_at FROM scim_groups g
            JOIN scim_group_members m ON m.group_id = g.id WHERE m.staff_id = \(bind: staffId)
            """).all(decoding: SCIMGroupRow.self)
    }

    func members(of group: UUID) async throws -> [(id: String, name: String)] {
        struct Row: Decodable { let staff_id: String; let name: String }
        return try await sql.raw("""
            SELECT m.staff_id, s.name FROM scim_group_members m JOIN staff s ON s.staff_id = m.staff_id WHERE m.group_id = \(bind: group) ORDER BY m.staff_id
            """).all(decoding: Row.self).map { ($0.staff_id, $0.name) }
    }

    func memberships() async throws -> [(group: String, staffId: String)] {
        struct Row: Decodable { let display_name: String; let staff_id: String }
        return try await sql.raw("SELECT g.display_name, m.staff_id FROM scim_groups g JOIN scim_group_members m ON m.group_id = g.id")
            .all(decoding: Row.self).map { ($0.display_name, $0.staff_id) }
    }

    func addGroup(_ id: UUID, name: String, externalId: String?, at now: Date) async throws {
        try await sql.raw("""
            INSERT INTO scim_groups (id, display_name, external_id, created_at, updated_at)
            VALUES (\(bind: id), \(bind: name), \(bind: externalId), \(bind: now), \(bind: now))
            """).run()
    }

    func updateGroup(_ id: UUID, name: String, externalId: String?, at now: Date) async throws {
        try await sql.raw("""
            UPDATE scim_groups SET display_name = \(bind: name), external_id = \(bind: externalId), updated_at = \(bind: now) WHERE id = \(bind: id)
            """).run()
    }

    func deleteGroup(_ id: UUID) async throws {
        try await sql.raw("DELETE FROM scim_group_members WHERE group_id = \(bind: id)").run()
        try await sql.raw("DELETE FROM scim_groups WHERE id = \(bind: id)").run()
    }

    func setMembers(of group: UUID, to staffIds: [String]) async throws {
        try await sql.raw("DELETE FROM scim_group_members WHERE group_id = \(bind: group)").run()
        for member in staffIds { try await sql.raw("INSERT INTO scim_group_members (group_id, staff_id) VALUES (\(bind: group), \(bind: member))").run() }
    }

    func leaveAllGroups(_ staffId: String) async throws {
        try await sql.raw("DELETE FROM scim_group_members WHERE staff_id = \(bind: staffId)").run()
    }

    func holds(_ role: Role, _ staffId: String) async throws -> Bool {
        try await StaffRoleModel.query(on: db).filter(\.$staff.$id == staffId).filter(\.$role == role).count() > 0
    }

    func give(_ role: Role, to staffId: String) async throws {
        try await StaffRoleModel(staffId: staffId, role: role).create(on: db)
    }

    func take(_ role: Role, from staffId: String) async throws {
        try await StaffRoleModel.query(on: db).filter(\.$staff.$id == staffId).filter(\.$role == role).delete()
        // A role taken away stops working now, as when an administrator takes it.
        try await AuthSessionModel.query(on: db).filter(\.$staff.$id == staffId).filter(\.$role == role).delete()
    }
}
