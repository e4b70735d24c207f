import CaseworkCore
import Vapor

// What the service request API takes and answers.

struct HistoryDTO: Content {
    let at: String
    let by: String?
    let action: ServiceRequestHistoryAction
    let detail: String
}

/// A service request as the API answers it.
struct ServiceRequestDTO: Content {
    let id: String
    let reference: String
    let type: ServiceRequestType
    let typeName: String
    let description: String
    let status: ServiceRequestStatus
    let statusName: String
    let caseId: String?
    let caseNumber: String?
    let contactId: String?
    let contacts: [ContactListingDTO]
    let segment: String?
    let segmentName: String?
    let routingRule: String?
    let needsFinanceSupport: Bool
    let parentId: String?
    let owningTeam: String
    let creatorStaffId: String
    let assigneeStaffId: String?
    let assigneeName: String?
    let createdAt: String
    let routedAt: String?
    let history: [HistoryDTO]
}

/// What a new service request is made from, as typed (the API's body and the page's form).
struct NewServiceRequest: Content {
    var type: String?
    var description: String?
    var caseId: String?
    var contactId: String?
    var needsFinanceSupport: Bool?
}
