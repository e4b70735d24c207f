import CaseworkCore
import Foundation
import Vapor

// What the temporary access API takes and answers (shared/API.md fixes the names).

/// The CSUA150 request as the API names its fields.
struct NewAccessRequest: Content {
    /// The requester's staff number; when given it must be the signed-in person's (the grant goes to the requester).
    var staffId: String?
    /// The requester's details as the form shows them: from the directory unless corrected here.
    var phone: String?
    var team: String?
    var grade: String?
    var area: String?
    var purpose: String?
    var serviceRequestId: String?
    var requestedDurationMinutes: Int?
    var justification: String?
    var contactId: String?
    var clientName: String?
    var scin: String?
    var nino: String?
    var furtherDetails: String?

    /// The fields the form itself checks (see `AccessRequestInput`).
    var input: AccessRequestInput {
        AccessRequestInput(staffId: staffId, phone: phone, team: team, grade: grade, area: area, purpose: purpose,
                           requestedDurationMinutes: requestedDurationMinutes, justification: justification, furtherDetails: furtherDetails,
                           clientName: clientName, scin: scin, nino: nino)
    }
}

struct AccessHistoryDTO: Content {
    let at: String
    let by: String?
    let action: AccessHistoryAction
    let reason: String?
}

/// An access request as the API answers it. The client name, SCIN and NINO are as the requester typed them on the
/// form, shown to those the procedure sends the form to (the requester, their team leader, SCR managers and
/// provisioning) so each can check it; notifications and email never carry them.
struct AccessRequestDTO: Content {
    let id: String
    let reference: String
    let status: AccessRequestStatus
    let statusName: String
    let purpose: GrantPurpose
    let purposeName: String
    let requester: StaffDTO
    /// The requester's details as given on this form (the directory's, or corrected).
    let requesterPhone: String
    let requesterTeam: String
    let requesterGrade: String
    let requesterArea: String
    let teamLeader: StaffDTO?
    let serviceRequestId: String?
    let requestedDurationMinutes: Int
    let justification: String
    let contactId: String?
    let clientName: String?
    let scin: String?
    let nino: String?
    let furtherDetails: String
    let history: [AccessHistoryDTO]
    let grantId: String?
}

struct GrantDTO: Content {
    let id: String
    let requestId: String
    let staffId: String
    let purpose: GrantPurpose
    let serviceRequestId: String?
    let contactId: String?
    let grantedAt: String
    let expiresAt: String
    let status: String
    let logOffConfirmedAt: String?
    let logOffConfirmedBy: String?
    /// Who ended it early, and why (provisioning's reason, or "account deactivated").
    let removedBy: String?
    let removalReason: String?

    init(_ grant: GrantModel, now: Date) {
        id = grant.id!.uuidString
        requestId = grant.requestId.uuidString
        staffId = grant.staffId
        purpose = grant.purpose
        serviceRequestId = grant.serviceRequestId?.uuidString
        contactId = grant.contactId?.uuidString
        grantedAt = CaseworkTime.iso8601(grant.grantedAt)
        expiresAt = CaseworkTime.iso8601(grant.expiresAt)
        status = grant.state(at: now).rawValue
        logOffConfirmedAt = grant.logOffConfirmedAt.map(CaseworkTime.iso8601)
        logOffConfirmedBy = grant.logOffConfirmedBy
        removedBy = grant.removedBy
        removalReason = grant.removalReason
    }
}

/// An extension or removal request as the API answers it.
struct GrantChangeDTO: Content {
    let id: String
    let grantId: String
    let kind: GrantChangeKind
    let status: GrantChangeStatus
    let additionalMinutes: Int?
    let reason: String
    let requestedBy: String
    let endorsedBy: String?
    let decidedBy: String?
    let decisionReason: String?
    let createdAt: String

    init(_ change: GrantChangeRequestModel) {
        createdAt = CaseworkTime.iso8601(change.createdAt)
        id = change.id!.uuidString
        grantId = change.grantId.uuidString
        kind = change.kind
        status = change.status
        additionalMinutes = change.additionalMinutes
        reason = change.reason
        requestedBy = change.requestedBy
        endorsedBy = change.endorsedBy
        decidedBy = change.decidedBy
        decisionReason = change.decisionReason
    }
}
