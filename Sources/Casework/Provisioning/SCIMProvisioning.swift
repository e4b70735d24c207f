import CaseworkCore
import Fluent
import Foundation
import SQLKit
import Vapor

/// An error answered in SCIM's error schema (RFC 7644 3.12): status, `scimType`, detail.
struct SCIMError: Error, CustomStringConvertible {
    let status: HTTPResponseStatus
    let scimType: String?
    let detail: String

    var description: String { detail }

    static func notFound(_ what: String) -> SCIMError { SCIMError(status: .notFound, scimType: nil, detail: "\(what) not found") }
    static func uniqueness(_ detail: String) -> SCIMError { SCIMError(status: .conflict, scimType: "uniqueness", detail: detail) }
    static func invalidValue(_ detail: String) -> SCIMError { SCIMError(status: .badRequest, scimType: "invalidValue", detail: detail) }
    static func mutability(_ detail: String) -> SCIMError { SCIMError(status: .badRequest, scimType: "mutability", detail: detail) }
}

/// Provisioning by the identity provider (SCIM 2.0): it keeps the directory (joiners, movers, leavers) and, through
/// groups, who holds which role. Every change goes through the write lane and is audited with the SCIM client as
/// the actor; a leaver's deactivation is `Directory.deactivate`, as an administrator's is.
struct SCIMProvisioning {
    let request: Request
    /// The client, as the audit trail names it.
    let client: String

    var actor: Actor { Actor(staffId: "scim:\(client)", role: nil) }
    var db: any Database { request.db }
    var base: String { request.casework.settings.mail.publicURL + "/scim/v2" }

    // MARK: Users

