import CaseworkCore
import Fluent
import Vapor

/// Contacts, cases, service requests and hoppers: every rule the pages and the API share, applied in one place.
/// Reads of sensitive contacts run in the write lane, so the audit event commits with the answer, or neither does.
struct Records: ContextService {
    let context: ServiceContext

    // MARK: Visibility

    /// Live temporary grants held by a person. The policy still compares each grant's window with the clock
    /// on every decision, so access ends at the expiry instant even inside a long request.
    static func grants(for staffId: StaffID, at now: Date, on db: any Database, readers: SQLiteReaders? = nil) async throws -> [GrantCoverage] {
        try await AccessQueries(db: db, readers: readers).coverage(for: staffId, at: now)
    }

    /// Whether the signed-in person may do `action` with this contact now.
    static func decide(_ contact: ContactModel, _ action: ContactAction, user: CurrentUser, grants: [GrantCoverage], at now: Date) -> Visibility.Decision {
        guard let role = user.role else { return .denied("no role chosen") }
        return Visibility.decide(contactId: contact.id!.uuidString, sensitive: contact.sensitive, action: action,
                                 viewer: user.profile.staffId, role: role, grants: grants, at: now)
    }

    /// Roles that work contacts, cases and service requests (the receipts and payments tool's roles do not).
    static let serviceRequestRoles: [Role] = [.caseworker, .teamLeader, .scrCaseworker, .scrManager, .cfat]

    /// Records are for the roles that work cases; the tool's and the administrator's roles have no need of clients.
    static func worker(_ context: ServiceContext) throws -> CurrentUser {
        let user = try context.requireUser()
        guard let role = user.role, Records.serviceRequestRoles.contains(role) else {
            throw DomainError.forbidden("Contacts, cases and service requests are for caseworkers, team leaders, the SCR team and CFAT")
        }
        return user
    }

    /// Records a view or denial of a sensitive contact inside the current write job.
    static func auditAccess(_ ctx: WriteContext, user: CurrentUser, contact: ContactModel, action: String, decision: Visibility.Decision, context: String) async throws {
        try await ctx.audit(accessEntries(user: user, contact: contact, action: action, decision: decision, context: context))
    }

    /// The events a view or denial leaves: every denial, and every view of a sensitive contact.
    static func accessEntries(user: CurrentUser, contact: ContactModel, action: String, decision: Visibility.Decision, context: String) -> [AuditEntry] {
        switch decision {
        case .allowed(let why):
            guard contact.sensitive else { return [] }
            return [AuditEntry(user.actor, action, subjectType: "contact", subjectId: contact.id!.uuidString, detail: "\(context); \(why)")]
        case .denied(let why):
            return [AuditEntry(user.actor, action, subjectType: "contact", subjectId: contact.id!.uuidString, outcome: .denied, detail: "\(context); \(why)")]
        }
    }

    // MARK: Contacts

    /// Outcome of an audited read: the answer, or a refusal to throw once the denial is committed.
    enum Audited<T: Sendable>: Sendable {
        case allowed(T)
        case denied(String)

        func get() throws -> T {
            switch self {
            case .allowed(let value): return value
            case .denied(let why): throw DomainError.forbidden("You may not see this contact: \(why)")
            }
        }
    }

    func createContact(_ input: ContactInput) async throws -> ContactModel {
        let user = try context.requireRole(.caseworker, .teamLeader, .scrCaseworker, .scrManager)
        let valid = try input.validated(today: now)
        return try await context.write { ctx in
            try await Self.checkIdentifiersFree(valid, except: nil, on: ctx.db)
            let contact = ContactModel(valid, sensitive: false, now: ctx.now)
            try await contact.create(on: ctx.db)
            try await ctx.audit(AuditEntry(user.actor, "contact.create", subjectType: "contact", subjectId: contact.id!.uuidString,
                                           detail: "added a contact"))
            return contact
        }
    }

    static func checkIdentifiersFree(_ valid: ContactInput.Valid, except: UUID?, on db: any Database) async throws {
        var failure = ValidationFailure()
        if let nino = valid.nino?.value, let other = try await ContactModel.query(on: db).filter(\.$nino == nino).first(), other.id != except {
            failure.add("nino", "Another contact already has this National Insurance number: search for it instead")
        }
        if let scin = valid.scin, let other = try await ContactModel.query(on: db).filter(\.$scin == scin).first(), other.id != except {
            failure.add("scin", "Another contact already has this SCIN: search for it instead")
        }
        if let crn = valid.crn, let other = try await ContactModel.query(on: db).filter(\.$crn == crn).first(), other.id != except {
            failure.add("crn", "Another contact already has this child reference number: search for it instead")
        }
        try failure.throwIfAny()
    }

    /// One contact, if the caller may see it; the view or the denial of a sensitive one is audited either way, and
    /// committed before the answer goes out. The contact and the caller's grants are read first, outside the write
    /// lane; the lane only records the event, so audited reads share one insert and one commit.
    func viewContact(_ id: UUID) async throws -> ContactModel {
        let user = try Self.worker(context)
        guard let contact = try await RecordQueries(db: db, readers: context.readers).contact(id) else {
            throw DomainError.notFound("There is no contact with id \(id.uuidString)")
        }
        let grants = Visibility.dependsOnGrants(sensitive: contact.sensitive, role: user.role)
            ? try await Self.grants(for: user.profile.staffId, at: now, on: db, readers: context.readers) : []
        let decision = Self.decide(contact, .view, user: user, grants: grants, at: now)
        try await context.audit(Self.accessEntries(user: user, contact: contact, action: "contact.view", decision: decision, context: "viewed the contact"))
        if case .denied(let why) = decision { throw DomainError.forbidden("You may not see this contact: \(why)") }
        return contact
    }

