import CaseworkCore
import Foundation
import Vapor

// What the temporary access API takes and answers (shared/API.md fixes the names).

/// The CSUA150 request as the API and the form send it: the form's own fields (`AccessRequestInput`, whose names are
/// the API's) and the records it names. The fields sit beside `serviceRequestId` and `contactId` in one JSON object,
/// as shared/API.md has them, and a new field of `AccessRequestInput` arrives here with nothing to add.
@dynamicMemberLookup
struct NewAccessRequest: Content {
    var input: AccessRequestInput
    /// The SR the access is for, by id or reference (`SR-…`).
    var serviceRequestId: String?
    /// The sensitive contact, by id; the form names the client by NINO or SCIN instead.
    var contactId: String?

    init(input: AccessRequestInput, serviceRequestId: String?, contactId: String? = nil) {
        self.input = input
        self.serviceRequestId = serviceRequestId
        self.contactId = contactId
    }

    /// `request.purpose` reads the form's field.
    subscript<Value>(dynamicMember field: WritableKeyPath<AccessRequestInput, Value>) -> Value {
        get { input[keyPath: field] }
        set { input[keyPath: field] = newValue }
    }

    private enum RecordKeys: String, CodingKey { case serviceRequestId, contactId }

    init(from decoder: any Decoder) throws {
        input = try AccessRequestInput(from: decoder)
        let records = try decoder.container(keyedBy: RecordKeys.self)
        serviceRequestId = try records.decodeIfPresent(String.self, forKey: .serviceRequestId)
        contactId = try records.decodeIfPresent(String.self, forKey: .contactId)
    }

    func encode(to encoder: any Encoder) throws {
        try input.encode(to: encoder)
        var records = encoder.container(keyedBy: RecordKeys.self)
        try records.encodeIfPresent(serviceRequestId, forKey: .serviceRequestId)
        try records.encodeIfPresent(contactId, forKey: .contactId)
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
@dynamicMemberLookup
struct AccessRequestDTO: Content {
    /// Where the request stands and what it names, beside the form's fields.
    struct Standing: Codable, Sendable {
        let id: String
        let reference: String
        let status: AccessRequestStatus
        let statusName: String
        let purposeName: String
        let requester: StaffDTO
        let teamLeader: StaffDTO?
        let serviceRequestId: String?
        let contactId: String?
        let history: [AccessHistoryDTO]
        let grantId: String?
    }

    let standing: Standing
    /// The form's fields as stored, answered beside `standing` under the names `Valid.CodingKeys` gives them
    /// (`requesterPhone`, `requestedDurationMinutes`, …): the requester's details as given on this form (the
    /// directory's, or corrected), the client as typed, the justification and further details.
    let details: AccessRequestInput.Valid

    /// `request.reference`, `request.status`: where it stands.
    subscript<Value>(dynamicMember field: KeyPath<Standing, Value>) -> Value { standing[keyPath: field] }
    /// `request.purpose`, `request.clientName`: the form's fields read as the API names them.
    subscript<Value>(dynamicMember field: KeyPath<AccessRequestInput.Valid, Value>) -> Value { details[keyPath: field] }

    init(standing: Standing, details: AccessRequestInput.Valid) {
        (self.standing, self.details) = (standing, details)
    }

    /// One JSON object: both parts write their own keys into it.
    init(from decoder: any Decoder) throws {
        standing = try Standing(from: decoder)
        details = try AccessRequestInput.Valid(from: decoder)
    }

    func encode(to encoder: any Encoder) throws {
        try standing.encode(to: encoder)
        try details.encode(to: encoder)
    }
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

    init(_ grant: some GrantFacts, now: Date) {
        id = grant.grantId.text
        requestId = grant.requestId.text
        staffId = grant.staffId
        purpose = grant.purpose
        serviceRequestId = grant.serviceRequestId?.text
        contactId = grant.contactId?.text
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
        id = change.id!.text
        grantId = change.grantId.text
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

// Written directly (`JSONObjectWritable`): the lists of access requests an SCR manager and provisioning open all day.

extension AccessHistoryDTO: JSONObjectWritable {
    func writeMembers(to object: inout JSONObjectWriter) {
        object.write(CodingKeys.at, at)
        object.write(CodingKeys.by, by)
        object.write(CodingKeys.action, action)
        object.write(CodingKeys.reason, reason)
    }
}

extension AccessRequestDTO.Standing: JSONObjectWritable {
    func writeMembers(to object: inout JSONObjectWriter) {
        object.write(CodingKeys.id, id)
        object.write(CodingKeys.reference, reference)
        object.write(CodingKeys.status, status)
        object.write(CodingKeys.statusName, statusName)
        object.write(CodingKeys.purposeName, purposeName)
        object.write(CodingKeys.requester, requester)
        object.write(CodingKeys.teamLeader, teamLeader)
        object.write(CodingKeys.serviceRequestId, serviceRequestId)
        object.write(CodingKeys.contactId, contactId)
        object.write(CodingKeys.history, history)
        object.write(CodingKeys.grantId, grantId)
    }
}

extension AccessRequestInput.Valid: JSONObjectWritable {
    func writeMembers(to object: inout JSONObjectWriter) {
        object.write(CodingKeys.purpose, purpose)
        object.write(CodingKeys.minutes, minutes)
        object.write(CodingKeys.justification, justification)
        object.write(CodingKeys.furtherDetails, furtherDetails)
        object.write(CodingKeys.phone, phone)
        object.write(CodingKeys.team, team)
        object.write(CodingKeys.grade, grade)
        object.write(CodingKeys.area, area)
        object.write(CodingKeys.clientName, clientName)
        object.write(CodingKeys.scin, scin)
        object.write(CodingKeys.nino, nino)
    }
}

/// One object, as `encode(to:)` makes it: the standing's members, then the form's.
extension AccessRequestDTO: JSONObjectWritable {
    func writeMembers(to object: inout JSONObjectWriter) {
        standing.writeMembers(to: &object)
        details.writeMembers(to: &object)
    }
}