    func userDocument(_ staff: StaffModel) throws -> JSONValue {
        SCIMUser.document(try staff.profile(roles: []), userName: staff.userName ?? staff.id!, externalId: staff.externalId,
                          created: CaseworkTime.iso8601(staff.createdAt), lastModified: CaseworkTime.iso8601(staff.updatedAt),
                          location: "\(base)/Users/\(staff.id!)", provisioned: staff.userName != nil,
                          nameAttribute: staff.scimName.flatMap { try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) },
                          displayName: staff.scimDisplayName)
    }

    static let userAttributes: Set<String> = ["username", "name", "displayname", "active", "emails", "phonenumbers", "externalid", "schemas"]
    static let userExtensions: [String: Set<String>] = [SCIMSchemas.enterpriseUser: ["employeenumber", "department", "manager"]]
    static let groupAttributes: Set<String> = ["displayname", "members", "externalid", "schemas"]

    /// The provider's `name` as stored: JSON text.
    static func stored(_ name: JSONValue?) -> String? {
        guard let name else { return nil }
        return (try? JSONEncoder().encode(name)).map { String(decoding: $0, as: UTF8.self) }
    }

    func user(_ id: String) async throws -> StaffModel {
        guard let staff = try await StaffModel.find(id, on: db), staff.deletedAt == nil else { throw SCIMError.notFound("User \(id)") }
        return staff
    }

    /// Users matching a filter, a page at a time (1-based `startIndex`, as SCIM counts).
    func users(filter: SCIMFilter?, startIndex: Int, count: Int) async throws -> (total: Int, page: [JSONValue]) {
        var query = StaffModel.query(on: db).filter(\.$deletedAt == nil).sort(\.$id)
        if let userName = filter?.equality(on: "userName") {
            // Entra ID and Okta look people up by userName before anything else: one indexed read.
            query = query.group(.or) { $0.filter(\.$userName == userName).filter(\.$userName == userName.lowercased()).filter(\.$id == userName) }
        } else if let externalId = filter?.equality(on: "externalId") {
            query = query.filter(\.$externalId == externalId)
        }
        let documents = try await query.all().map(userDocument)
        let matching = filter.map { filter in documents.filter { filter.matches($0) } } ?? documents
        return (matching.count, Array(matching.dropFirst(max(0, startIndex - 1)).prefix(max(0, count))))
    }

    func createUser(_ document: JSONValue) async throws -> JSONValue {
        let user = try read(document)
        let actor = actor, client = client
        let id = try await request.write { ctx -> String in
            if try await StaffModel.find(user.staffId.value, on: ctx.db) != nil {
                throw SCIMError.uniqueness("a user with employeeNumber \(user.staffId.value) already exists")
            }
            try await Self.checkUnique(userName: user.userName, except: nil, on: ctx.db)
            try await Self.checkManager(user, on: ctx.db)
            let profile = StaffProfile(staffId: user.staffId, name: user.name, email: user.email, phone: user.phone, team: user.team,
                                       grade: "", area: "", teamLeaderStaffId: user.teamLeaderStaffId, roles: [])
            let staff = StaffModel(profile: profile, now: ctx.now)
            staff.userName = user.userName
            staff.externalId = user.externalId
            staff.scimName = Self.stored(user.nameAttribute)
            staff.scimDisplayName = user.displayName
            staff.active = user.active
            try await staff.create(on: ctx.db)
            try await ctx.audit(AuditEntry(actor, "staff.create", subjectType: "staff", subjectId: user.staffId.value,
                                           detail: "provisioned \(user.name) (\(user.userName)) by SCIM client \(client)\(user.active ? "" : ", inactive")"))
            return user.staffId.value
        }
        return try userDocument(try await self.user(id))
    }

    /// PUT: the whole person as the document says. A patched document is replaced the same way.
    func replaceUser(_ id: String, with document: JSONValue) async throws -> JSONValue {
        let wanted = try read(document)
        guard wanted.staffId.value == id else {
            throw SCIMError.mutability("employeeNumber is the staff ID and cannot change (\(id) to \(wanted.staffId.value)): create a new user instead")
        }
        let actor = actor
        try await request.write { ctx in
            guard let staff = try await StaffModel.find(id, on: ctx.db), staff.deletedAt == nil else { throw SCIMError.notFound("User \(id)") }
            try await Self.checkUnique(userName: wanted.userName, except: id, on: ctx.db)
            try await Self.checkManager(wanted, on: ctx.db)
            if try await Directory.wouldCreateLeaderCycle(staffId: id, leader: wanted.teamLeaderStaffId?.value, in: FluentDirectoryRepository(db: ctx.db)) {
                throw SCIMError.invalidValue("manager \(wanted.teamLeaderStaffId!.value) reports to \(id): a team leader cannot report to their own team member")
            }
            let before = try staff.profile(roles: [])
            let profile = StaffProfile(staffId: wanted.staffId, name: wanted.name, email: wanted.email, phone: wanted.phone, team: wanted.team,
                                       grade: staff.grade, area: staff.area, teamLeaderStaffId: wanted.teamLeaderStaffId, roles: [])
            staff.apply(profile, now: ctx.now)
            staff.userName = wanted.userName
            staff.externalId = wanted.externalId
            staff.scimName = Self.stored(wanted.nameAttribute)
            staff.scimDisplayName = wanted.displayName
            try await staff.save(on: ctx.db)
            let changes = Directory.describeChanges(before: before, after: profile)
            if !changes.isEmpty {
                try await ctx.audit(AuditEntry(actor, "staff.update", subjectType: "staff", subjectId: id, detail: changes))
            }
            if staff.active && !wanted.active {
                try await Directory.deactivate(staff, by: actor, in: FluentDirectoryRepository(db: ctx.db), on: ctx)
            } else if !staff.active && wanted.active {
                staff.active = true
                try await staff.save(on: ctx.db)
                try await ctx.audit(AuditEntry(actor, "staff.reactivate", subjectType: "staff", subjectId: id, detail: "reactivated"))
            }
        }
        return try userDocument(try await user(id))
    }

    func patchUser(_ id: String, _ body: JSONValue) async throws -> JSONValue {
        let operations = try SCIMPatch.operations(from: body)
        try SCIMPatch.check(operations, attributes: Self.userAttributes, extensions: Self.userExtensions)
        if operations.contains(where: { $0.op == .remove && $0.path?.lowercased() == "active" }) {
            throw SCIMError.invalidValue("active is required: replace it with false to deactivate the person")
        }
        let patched = try SCIMPatch.apply(operations, to: userDocument(try await user(id)))
        return try await replaceUser(id, with: patched)
    }

    /// DELETE: the person is deactivated (ending everything `Directory.deactivate` ends) and kept for the audit
    /// trail, marked deleted; SCIM answers 404 for them from now on.
    func deleteUser(_ id: String) async throws {
        let actor = actor
        let roles = request.casework.settings.scimGroupRoles
        try await request.write { ctx in
            guard let staff = try await StaffModel.find(id, on: ctx.db), staff.deletedAt == nil else { throw SCIMError.notFound("User \(id)") }
            if staff.active { try await Directory.deactivate(staff, by: actor, in: FluentDirectoryRepository(db: ctx.db), on: ctx) }
            staff.deletedAt = ctx.now
            try await staff.save(on: ctx.db)
            let groups = try await Self.groupsOf(id, on: ctx.db)
            try await (ctx.db as! any SQLDatabase).raw("DELETE FROM scim_group_members WHERE staff_id = \(bind: id)").run()
            for group in groups { try await Self.syncRole(of: group.name, for: [id], roles: roles, actor: actor, on: ctx) }
            try await ctx.audit(AuditEntry(actor, "staff.delete", subjectType: "staff", subjectId: id, detail: "deleted by the identity provider; kept for the audit trail"))
        }
    }

    private func read(_ document: JSONValue) throws -> SCIMUser {
        do { return try SCIMUser.read(document) } catch { throw SCIMError.invalidValue(error.description) }
    }

    static func checkUnique(userName: String, except id: String?, on db: any Database) async throws {
        let holders = try await StaffModel.query(on: db).filter(\.$userName == userName).all()
        if holders.contains(where: { $0.id != id }) { throw SCIMError.uniqueness("userName \(userName) is already taken") }
    }

    static func checkManager(_ user: SCIMUser, on db: any Database) async throws {
        guard let leader = user.teamLeaderStaffId else { return }
        guard let found = try await StaffModel.find(leader.value, on: db), found.deletedAt == nil else {
            throw SCIMError.invalidValue("manager \(leader.value) is not a user here: provision the manager first")
        }
    }

    // MARK: Groups

    struct GroupRow: Decodable, Sendable {
        let id: UUID
        let display_name: String
        let external_id: String?
        let created_at: Date
        let updated_at: Date
        var name: String { display_name }
    }

    func groupDocument(_ group: GroupRow, members: [(id: String, name: String)]) -> JSONValue {
        var document: [String: JSONValue] = [
            "schemas": .array([.string(SCIMSchemas.group)]),
            "id": .string(group.id.uuidString),
            "displayName": .string(group.display_name),
            // No `display`: a client compares the members it sent with those returned, and a name it did not send
            // reads to it as a change. The member's name is at its $ref.
            "members": .array(members.map { .object(["value": .string($0.id), "$ref": .string("\(base)/Users/\($0.id)"), "type": .string("User")]) }),
            "meta": .object(["resourceType": .string("Group"), "created": .string(CaseworkTime.iso8601(group.created_at)),
                             "lastModified": .string(CaseworkTime.iso8601(group.updated_at)), "location": .string("\(base)/Groups/\(group.id.uuidString)"),
                             "version": .string("W/\"\(CaseworkTime.iso8601(group.updated_at))\"")]),
        ]
        if let external = group.external_id { document["externalId"] = .string(external) }
        return .object(document)
    }

    func group(_ id: String) async throws -> JSONValue {
        guard let uuid = UUID(uuidString: id), let row = try await Self.groupRow(uuid, on: db) else { throw SCIMError.notFound("Group \(id)") }
        return groupDocument(row, members: try await Self.members(of: uuid, on: db))
    }

    func groups(filter: SCIMFilter?, startIndex: Int, count: Int, withMembers: Bool) async throws -> (total: Int, page: [JSONValue]) {
        let sql = db as! any SQLDatabase
        var rows = try await sql.raw("SELECT id, display_name, external_id, created_at, updated_at FROM scim_groups ORDER BY display_name").all(decoding: GroupRow.self)
        if let name = filter?.equality(on: "displayName") { rows = rows.filter { $0.display_name.caseInsensitiveCompare(name) == .orderedSame } }
        var documents: [JSONValue] = []
        for row in rows {
            documents.append(groupDocument(row, members: withMembers || filter != nil ? try await Self.members(of: row.id, on: db) : []))
        }
        let matching = filter.map { filter in documents.filter { filter.matches($0) } } ?? documents
        var page = Array(matching.dropFirst(max(0, startIndex - 1)).prefix(max(0, count)))
        if !withMembers { page = page.map { Self.without("members", $0) } }
        return (matching.count, page)
    }

    func createGroup(_ document: JSONValue) async throws -> JSONValue {
        let (name, externalId, listed) = try readGroup(document)
        let actor = actor, roles = request.casework.settings.scimGroupRoles
        let id = UUID()
        try await request.write { ctx in
            let sql = ctx.db as! any SQLDatabase
            if try await Self.groupNamed(name, on: ctx.db) != nil { throw SCIMError.uniqueness("a group named \(name) already exists") }
            let (members, unknown) = try await Self.knownMembers(listed, on: ctx.db)
            try await sql.raw("""
                INSERT INTO scim_groups (id, display_name, external_id, created_at, updated_at)
                VALUES (\(bind: id), \(bind: name), \(bind: externalId), \(bind: ctx.now), \(bind: ctx.now))
                """).run()
            for member in members { try await sql.raw("INSERT INTO scim_group_members (group_id, staff_id) VALUES (\(bind: id), \(bind: member))").run() }
            try await ctx.audit(AuditEntry(actor, "group.create", subjectType: "group", subjectId: id.uuidString,
                                           detail: "group \(name) with \(members.count) member(s)\(Self.role(of: name, roles).map { ", giving the role \($0.rawValue)" } ?? "")\(Self.leftOut(unknown))"))
            try await Self.syncRole(of: name, for: members, roles: roles, actor: actor, on: ctx)
        }
        return try await group(id.uuidString)
    }

    func replaceGroup(_ id: String, with document: JSONValue) async throws -> JSONValue {
        guard let uuid = UUID(uuidString: id) else { throw SCIMError.notFound("Group \(id)") }
        let (name, externalId, listed) = try readGroup(document)
        let actor = actor, roles = request.casework.settings.scimGroupRoles
        try await request.write { ctx in
            let sql = ctx.db as! any SQLDatabase
            guard let row = try await Self.groupRow(uuid, on: ctx.db) else { throw SCIMError.notFound("Group \(id)") }
            if let other = try await Self.groupNamed(name, on: ctx.db), other.id != uuid { throw SCIMError.uniqueness("a group named \(name) already exists") }
            let (members, unknown) = try await Self.knownMembers(listed, on: ctx.db)
            let before = try await Self.members(of: uuid, on: ctx.db).map(\.id)
            try await sql.raw("""
                UPDATE scim_groups SET display_name = \(bind: name), external_id = \(bind: externalId), updated_at = \(bind: ctx.now) WHERE id = \(bind: uuid)
                """).run()
            try await sql.raw("DELETE FROM scim_group_members WHERE group_id = \(bind: uuid)").run()
            for member in members { try await sql.raw("INSERT INTO scim_group_members (group_id, staff_id) VALUES (\(bind: uuid), \(bind: member))").run() }
            let added = Set(members).subtracting(before), removed = Set(before).subtracting(members)
            try await ctx.audit(AuditEntry(actor, "group.update", subjectType: "group", subjectId: id,
                                           detail: "group \(name): \(added.count) member(s) added, \(removed.count) removed\(row.name == name ? "" : "; renamed from \(row.name)")\(Self.leftOut(unknown))"))
            let everyone = Array(Set(before).union(members))
            try await Self.syncRole(of: row.name, for: everyone, roles: roles, actor: actor, on: ctx)
            if row.name != name { try await Self.syncRole(of: name, for: everyone, roles: roles, actor: actor, on: ctx) }
        }
        return try await group(id)
    }

    func patchGroup(_ id: String, _ body: JSONValue) async throws -> JSONValue {
        let current = try await group(id)
        let operations = try SCIMPatch.operations(from: body)
        try SCIMPatch.check(operations, attributes: Self.groupAttributes, extensions: [:])
        let patched = try SCIMPatch.apply(operations, to: current)
        return try await replaceGroup(id, with: patched)
    }

    func deleteGroup(_ id: String) async throws {
        guard let uuid = UUID(uuidString: id) else { throw SCIMError.notFound("Group \(id)") }
        let actor = actor, roles = request.casework.settings.scimGroupRoles
        try await request.write { ctx in
            guard let row = try await Self.groupRow(uuid, on: ctx.db) else { throw SCIMError.notFound("Group \(id)") }
            let members = try await Self.members(of: uuid, on: ctx.db).map(\.id)
            let sql = ctx.db as! any SQLDatabase
            try await sql.raw("DELETE FROM scim_group_members WHERE group_id = \(bind: uuid)").run()
            try await sql.raw("DELETE FROM scim_groups WHERE id = \(bind: uuid)").run()
            try await ctx.audit(AuditEntry(actor, "group.delete", subjectType: "group", subjectId: id, detail: "group \(row.name) deleted"))
            try await Self.syncRole(of: row.name, for: members, roles: roles, actor: actor, on: ctx)
        }
    }

    private func readGroup(_ document: JSONValue) throws -> (name: String, externalId: String?, members: [String]) {
        guard let name = document["displayName"]?.string?.trimmingCharacters(in: .whitespaces), !name.isEmpty else {
            throw SCIMError.invalidValue("displayName is required")
        }
        let listed = document["members"]?.array ?? []
        if let other = listed.first(where: { ($0["type"]?.string).map { $0 != "User" } ?? false }) {
            throw SCIMError.invalidValue("members are Users here; a member of type \(other["type"]?.string ?? "") cannot be added")
        }
        let members = listed.compactMap { $0["value"]?.string }
        return (name, document["externalId"]?.string, Array(Set(members)).sorted())
    }

    static func without(_ attribute: String, _ document: JSONValue) -> JSONValue {
        guard case .object(var object) = document else { return document }
        object[attribute] = nil
        return .object(object)
    }

    static func groupRow(_ id: UUID, on db: any Database) async throws -> GroupRow? {
        try await (db as! any SQLDatabase).raw("SELECT id, display_name, external_id, created_at, updated_at FROM scim_groups WHERE id = \(bind: id)")
            .first(decoding: GroupRow.self)
    }

    static func groupNamed(_ name: String, on db: any Database) async throws -> GroupRow? {
        try await (db as! any SQLDatabase).raw("SELECT id, display_name, external_id, created_at, updated_at FROM scim_groups WHERE lower(display_name) = \(bind: name.lowercased())")
            .first(decoding: GroupRow.self)
    }

    static func members(of group: UUID, on db: any Database) async throws -> [(id: String, name: String)] {
        struct Row: Decodable { let staff_id: String; let name: String }
        return try await (db as! any SQLDatabase).raw("""
            SELECT m.staff_id, s.name FROM scim_group_members m JOIN staff s ON s.staff_id = m.staff_id WHERE m.group_id = \(bind: group) ORDER BY m.staff_id
            """).all(decoding: Row.self).map { ($0.staff_id, $0.name) }
    }

    static func groupsOf(_ staffId: String, on db: any Database) async throws -> [GroupRow] {
        try await (db as! any SQLDatabase).raw("""
            SELECT g.id, g.display_name, g.external_id, g.created_at, g.updated_at FROM scim_groups g
            JOIN scim_group_members m ON m.group_id = g.id WHERE m.staff_id = \(bind: staffId)
            """).all(decoding: GroupRow.self)
    }

    /// The members that are users here, and the references that are not. A reference to no user is left out rather
    /// than refused: a user's id is given by Casework, so it can never come to name someone later; leaving it out
    /// gives no one a role (it fails closed); the group the answer shows is the group as kept, so the client sees
    /// it; and Entra ID and Okta carry on with the rest of a change instead of retrying one that cannot succeed.
    static func knownMembers(_ members: [String], on db: any Database) async throws -> (known: [String], unknown: [String]) {
        var known: [String] = [], unknown: [String] = []
        for member in members {
            if let staff = try await StaffModel.find(member, on: db), staff.deletedAt == nil { known.append(member) } else { unknown.append(member) }
        }
        return (known, unknown)
    }

    /// What the audit event says of member references left out (see `knownMembers`).
    static func leftOut(_ unknown: [String]) -> String {
        unknown.isEmpty ? "" : "; left out \(unknown.count) member reference(s) to no user here: \(unknown.map { String($0.prefix(64)) }.joined(separator: ", "))"
    }

    /// The role a group gives: its name is a role's API name, or CASEWORK_SCIM_GROUP_ROLES maps it.
    static func role(of groupName: String, _ mapped: [String: Role]) -> Role? {
        Role.allCases.first { $0.rawValue.caseInsensitiveCompare(groupName) == .orderedSame } ?? mapped[groupName.lowercased()]
    }

    /// Makes each person's hold on the role a group gives match their membership of any group giving it: given when
    /// they are in one, taken (and their sessions acting in it ended) when they are in none.
    static func syncRole(of groupName: String, for staffIds: [String], roles mapped: [String: Role], actor: Actor, on ctx: WriteContext) async throws {
        guard let role = role(of: groupName, mapped), !staffIds.isEmpty else { return }
        struct Row: Decodable { let display_name: String; let staff_id: String }
        let sql = ctx.db as! any SQLDatabase
        let memberships = try await sql.raw("""
            SELECT g.display_name, m.staff_id FROM scim_groups g JOIN scim_group_members m ON m.group_id = g.id
            """).all(decoding: Row.self)
        let holders = Set(memberships.filter { Self.role(of: $0.display_name, mapped) == role }.map(\.staff_id))
        for staffId in staffIds {
            let has = try await StaffRoleModel.query(on: ctx.db).filter(\.$staff.$id == staffId).filter(\.$role == role).count() > 0
            let wanted = holders.contains(staffId)
            if wanted && !has {
                try await StaffRoleModel(staffId: staffId, role: role).create(on: ctx.db)
                try await ctx.audit(AuditEntry(actor, "staff.update", subjectType: "staff", subjectId: staffId, detail: "roles: given \(role.rawValue) (group \(groupName))"))
            } else if !wanted && has {
                try await StaffRoleModel.query(on: ctx.db).filter(\.$staff.$id == staffId).filter(\.$role == role).delete()
                // A role taken away stops working now, as when an administrator takes it.
                try await AuthSessionModel.query(on: ctx.db).filter(\.$staff.$id == staffId).filter(\.$role == role).delete()
                try await ctx.audit(AuditEntry(actor, "staff.update", subjectType: "staff", subjectId: staffId, detail: "roles: taken \(role.rawValue) (group \(groupName))"))
            }
        }
    }
}
