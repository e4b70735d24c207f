import CaseworkCore
import Fluent
import Foundation
import SQLKit

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
        try await ContactNameStarts.add(contactId: contact.id!, searchName: contact.searchName, on: db as! any SQLDatabase)
    }

    func save(_ contact: ContactModel) async throws {
        try await contact.save(on: db)
    }
}

/// Each contact's name from every word on (`NameSearch.wordStarts`), the index search reads first
/// (`IndexNamesByWordStart`). Written with the contact and never after: names are not edited in Casework.
enum ContactNameStarts {
    static let table = "contact_name_starts"
    static let columns = ["tail", "search_name", "contact_id"]

    /// The rows for one contact.
    static func rows(contactId: UUID, searchName: String) -> [[any Encodable & Sendable]] {
        NameSearch.wordStarts(of: searchName).map { [$0, searchName, contactId] }
    }

    /// Adds one contact's rows, in one statement (a name of at most 100 characters has at most 50 words); a name of
    /// separators only ("--") has none.
    static func add(contactId: UUID, searchName: String, on sql: any SQLDatabase) async throws {
        let rows = rows(contactId: contactId, searchName: searchName)
        guard !rows.isEmpty else { return }
        var insert = sql.insert(into: table).columns(columns)
        for row in rows { insert = insert.values(row) }
        try await insert.run()
    }
}
