import CaseworkCore
import Vapor

/// An audit event as the JSON and the audit trail page show it.
struct AuditEventDTO: Content {
    let id: String
    let seq: Int
    let at: String
    let actorStaffId: String?
    let actorRole: String?
    let action: String
    let subjectType: String
    let subjectId: String
    let outcome: String
    let detail: String
}

extension AuditEventDTO {
    init(_ event: StoredAuditEvent) {
        id = event.id.text
        seq = event.seq
        at = event.at
        actorStaffId = event.actorStaffId
        actorRole = event.actorRole
        action = event.action
        subjectType = event.subjectType
        subjectId = event.subjectId
        outcome = event.outcome
        detail = event.detail
    }
}

/// Written directly: the audit trail's pages by subject and by person (`JSONObjectWritable`).
extension AuditEventDTO: JSONObjectWritable {
    func writeMembers(to object: inout JSONObjectWriter) {
        object.write(CodingKeys.id, id)
        object.write(CodingKeys.seq, seq)
        object.write(CodingKeys.at, at)
        object.write(CodingKeys.actorStaffId, actorStaffId)
        object.write(CodingKeys.actorRole, actorRole)
        object.write(CodingKeys.action, action)
        object.write(CodingKeys.subjectType, subjectType)
        object.write(CodingKeys.subjectId, subjectId)
        object.write(CodingKeys.outcome, outcome)
        object.write(CodingKeys.detail, detail)
    }
}

/// The chain check's answer.
struct VerificationDTO: Content {
    let intact: Bool
    let eventsChecked: Int
    let problem: String?
}
