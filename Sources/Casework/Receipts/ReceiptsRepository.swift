import CaseworkCore
import Fluent
import Foundation

/// Every row the receipts and payments tool reads or writes, and nothing else: `ReceiptsTool` keeps the rules (who
/// may, what is valid, what a ledger allows) and asks this for rows. `FluentReceiptsRepository` is the database's.
/// A change to how the tool stores something is a change here; a change to what the tool allows is not.
protocol ReceiptsRepository: Sendable {
    // MARK: Users and profiles
    /// Every user of the tool, in staff ID order.
    func toolUsers() async throws -> [ToolUserModel]
    func toolUser(_ staffId: String) async throws -> ToolUserModel?
    /// These people with their roles loaded.
    func staffWithRoles(_ staffIds: [String]) async throws -> [StaffModel]
    func add(_ user: ToolUserModel) async throws
    func save(_ user: ToolUserModel) async throws
    func heldRole(_ role: Role, by staffId: String) async throws -> StaffRoleModel?
    func give(_ role: Role, to staffId: String) async throws
    func remove(_ held: StaffRoleModel) async throws
    func holderCount(of role: Role) async throws -> Int
    /// Ends this person's sessions acting in `role`.
    func endSessions(of staffId: String, actingAs role: Role) async throws

    // MARK: Cases and ledgers
    /// The highest case reference given so far.
    func lastCaseReference() async throws -> String?
    func add(_ record: ExceptionalCaseModel) async throws
    /// Every case, in reference order.
    func cases() async throws -> [ExceptionalCaseModel]
    func exceptionalCase(_ id: UUID) async throws -> ExceptionalCaseModel?
    func openCaseCount() async throws -> Int
    /// Every ledger entry of every case, in recorded order.
    func allEntries() async throws -> [LedgerEntryModel]
    /// One case's entries, in recorded order.
    func entries(of caseId: UUID) async throws -> [LedgerEntryModel]
    func entry(idempotencyKey: String) async throws -> LedgerEntryModel?
    func add(_ entry: LedgerEntryModel) async throws
    /// Entries dated from `start` to `end` (UK days, both included), by date then as recorded, with their cases loaded
    /// when `withCases`.
    func entries(datedFrom start: String, to end: String, withCases: Bool) async throws -> [LedgerEntryModel]
}

/// The tool's rows in the database, through Fluent: a read outside the write lane on the request's database, a
/// change inside it on the lane's (`ReceiptsTool` makes one for each).
struct FluentReceiptsRepository: ReceiptsRepository {
    let db: any Database

    func toolUsers() async throws -> [ToolUserModel] {
        try await ToolUserModel.query(on: db).sort(\.$id).all()
    }

    func toolUser(_ staffId: String) async throws -> ToolUserModel? {
        try await ToolUserModel.find(staffId, on: db)
    }

    func staffWithRoles(_ staffIds: [String]) async throws -> [StaffModel] {
        try await StaffModel.query(on: db).filter(\.$id ~~ staffIds).with(\.$roleRows).all()
    }

    func add(_ user: ToolUserModel) async throws {
        try await user.create(on: db)
    }

    func save(_ user: ToolUserModel) async throws {
        try await user.save(on: db)
    }

    func heldRole(_ role: Role, by staffId: String) async throws -> StaffRoleModel? {
        try await StaffRoleModel.query(on: db).filter(\.$staff.$id == staffId).filter(\.$role == role).first()
    }

    func give(_ role: Role, to staffId: String) async throws {
        try await StaffRoleModel(staffId: staffId, role: role).create(on: db)
    }

    func remove(_ held: StaffRoleModel) async throws {
        try await held.delete(on: db)
    }

    func holderCount(of role: Role) async throws -> Int {
        try await StaffRoleModel.query(on: db).filter(\.$role == role).count()
    }

    func endSessions(of staffId: String, actingAs role: Role) async throws {
        try await AuthSessionModel.query(on: db).filter(\.$staff.$id == staffId).filter(\.$role == role).delete()
    }

    func lastCaseReference() async throws -> String? {
        try await ExceptionalCaseModel.query(on: db).sort(\.$reference, .descending).first()?.reference
    }

    func add(_ record: ExceptionalCaseModel) async throws {
        try await record.create(on: db)
    }

    func cases() async throws -> [ExceptionalCaseModel] {
        try await ExceptionalCaseModel.query(on: db).sort(\.$reference).all()
    }

    func exceptionalCase(_ id: UUID) async throws -> ExceptionalCaseModel? {
        try await ExceptionalCaseModel.find(id, on: db)
    }

    func openCaseCount() async throws -> Int {
        try await ExceptionalCaseModel.query(on: db).filter(\.$status == ExceptionalCaseStatus.open).count()
    }

    func allEntries() async throws -> [LedgerEntryModel] {
        try await LedgerEntryModel.query(on: db).sort(\.$seq).all()
    }

    func entries(of caseId: UUID) async throws -> [LedgerEntryModel] {
        try await LedgerEntryModel.query(on: db).filter(\.$exceptionalCase.$id == caseId).sort(\.$seq).all()
    }

    func entry(idempotencyKey: String) async throws -> LedgerEntryModel? {
        try await LedgerEntryModel.query(on: db).filter(\.$idempotencyKey == idempotencyKey).first()
    }

    func add(_ entry: LedgerEntryModel) async throws {
        try await entry.create(on: db)
    }

    func entries(datedFrom start: String, to end: String, withCases: Bool) async throws -> [LedgerEntryModel] {
        var query = LedgerEntryModel.query(on: db).filter(\.$onDate >= start).filter(\.$onDate <= end)
        if withCases { query = query.with(\.$exceptionalCase) }
        return try await query.sort(\.$onDate).sort(\.$createdAt).all()
    }
}
