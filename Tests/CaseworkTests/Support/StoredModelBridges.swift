@testable import Casework
import Fluent
import SQLKit

// The service requests and grants the server reads are plain values (`StoredServiceRequest`, `StoredGrant`); these
// bridges make a model of one, so `PointReadTests` and `PreparedReadTests` can hold each hand-written reader to
// Fluent's decoding of the same row, every field, by comparing the two models' JSON.

extension ServiceRequestModel {
    convenience init(row: any SQLRow) throws {
        self.init(try StoredServiceRequest(row: row))
    }

    /// The model with every field of the plain values.
    convenience init(_ stored: StoredServiceRequest) {
        self.init()
        id = stored.id
        $id.exists = true
        reference = stored.reference
        type = stored.type
        description = stored.description
        status = stored.status
        $case.id = stored.caseId
        owningTeam = stored.owningTeam
        segment = stored.segment
        routingRule = stored.routingRule
        needsFinanceSupport = stored.needsFinanceSupport
        parentId = stored.parentId
        creatorStaffId = stored.creatorStaffId
        assigneeStaffId = stored.assigneeStaffId
        createdAt = stored.createdAt
        routedAt = stored.routedAt
        updatedAt = stored.updatedAt
    }
}

extension GrantModel {
    convenience init(row: any SQLRow) throws {
        self.init(try StoredGrant(row: row))
    }

    /// The model with every field of the plain values.
    convenience init(_ stored: StoredGrant) {
        self.init()
        id = stored.id
        $id.exists = true
        requestId = stored.requestId
        staffId = stored.staffId
        purpose = stored.purpose
        serviceRequestId = stored.serviceRequestId
        contactId = stored.contactId
        grantedAt = stored.grantedAt
        expiresAt = stored.expiresAt
        removedAt = stored.removedAt
        removedBy = stored.removedBy
        removalReason = stored.removalReason
        logOffConfirmedAt = stored.logOffConfirmedAt
        logOffConfirmedBy = stored.logOffConfirmedBy
        endProcessedAt = stored.endProcessedAt
        reminderSentAt = stored.reminderSentAt
    }
}
