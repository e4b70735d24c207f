import CaseworkCore
import Fluent
import Foundation
import SQLKit

/// Every row the service request changes and pages read or write: SRs, their contact links and history, and what
/// a page of them shows beside (cases, linked contacts, assignees' names). `ServiceRequests` keeps the rules
/// (routing, transitions, assignment, visibility) and asks this for rows; `FluentServiceRequestRepository` is the
/// database's. Hot pages (hoppers, "assigned to me", search) read through `RecordQueries`.
protocol ServiceRequestRepository: Sendable {
    func serviceRequest(_ id: UUID) async throws -> ServiceRequestModel?
    /// Adds an SR, linked to `contactId` when one is given.
    func add(_ sr: ServiceRequestModel, linkedTo contactId: UUID?) async throws
    func save(_ sr: ServiceRequestModel) async throws
    func isLinked(_ id: UUID, to contactId: UUID) async throws -> Bool
    func link(_ id: UUID, to contactId: UUID) async throws
    func addHistory(_ entry: ServiceRequestHistoryModel) async throws
    func contact(_ id: UUID) async throws -> ContactModel?
    /// A case's participants' contacts.
    func participants(ofCase caseId: UUID) async throws -> [ContactModel]
    func cases(_ ids: [UUID]) async throws -> [CaseModel]
    /// The contacts linked to each of these SRs.
    func linkedContacts(of ids: [UUID]) async throws -> [UUID: [ContactModel]]
    /// Each of these SRs' history, oldest first.
    func history(of ids: [UUID]) async throws -> [UUID: [ServiceRequestHistoryModel]]
    func staffNames(_ staffIds: [String]) async throws -> [String: String]
    /// SRs assigned to and raised by a person (either may be nil for any), open ones only when `openOnly`, newest first.
    func serviceRequests(assignedTo staffId: String?, raisedBy creator: String?, openOnly: Bool, limit: Int) async throws -> [ServiceRequestModel]
}

/// The SRs' rows through Fluent, on the database it is made for: the request's for a read, the write lane's inside a
/// change.
struct FluentServiceRequestRepository: ServiceRequestRepository {
    let db: any Database

    private var sql: any SQLDatabase { db as! any SQLDatabase }

    func serviceRequest(_ id: UUID) async throws -> ServiceRequestModel? {
        try await ServiceRequestModel.find(id, on: db)
    }

    func add(_ sr: ServiceRequestModel, linkedTo contactId: UUID?) async throws {
        try await sr.create(on: db)
        if let contactId { try await link(sr.id!, to: contactId) }
    }

    func save(_ sr: ServiceRequestModel) async throws {
        try await sr.save(on: db)
    }

    func isLinked(_ id: UUID, to contactId: UUID) async throws -> Bool {
        try await ServiceRequestContactModel.query(on: db).filter(\.$serviceRequest.$id == id).filter(\.$contact.$id == contactId).first() != nil
    }

    func link(_ id: UUID, to contactId: UUID) async throws {
        try await ServiceRequestContactModel(serviceRequestId: id, contactId: contactId).create(on: db)
    }

    func addHistory(_ entry: ServiceRequestHistoryModel) async throws {
        try await entry.create(on: db)
    }

    func contact(_ id: UUID) async throws -> ContactModel? {
        try await ContactModel.find(id, on: db)
    }

    func participants(ofCase caseId: UUID) async throws -> [ContactModel] {
        try await CaseParticipantModel.query(on: db).filter(\.$case.$id == caseId).with(\.$contact).all().map(\.contact)
    }

    // A page of SRs reads its cases and linked contacts by the hand-written readers: decoded by Fluent's reflection,
    // the cases alone were 7% of the SR list's time (bench/scale.sh PROFILE=1).

    func cases(_ ids: [UUID]) async throws -> [CaseModel] {
        guard !ids.isEmpty else { return [] }
        return try await sql.raw("SELECT id, case_number, created_at FROM cases WHERE id IN (\(binds: ids))").all().map(CaseModel.init(row:))
    }

    func linkedContacts(of ids: [UUID]) async throws -> [UUID: [ContactModel]] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await sql.raw("""
            SELECT l.service_request_id AS linked_to, c.* FROM service_request_contacts l JOIN contacts c ON c.id = l.contact_id
            WHERE l.service_request_id IN (\(binds: ids))
            """).all()
        var linked: [UUID: [ContactModel]] = [:]
        for row in rows { linked[try row.decode(column: "linked_to", as: UUID.self), default: []].append(try ContactModel(row: row)) }
        return linked
    }

    func history(of ids: [UUID]) async throws -> [UUID: [ServiceRequestHistoryModel]] {
        Dictionary(grouping: try await ServiceRequestHistoryModel.query(on: db).filter(\.$serviceRequest.$id ~~ ids).sort(\.$at).all(),
                   by: { $0.$serviceRequest.id })
    }

    func staffNames(_ staffIds: [String]) async throws -> [String: String] {
        guard !staffIds.isEmpty else { return [:] }
        return Dictionary(uniqueKeysWithValues: try await StaffModel.query(on: db).filter(\.$id ~~ staffIds).all().map { ($0.id!, $0.name) })
    }

    func serviceRequests(assignedTo staffId: String?, raisedBy creator: String?, openOnly: Bool, limit: Int) async throws -> [ServiceRequestModel] {
        var query = ServiceRequestModel.query(on: db)
        if let staffId { query = query.filter(\.$assigneeStaffId == staffId) }
        if let creator { query = query.filter(\.$creatorStaffId == creator) }
        if openOnly { query = query.filter(\.$status != ServiceRequestStatus.closed) }
        return try await query.sort(\.$createdAt, .descending).sort(\.$id, .descending).limit(limit).all()
    }
}
