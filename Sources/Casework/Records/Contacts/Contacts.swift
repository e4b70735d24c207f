import CaseworkCore
import Fluent
import Vapor

/// Contacts: adding one, finding them, reading one (audited when sensitive, refused unless the caller may see it),
/// and the SCR manager's sensitive flag. Reads of sensitive contacts are audited through the write lane, so the
/// audit event commits before the answer goes out, or neither does. Rows come from a `ContactRepository`; the hot
/// reads (a contact by id, search) are `RecordQueries`.
struct Contacts: RepositoryService {
    let context: ServiceContext
    let repository: @Sendable (any Database) -> any ContactRepository

    static let fluent: @Sendable (any Database) -> any ContactRepository = { FluentContactRepository(db: $0) }

    func create(_ input: ContactInput) async throws -> ContactModel {
        let user = try context.requireRole(.caseworker, .teamLeader, .scrCaseworker, .scrManager)
        let valid = try input.validated(today: now)
        return try await context.write { ctx in
            let stored = repository(ctx.db)
            try await Self.checkIdentifiersFree(valid, except: nil, in: stored)
            let contact = ContactModel(valid, sensitive: false, now: ctx.now)
            try await stored.add(contact)
            try await ctx.audit(AuditEntry(user.actor, "contact.create", subjectType: "contact", subjectId: contact.id!.text,
                                           detail: "added a contact"))
            return contact
        }
    }

    /// A NINO, SCIN or child reference number names one contact only.
    static func checkIdentifiersFree(_ valid: ContactInput.Valid, except: UUID?, in stored: any ContactRepository) async throws {
        var failure = ValidationFailure()
        if let nino = valid.nino?.value, let other = try await stored.contact(with: .nino, nino), other.id != except {
            failure.add("nino", "Another contact already has this National Insurance number: search for it instead")
        }
        if let scin = valid.scin, let other = try await stored.contact(with: .scin, scin), other.id != except {
            failure.add("scin", "Another contact already has this SCIN: search for it instead")
        }
        if let crn = valid.crn, let other = try await stored.contact(with: .crn, crn), other.id != except {
            failure.add("crn", "Another contact already has this child reference number: search for it instead")
        }
        try failure.throwIfAny()
    }

    /// One contact, if the caller may see it; the view or the denial of a sensitive one is audited either way, and
    /// committed before the answer goes out. The contact and the caller's grants are read first, outside the write
    /// lane; the lane only records the event, so audited reads share one insert and one commit.
    func view(_ id: UUID) async throws -> ContactModel {
        let user = try Records.worker(context)
        guard let contact = try await RecordQueries(db: db, readers: context.readers).contact(id) else {
            throw DomainError.notFound("There is no contact with id \(id.text)")
        }
        let grants = Visibility.dependsOnGrants(sensitive: contact.sensitive, role: user.role)
            ? try await Records.grants(for: user.profile.staffId, at: now, on: db, readers: context.readers) : []
        let decision = Records.decide(contact, .view, user: user, grants: grants, at: now)
        try await context.audit(Records.accessEntries(user: user, contact: contact, action: "contact.view", decision: decision, context: "viewed the contact"))
        if case .denied(let why) = decision { throw DomainError.forbidden("You may not see this contact: \(why)") }
        return contact
    }

    /// Finds contacts by NINO, SCIN, CRN (exactly, spaces and case ignored) or name (any part from three letters;
    /// the start of the name for one or two). Sensitive matches the caller may not see come back as "restricted
    /// record"; every such match is audited.
    func search(_ text: String, limit: Int) async throws -> [ContactListingDTO] {
        let user = try Records.worker(context)
        let q = NameSearch.withoutControlCharacters(text).trimmingCharacters(in: .whitespaces)
        guard !q.isEmpty else { return [] }
        let compact = q.uppercased().filter { !$0.isWhitespace }
        let namePart = NameSearch.namePart(of: q)
        let rows = try await RecordQueries(db: db, readers: context.readers).searchContacts(identifier: compact, namePart: namePart, limit: limit)
        let grants = rows.contains { Visibility.dependsOnGrants(sensitive: $0.sensitive, role: user.role) }
            ? try await Records.grants(for: user.profile.staffId, at: now, on: db, readers: context.readers) : []
        var listings: [ContactListingDTO] = []
        var events: [AuditEntry] = []
        for contact in rows {
            let decision = Records.decide(contact, .view, user: user, grants: grants, at: now)
            events += Records.accessEntries(user: user, contact: contact, action: "contact.search", decision: decision,
                                         context: decision.isAllowed ? "shown in search results" : "shown as restricted record in search results")
            listings.append(ContactListingDTO(contact, visible: decision.isAllowed))
        }
        // Committed before the results go out: no one sees a listing the trail does not record.
        try await context.audit(events)
        return listings
    }

    /// Marks a contact sensitive or clears the flag (SCR manager), with a reason.
    func setSensitivity(_ id: UUID, sensitive: Bool, reason: String) async throws -> ContactModel {
        let user = try context.requireRole(.scrManager)
        let why = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        if why.isEmpty { throw ValidationFailure(["reason": "Give the reason for \(sensitive ? "marking the contact sensitive" : "clearing the sensitive flag")"]) }
        if why.count > 500 { throw ValidationFailure(["reason": "Reason must be 500 characters or fewer"]) }
        return try await context.write { ctx in
            let stored = repository(ctx.db)
            guard let contact = try await stored.contact(id) else {
                throw DomainError.notFound("There is no contact with id \(id.text)")
            }
            guard contact.sensitive != sensitive else {
                throw DomainError.conflict("The contact is already \(sensitive ? "marked sensitive" : "not sensitive")")
            }
            contact.sensitive = sensitive
            contact.updatedAt = ctx.now
            try await stored.save(contact)
            try await ctx.audit(AuditEntry(user.actor, sensitive ? "contact.markSensitive" : "contact.clearSensitive",
                                           subjectType: "contact", subjectId: id.text, detail: why))
            return contact
        }
    }
}
