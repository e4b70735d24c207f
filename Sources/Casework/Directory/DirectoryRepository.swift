import CaseworkCore
import Fluent
import Foundation

/// Every row the staff directory's changes read or write: people, their roles and their sessions. `Directory` keeps
/// the rules (what is valid, who may, what a change ends) and asks this for rows; `FluentDirectoryRepository` is the
/// database's. Hot reads by key (a signed-in request's session, person and roles) are `DirectoryQueries`.
protocol DirectoryRepository: Sendable {
    /// A person with their roles loaded.
    func person(_ staffId: String) async throws -> StaffModel?
    func exists(_ staffId: String) async throws -> Bool
    /// Up to `limit` people after `after` in staff ID order, roles loaded: those whose staff ID starts with
    /// `idPrefix`, or whose name contains `namePart` (lower case), or everyone when neither is given.
    func people(idPrefix: String?, namePart: String?, after: String?, limit: Int) async throws -> [StaffModel]
    /// Whom a person reports to; nil for no one, or for someone not in the directory.
    func teamLeader(of staffId: String) async throws -> String?
    func add(_ staff: StaffModel, roles: [Role]) async throws
    func save(_ staff: StaffModel) async throws
    func replaceRoles(of staffId: String, with roles: [Role]) async throws
    func setTeamLeader(of staffId: String, to leader: String) async throws
    func sessionCount(of staffId: String) async throws -> Int
    /// Ends a person's sessions: all of them, or only those acting in one of `roles`.
    func endSessions(of staffId: String, actingAs roles: [Role]?) async throws
}

/// The directory's rows through Fluent, on the database it is made for: the request's for a read, the write lane's
/// inside a change.
struct FluentDirectoryRepository: DirectoryRepository {
    let db: any Database

    func person(_ staffId: String) async throws -> StaffModel? {
        try await StaffModel.query(on: db).filter(\.$id == staffId).with(\.$roleRows).first()
    }

    func exists(_ staffId: String) async throws -> Bool {
        try await StaffModel.find(staffId, on: db) != nil
    }

    func people(idPrefix: String?, namePart: String?, after: String?, limit: Int) async throws -> [StaffModel] {
        var query = StaffModel.query(on: db).with(\.$roleRows)
        if let idPrefix { query = query.filter(\.$id, .custom("LIKE"), idPrefix + "%") }
        if let namePart { query = query.filter(\.$searchName ~~ namePart) }
        if let after { query = query.filter(\.$id > after) }
        return try await query.sort(\.$id).limit(limit).all()
    }

    func teamLeader(of staffId: String) async throws -> String? {
        try await StaffModel.find(staffId, on: db)?.teamLeaderStaffId
    }

    func add(_ staff: StaffModel, roles: [Role]) async throws {
        try await staff.create(on: db)
        for role in roles {
            try await StaffRoleModel(staffId: staff.id!, role: role).create(on: db)
        }
    }

    func save(_ staff: StaffModel) async throws {
        try await staff.save(on: db)
    }

    func replaceRoles(of staffId: String, with roles: [Role]) async throws {
        try await StaffRoleModel.query(on: db).filter(\.$staff.$id == staffId).delete()
        for role in roles {
            try await StaffRoleModel(staffId: staffId, role: role).create(on: db)
        }
    }

    func setTeamLeader(of staffId: String, to leader: String) async throws {
        try await StaffModel.query(on: db).filter(\.$id == staffId).set(\.$teamLeaderStaffId, to: leader).update()
    }

    func sessionCount(of staffId: String) async throws -> Int {
        try await AuthSessionModel.query(on: db).filter(\.$staff.$id == staffId).count()
    }

    func endSessions(of staffId: String, actingAs roles: [Role]?) async throws {
        var query = AuthSessionModel.query(on: db).filter(\.$staff.$id == staffId)
        if let roles { query = query.filter(\.$role ~~ roles) }
        try await query.delete()
    }
}
