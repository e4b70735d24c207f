import CaseworkCore
import Fluent
import Foundation

/// The contact rows `Contacts` writes and checks. The hot reads (a contact by id as a point read, search by
/// identifier or name) are `RecordQueries`.
protocol ContactRepository: Sendable {
    func contact(_ id: UUID) async throws -> ContactModel?
    /// The contact holding this identifier, stored as `ContactInput` normalises it.
    func contact(with identifier: ContactIdentifier, _ value: String) async throws -> ContactModel?
    func add(_ contact: ContactModel) async throws
    func save(_ contact: ContactModel) async throws
}

/// The identifiers that name one contact only, each with a unique index.
enum ContactIdentifier: Sendable, CaseIterable {
    case nino, scin, crn
}

/// Contacts through Fluent, on the database it is made for: the request's for a read, the write lane's inside a
/// change.
struct FluentContactRepository: ContactRepository {
    let db: any Database

    func contact(_ id: UUID) async throws -> ContactModel? {
        try await ContactModel.find(id, on: db)
    }

    func contact(with identifier: ContactIdentifier, _ value: String) async throws -> ContactModel? {
        let query = ContactModel.query(on: db)
        switch identifier {
        case .nino: query.filter(\.$nino == value)
        case .scin: query.filter(\.$scin == value)
        case .crn: query.filter(\.$crn == value)
        }
        return try await query.first()
    }

    func add(_ contact: ContactModel) async throws {
        try await contact.create(on: db)
    }

    func save(_ contact: ContactModel) async throws {
        try await contact.save(on: db)
    }
}
