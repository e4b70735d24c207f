import CaseworkCore
import Fluent
import Foundation
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
    let context: ServiceContext
    /// The client, as the audit trail names it.
    let client: String
    /// Where this service is reached, for each resource's `location`.
    let base: String
    /// Group names mapped to roles (CASEWORK_SCIM_GROUP_ROLES), beside those named as a role.
    let groupRoles: [String: Role]
    let repository: @Sendable (any Database) -> any SCIMRepository

    init(context: ServiceContext, client: String, base: String, groupRoles: [String: Role],
         repository: @escaping @Sendable (any Database) -> any SCIMRepository = SCIMProvisioning.fluent) {
        (self.context, self.client, self.base, self.groupRoles, self.repository) = (context, client, base, groupRoles, repository)
    }

    init(request: Request, client: String) {
        let settings = request.casework.settings
        self.init(context: request.service, client: client, base: settings.mail.publicURL + "/scim/v2", groupRoles: settings.scimGroupRoles)
    }

    static let fluent: @Sendable (any Database) -> any SCIMRepository = { FluentSCIMRepository(db: $0) }

    var actor: Actor { Actor(staffId: "scim:\(client)", role: nil) }
    /// Rows read outside the write lane.
    private var stored: any SCIMRepository { repository(context.db) }

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
        guard let staff = try await stored.staff(id), staff.deletedAt == nil else { throw SCIMError.notFound("User \(id)") }
        return staff
    }

    /// Users matching a filter, a page at a time (1-based `startIndex`, as SCIM counts).
    func users(filter: SCIMFilter?, startIndex: Int, count: Int) async throws -> (total: Int, page: [JSONValue]) {
        let documents = try await stored.people(userName: filter?.equality(on: "userName"), externalId: filter?.equality(on: "externalId"))
            .map(userDocument)
        let matching = filter.map { filter in documents.filter { filter.matches($0) } } ?? documents
        return (matching.count, Array(matching.dropFirst(max(0, startIndex - 1)).prefix(max(0, count))))
    }

    func createUser(_ document: JSONValue) async throws -> JSONValue {
        let user = try read(document)
        let actor = actor, client = client, repository = repository
        let id = try await context.write { ctx -> String in
            let stored = repository(ctx.db)
            if try await stored.staff(user.staffId.value) != nil {
                throw SCIMError.uniqueness("a user with employeeNumber \(user.staffId.value) already exists")
            }
            try await Self.checkUnique(userName: user.userName, except: nil, in: stored)
            try await Self.checkManager(user, in: stored)
            let profile = StaffProfile(staffId: user.staffId, name: user.name, email: user.email, phone: user.phone, team: user.team,
                                       grade: "", area: "", teamLeaderStaffId: user.teamLeaderStaffId, roles: [])
            let staff = StaffModel(profile: profile, now: ctx.now)
            staff.userName = user.userName
            staff.externalId = user.externalId
            staff.scimName = Self.stored(user.nameAttribute)
            staff.scimDisplayName = user.displayName
            staff.active = user.active
            try await stored.add(staff)
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
        let actor = actor, repository = repository, directory = context.directory.repository
        try await context.write { ctx in
            let stored = repository(ctx.db)
            guard let staff = try await stored.staff(id), staff.deletedAt == nil else { throw SCIMError.notFound("User \(id)") }
            try await Self.checkUnique(userName: wanted.userName, except: id, in: stored)
            try await Self.checkManager(wanted, in: stored)
            if try await Directory.wouldCreateLeaderCycle(staffId: id, leader: wanted.teamLeaderStaffId?.value, in: directory(ctx.db)) {
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
            try await stored.save(staff)
            let changes = Directory.describeChanges(before: before, after: profile)
            if !changes.isEmpty {
                try await ctx.audit(AuditEntry(actor, "staff.update", subjectType: "staff", subjectId: id, detail: changes))
            }
            if staff.active && !wanted.active {
                try await Directory.deactivate(staff, by: actor, in: directory(ctx.db), on: ctx)
            } else if !staff.active && wanted.active {
                staff.active = true
                try await stored.save(staff)
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
        let actor = actor, roles = groupRoles, repository = repository, directory = context.directory.repository
        try await context.write { ctx in
            let stored = repository(ctx.db)
            guard let staff = try await stored.staff(id), staff.deletedAt == nil else { throw SCIMError.notFound("User \(id)") }
            if staff.active { try await Directory.deactivate(staff, by: actor, in: directory(ctx.db), on: ctx) }
            staff.deletedAt = ctx.now
            try await stored.save(staff)
            let groups = try await stored.groups(of: id)
            try await stored.leaveAllGroups(id)
            for group in groups { try await Self.syncRole(of: group.name, for: [id], roles: roles, actor: actor, in: stored, ctx: ctx) }
            try await ctx.audit(AuditEntry(actor, "staff.delete", subjectType: "staff", subjectId: id, detail: "deleted by the identity provider; kept for the audit trail"))
        }
    }

    private func read(_ document: JSONValue) throws -> SCIMUser {
        do { return try SCIMUser.read(document) } catch { throw SCIMError.invalidValue(error.description) }
    }

    static func checkUnique(userName: String, except id: String?, in stored: any SCIMRepository) async throws {
        let holders = try await stored.holders(ofUserName: userName)
        if holders.contains(where: { $0.id != id }) { throw SCIMError.uniqueness("userName \(userName) is already taken") }
    }

    static func checkManager(_ user: SCIMUser, in stored: any SCIMRepository) async throws {
        guard let leader = user.teamLeaderStaffId else { return }
        guard let found = try await stored.staff(leader.value), found.deletedAt == nil else {
            throw SCIMError.invalidValue("manager \(leader.value) is not a user here: provision the manager first")
        }
    }

    // MARK: Groups

    typealias GroupRow = SCIMGroupRow

    func groupDocument(_ group: GroupRow, members: [(id: String, name: String)]) -> JSONValue {
        var document: [String: JSONValue] = [
            "schemas": .array([.string(SCIMSchemas.group)]),
            "id": .string(group.id.text),
            "displayName": .string(group.display_name),
            // No `display`: a client compares the members it sent with those returned, and a name it did not send
            // reads to it as a change. The member's name is at its $ref.
            "members": .array(members.map { .object(["value": .string($0.id), "$ref": .string("\(base)/Users/\($0.id)"), "type": .string("User")]) }),
            "meta": .object(["resourceType": .string("Group"), "created": .string(CaseworkTime.iso8601(group.created_at)),
                             "lastModified": .string(CaseworkTime.iso8601(group.updated_at)), "location": .string("\(base)/Groups/\(group.id.text)"),
                             "version": .string("W/\"\(CaseworkTime.iso8601(group.updated_at))\"")]),
        ]
        if let external = group.external_id { document["externalId"] = .string(external) }
        return .object(document)
    }

    func group(_ id: String) async throws -> JSONValue {
        guard let uuid = UUID(uuidString: id), let row = try await stored.group(uuid) else { throw SCIMError.notFound("Group \(id)") }
        return groupDocument(row, members: try await stored.members(of: uuid))
    }

    func groups(filter: SCIMFilter?, startIndex: Int, count: Int, withMembers: Bool) async throws -> (total: Int, page: [JSONValue]) {
        let stored = stored
        var rows = try await stored.groups()
        if let name = filter?.equality(on: "displayName") { rows = rows.filter { $0.display_name.caseInsensitiveCompare(name) == .orderedSame } }
        var documents: [JSONValue] = []
        for row in rows {
            documents.append(groupDocument(row, members: withMembers || filter != nil ? try await stored.members(of: row.id) : []))
        }
        let matching = filter.map { filter in documents.filter { filter.matches($0) } } ?? documents
        var page = Array(matching.dropFirst(max(0, startIndex - 1)).prefix(max(0, count)))
        if !withMembers { page = page.map { Self.without("members", $0) } }
        return (matching.count, page)
    }

    func createGroup(_ document: JSONValue) async throws -> JSONValue {
        let (name, externalId, listed) = try readGroup(document)
        let actor = actor, roles = groupRoles, repository = repository
        let id = UUID()
        try await context.write { ctx in
            let stored = repository(ctx.db)
            if try await stored.group(named: name) != nil { throw SCIMError.uniqueness("a group named \(name) already exists") }
            let (members, unknown) = try await Self.knownMembers(listed, in: stored)
            try await stored.addGroup(id, name: name, externalId: externalId, at: ctx.now)
            try await stored.setMembers(of: id, to: members)
            try await ctx.audit(AuditEntry(actor, "group.create", subjectType: "group", subjectId: id.text,
                                           detail: "group \(name) with \(members.count) member(s)\(Self.role(of: name, roles).map { ", giving the role \($0.rawValue)" } ?? "")\(Self.leftOut(unknown))"))
            try await Self.syncRole(of: name, for: members, roles: roles, actor: actor, in: stored, ctx: ctx)
        }
        return try await group(id.text)
    }

    func replaceGroup(_ id: String, with document: JSONValue) async throws -> JSONValue {
        guard let uuid = UUID(uuidString: id) else { throw SCIMError.notFound("Group \(id)") }
        let (name, externalId, listed) = try readGroup(document)
        let actor = actor, roles = groupRoles, repository = repository
        try await context.write { ctx in
            let stored = repository(ctx.db)
            guard let row = try await stored.group(uuid) else { throw SCIMError.notFound("Group \(id)") }
            if let other = try await stored.group(named: name), other.id != uuid { throw SCIMError.uniqueness("a group named \(name) already exists") }
            let (members, unknown) = try await Self.knownMembers(listed, in: stored)
            let before = try await stored.members(of: uuid).map(\.id)
            try await stored.updateGroup(uuid, name: name, externalId: externalId, at: ctx.now)
            try await stored.setMembers(of: uuid, to: members)
            let added = Set(members).subtracting(before), removed = Set(before).subtracting(members)
            try await ctx.audit(AuditEntry(actor, "group.update", subjectType: "group", subjectId: id,
                                           detail: "group \(name): \(added.count) member(s) added, \(removed.count) removed\(row.name == name ? "" : "; renamed from \(row.name)")\(Self.leftOut(unknown))"))
            let everyone = Array(Set(before).union(members))
            try await Self.syncRole(of: row.name, for: everyone, roles: roles, actor: actor, in: stored, ctx: ctx)
            if row.name != name { try await Self.syncRole(of: name, for: everyone, roles: roles, actor: actor, in: stored, ctx: ctx) }
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
        let actor = actor, roles = groupRoles, repository = repository
        try await context.write { ctx in
            let stored = repository(ctx.db)
            guard let row = try await stored.group(uuid) else { throw SCIMError.notFound("Group \(id)") }
            let members = try await stored.members(of: uuid).map(\.id)
            try await stored.deleteGroup(uuid)
            try await ctx.audit(AuditEntry(actor, "group.delete", subjectType: "group", subjectId: id, detail: "group \(row.name) deleted"))
            try await Self.syncRole(of: row.name, for: members, roles: roles, actor: actor, in: stored, ctx: ctx)
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

    /// The members that are users here, and the references that are not. A reference to no user is left out rather
    /// than refused: a user's id is given by Casework, so it can never come to name someone later; leaving it out
    /// gives no one a role (it fails closed); the group the answer shows is the group as kept, so the client sees
    /// it; and Entra ID and Okta carry on with the rest of a change instead of retrying one that cannot succeed.
    static func knownMembers(_ members: [String], in stored: any SCIMRepository) async throws -> (known: [String], unknown: [String]) {
        var known: [String] = [], unknown: [String] = []
        for member in members {
            if let staff = try await stored.staff(member), staff.deletedAt == nil { known.append(member) } else { unknown.append(member) }
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
    static func syncRole(of groupName: String, for staffIds: [String], roles mapped: [String: Role], actor: Actor,
                         in stored: any SCIMRepository, ctx: WriteContext) async throws {
        guard let role = role(of: groupName, mapped), !staffIds.isEmpty else { return }
        let holders = Set(try await stored.memberships().filter { Self.role(of: $0.group, mapped) == role }.map(\.staffId))
        for staffId in staffIds {
            let has = try await stored.holds(role, staffId)
            let wanted = holders.contains(staffId)
            if wanted && !has {
                try await stored.give(role, to: staffId)
                try await ctx.audit(AuditEntry(actor, "staff.update", subjectType: "staff", subjectId: staffId, detail: "roles: given \(role.rawValue) (group \(groupName))"))
            } else if !wanted && has {
                try await stored.take(role, from: staffId)
                try await ctx.audit(AuditEntry(actor, "staff.update", subjectType: "staff", subjectId: staffId, detail: "roles: taken \(role.rawValue) (group \(groupName))"))
            }
        }
    }
}
