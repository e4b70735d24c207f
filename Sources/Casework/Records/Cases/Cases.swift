import CaseworkCore
import Fluent
import Vapor

/// Cases: opening one with its participants, and reading it, each sensitive participant the caller may not see shown
/// as a restricted record (audited). Rows come from a `CaseRepository`.
struct Cases: RepositoryService {
    let context: ServiceContext
    let repository: @Sendable (any Database) -> any CaseRepository

    static let fluent: @Sendable (any Database) -> any CaseRepository = { FluentCaseRepository(db: $0) }

    func create(_ participants: [(contactId: String, role: String)]) async throws -> CaseDTO {
        let user = try context.requireRole(.caseworker, .teamLeader, .scrCaseworker, .scrManager)
        let checked = try CaseRules.check(participants: participants)
        var ids: [UUID] = []
        var failure = ValidationFailure()
        for participant in checked {
            if let id = UUID(uuidString: participant.contactId) { ids.append(id) } else { failure.add("participants", "\(participant.contactId) is not a contact id") }
        }
        try failure.throwIfAny()
        let contactIds = ids
        let grants = try await Records.grants(for: user.profile.staffId, at: now, on: db)
        let outcome: Records.Audited<UUID> = try await context.write { ctx in
            let stored = repository(ctx.db)
            var contacts: [ContactModel] = []
            for id in contactIds {
                guard let contact = try await stored.contact(id) else {
                    throw ValidationFailure(["participants": "There is no contact with id \(id.text)"])
                }
                contacts.append(contact)
            }
            for contact in contacts {
                let decision = Records.decide(contact, .link, user: user, grants: grants, at: ctx.now)
                if case .denied(let why) = decision {
                    try await Records.auditAccess(ctx, user: user, contact: contact, action: "case.link", decision: decision, context: "tried to add to a new case")
                    return .denied(why)
                }
            }
            let number = Self.caseNumber(after: try await stored.lastCaseNumber())
            let record = CaseModel(caseNumber: number, now: ctx.now)
            try await stored.add(record, participants: zip(contacts, checked).map { ($0.id!, $1.role) })
            try await ctx.audit(AuditEntry(user.actor, "case.create", subjectType: "case", subjectId: record.id!.text,
                                           detail: "\(number) with \(checked.count) participant(s)"))
            return .allowed(record.id!)
        }
        return try await view(try outcome.get())
    }

    /// A case from the form, each participant named by NINO, SCIN, CRN or contact id; every name that finds no
    /// contact is said at once, against its box.
    func create(namedBy entries: [(text: String, role: ParticipantRole)]) async throws -> CaseDTO {
        var participants: [(contactId: String, role: String)] = []
        var failure = ValidationFailure()
        for entry in entries {
            if let contact = try await repository(db).contact(named: entry.text) {
                participants.append((contact.id!.text, entry.role.rawValue))
            } else {
                failure.add(entry.role.rawValue, "No contact has the NINO, SCIN or CRN \(entry.text)")
            }
        }
        try failure.throwIfAny()
        return try await create(participants)
    }

    /// Case numbers count up from CM-1000001.
    static func caseNumber(after last: String?) -> String {
        let next = (last.flatMap { Int($0.dropFirst(3)) } ?? 1_000_000) + 1
        return "CM-\(next)"
    }

    /// A case with its participants; sensitive ones the caller may not see show as "restricted record" (audited).
    func view(_ id: UUID) async throws -> CaseDTO {
        let user = try Records.worker(context)
        let grants = try await Records.grants(for: user.profile.staffId, at: now, on: db)
        return try await context.write { ctx in
            guard let record = try await repository(ctx.db).caseWithParticipants(id) else {
                throw DomainError.notFound("There is no case with id \(id.text)")
            }
            var participants: [ParticipantDTO] = []
            for participant in record.participants.sorted(by: { $0.role.rawValue < $1.role.rawValue }) {
                let contact = participant.contact
                let decision = Records.decide(contact, .view, user: user, grants: grants, at: ctx.now)
                try await Records.auditAccess(ctx, user: user, contact: contact, action: "case.view", decision: decision, context: "participant of case \(record.caseNumber)")
                let role = participant.role
                participants.append(ParticipantDTO(role: role, roleName: role.displayName, contact: ContactListingDTO(contact, visible: decision.isAllowed)))
            }
            return CaseDTO(id: record.id!.text, caseNumber: record.caseNumber, participants: participants)
        }
    }
}
