import CaseworkCore
import Foundation

/// Who did something: a signed-in person in a role, or the system itself.
struct Actor: Sendable, Equatable {
    var staffId: String?
    var role: Role?

    static let system = Actor(staffId: nil, role: nil)
}

/// What an audit event says, before the write lane gives it its place in the chain.
struct AuditEntry: Sendable {
    var actor: Actor
    var action: String
    var subjectType: String
    var subjectId: String
    var outcome: AuditOutcome
    var detail: String

    init(_ actor: Actor, _ action: String, subjectType: String, subjectId: String, outcome: AuditOutcome = .success, detail: String = "") {
        self.actor = actor
        self.action = action
        self.subjectType = subjectType
        self.subjectId = subjectId
        self.outcome = outcome
        // The detail is a short note; cap it so an event never carries a whole document.
        self.detail = String(detail.prefix(500))
    }
}
