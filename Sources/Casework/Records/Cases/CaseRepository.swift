import CaseworkCore
import Fluent
import Foundation

/// The case rows `Cases` reads and writes, and the contacts it links.
protocol CaseRepository: Sendable {
    func contact(_ id: UUID) async throws -> ContactModel?
    /// The contact a NINO, SCIN, CRN or contact id names.
    func contact(named text: String) async throws -> ContactModel?
    /// The highest case number given so far, if any.
    func lastCaseNumber() async throws -> String?
    /// Adds a case and its participants: each contact with the role they have in it.
    func add(_ record: CaseModel, participants: [(contactId: UUID, role: ParticipantRole)]) async throws
    /// A case with its participants and their contacts loaded.
    func caseWithParticipants(_ id: UUID) async throws -> CaseModel?
}

/// Cases through Fluent, on the database it is made for: the request's for a read, the write lane's inside a change.
struct FluentCaseRepository: CaseRepository {
    let db: any Database

    func contact(_ id: UUID) async throws -> ContactModel? {
        try await ContactModel.find(id, on: db)
    }

    func contact(named text: String) async throws -> ContactModel? {
        try await RecordQueries(db: db).findContact(text)
    }

    func lastCaseNumber() async throws -> String? {
        try await CaseModel.query(on: db).sort(\.$caseNumber, .descending).first()?.caseNumber
    }

    func add(_ record: CaseModel, participants: [(contactId: UUID, role: ParticipantRole)]) async throws {
        try await record.create(on: db)
        for participant in participants {
            try await CaseParticipantModel(caseId: record.id!, contactId: participant.contactId, role: participant.role).create(on: db)
        }
    }

    func caseWithParticipants(_ id: UUID) async throws -> CaseModel? {
        try await CaseModel.query(on: db).filter(\.$id == id).with(\.$participants) { $0.with(\.$contact) }.first()
    }
}