    /// Finds contacts by NINO, SCIN, CRN (exactly, spaces and case ignored) or name (any part from three letters;
    /// the start of the name for one or two). Sensitive matches the caller may not see come back as "restricted
    /// record"; every such match is audited.
    func searchContacts(_ text: String, limit: Int) async throws -> [ContactListingDTO] {
        let user = try Self.worker(context)
        let q = text.trimmingCharacters(in: .whitespaces)
        guard !q.isEmpty else { return [] }
        let compact = q.uppercased().filter { !$0.isWhitespace }
        let namePart = q.lowercased().filter { $0 != "%" && $0 != "_" }
        let rows = try await RecordQueries(db: db).searchContacts(identifier: compact, namePart: namePart, limit: limit)
        let grants = rows.contains { Visibility.dependsOnGrants(sensitive: $0.sensitive, role: user.role) }
            ? try await Self.grants(for: user.profile.staffId, at: now, on: db, readers: context.readers) : []
        var listings: [ContactListingDTO] = []
        var events: [AuditEntry] = []
        for contact in rows {
            let decision = Self.decide(contact, .view, user: user, grants: grants, at: now)
            events += Self.accessEntries(user: user, contact: contact, action: "contact.search", decision: decision,
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
            guard let contact = try await ContactModel.find(id, on: ctx.db) else {
                throw DomainError.notFound("There is no contact with id \(id.uuidString)")
            }
            guard contact.sensitive != sensitive else {
                throw DomainError.conflict("The contact is already \(sensitive ? "marked sensitive" : "not sensitive")")
            }
            contact.sensitive = sensitive
            contact.updatedAt = ctx.now
            try await contact.save(on: ctx.db)
            try await ctx.audit(AuditEntry(user.actor, sensitive ? "contact.markSensitive" : "contact.clearSensitive",
                                           subjectType: "contact", subjectId: id.uuidString, detail: why))
            return contact
        }
    }

    // MARK: Cases

    func createCase(_ participants: [(contactId: String, role: String)]) async throws -> CaseDTO {
        let user = try context.requireRole(.caseworker, .teamLeader, .scrCaseworker, .scrManager)
        let checked = try CaseRules.check(participants: participants)
        var ids: [UUID] = []
        var failure = ValidationFailure()
        for participant in checked {
            if let id = UUID(uuidString: participant.contactId) { ids.append(id) } else { failure.add("participants", "\(participant.contactId) is not a contact id") }
        }
        try failure.throwIfAny()
        let contactIds = ids
        let grants = try await Self.grants(for: user.profile.staffId, at: now, on: db)
        let outcome: Audited<UUID> = try await context.write { ctx in
            var contacts: [ContactModel] = []
            for id in contactIds {
                guard let contact = try await ContactModel.find(id, on: ctx.db) else {
                    throw ValidationFailure(["participants": "There is no contact with id \(id.uuidString)"])
                }
                contacts.append(contact)
            }
            for contact in contacts {
                let decision = Self.decide(contact, .link, user: user, grants: grants, at: ctx.now)
                if case .denied(let why) = decision {
                    try await Self.auditAccess(ctx, user: user, contact: contact, action: "case.link", decision: decision, context: "tried to add to a new case")
                    return .denied(why)
                }
            }
            let number = try await Self.nextCaseNumber(on: ctx.db)
            let record = CaseModel(caseNumber: number, now: ctx.now)
            try await record.create(on: ctx.db)
            for (contact, participant) in zip(contacts, checked) {
                try await CaseParticipantModel(caseId: record.id!, contactId: contact.id!, role: participant.role).create(on: ctx.db)
            }
            try await ctx.audit(AuditEntry(user.actor, "case.create", subjectType: "case", subjectId: record.id!.uuidString,
                                           detail: "\(number) with \(checked.count) participant(s)"))
            return .allowed(record.id!)
        }
        return try await viewCase(try outcome.get())
    }

    static func nextCaseNumber(on db: any Database) async throws -> String {
        let last = try await CaseModel.query(on: db).sort(\.$caseNumber, .descending).first()?.caseNumber
        let next = (last.flatMap { Int($0.dropFirst(3)) } ?? 1_000_000) + 1
        return "CM-\(next)"
    }

    /// A case with its participants; sensitive ones the caller may not see show as "restricted record" (audited).
    func viewCase(_ id: UUID) async throws -> CaseDTO {
        let user = try Self.worker(context)
        let grants = try await Self.grants(for: user.profile.staffId, at: now, on: db)
        return try await context.write { ctx in
            guard let record = try await CaseModel.query(on: ctx.db).filter(\.$id == id).with(\.$participants) { $0.with(\.$contact) }.first() else {
                throw DomainError.notFound("There is no case with id \(id.uuidString)")
            }
            var participants: [ParticipantDTO] = []
            for participant in record.participants.sorted(by: { $0.role.rawValue < $1.role.rawValue }) {
                let contact = participant.contact
                let decision = Self.decide(contact, .view, user: user, grants: grants, at: ctx.now)
                try await Self.auditAccess(ctx, user: user, contact: contact, action: "case.view", decision: decision, context: "participant of case \(record.caseNumber)")
                let role = participant.role
                participants.append(ParticipantDTO(role: role, roleName: role.displayName, contact: ContactListingDTO(contact, visible: decision.isAllowed)))
            }
            return CaseDTO(id: record.id!.uuidString, caseNumber: record.caseNumber, participants: participants)
        }
    }

}
