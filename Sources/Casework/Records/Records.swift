import CaseworkCore
import Fluent
import Vapor

/// What contacts, cases, service requests and hoppers share: who may see a contact now, and the audit a view or a
/// denial leaves. Each area's service (`Contacts`, `Cases`, `ServiceRequests`) applies these; the rule itself is
/// `Visibility` in the core.
enum Records {

    // MARK: Visibility

    /// Live temporary grants held by a person. The policy still compares each grant's window with the clock
    /// on every decision, so access ends at the expiry instant even inside a long request.
    static func grants(for staffId: StaffID, at now: Date, on db: any Database, readers: SQLiteReaders? = nil) async throws -> [GrantCoverage] {
        try await AccessQueries(db: db, readers: readers).coverage(for: staffId, at: now)
    }

    /// Whether the signed-in person may do `action` with this contact now.
    static func decide(_ contact: some ContactFacts, _ action: ContactAction, user: CurrentUser, grants: [GrantCoverage], at now: Date) -> Visibility.Decision {
        guard let role = user.role else { return .denied("no role chosen") }
        return Visibility.decide(contactId: contact.contactId.text, sensitive: contact.sensitive, action: action,
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
    static func auditAccess(_ ctx: WriteContext, user: CurrentUser, contact: some ContactFacts, action: String, decision: Visibility.Decision, context: String) async throws {
        try await ctx.audit(accessEntries(user: user, contact: contact, action: action, decision: decision, context: context))
    }

    /// The events a view or denial leaves: every denial, and every view of a sensitive contact.
    static func accessEntries(user: CurrentUser, contact: some ContactFacts, action: String, decision: Visibility.Decision, context: String) -> [AuditEntry] {
        switch decision {
        case .allowed(let why):
            guard contact.sensitive else { return [] }
            return [AuditEntry(user.actor, action, subjectType: "contact", subjectId: contact.contactId.text, detail: "\(context); \(why)")]
        case .denied(let why):
            return [AuditEntry(user.actor, action, subjectType: "contact", subjectId: contact.contactId.text, outcome: .denied, detail: "\(context); \(why)")]
        }
    }

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
}
