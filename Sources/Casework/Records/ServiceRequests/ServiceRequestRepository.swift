import CaseworkCore
import Fluent
import Foundation

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
}

/// The SRs' rows through Fluent, on the database it is made for: the request's for a read, the write lane's inside a
/// change.
struct FluentServiceRequestRepository: ServiceRequestRepository {
    let db: any Database

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
}
