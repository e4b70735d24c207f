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

extension ServiceRequestDTO {
    /// An SR as its page shows it: `contacts` are its linked contacts as the caller may see them, `details` what the
    /// page reads beside the SR (its case's number, history, assignee's name).
    init(_ sr: StoredServiceRequest, contacts: [ContactListingDTO], details: RecordQueries.ServiceRequestDetails) {
        self.init(
            id: sr.id.text, reference: sr.reference, type: sr.type, typeName: sr.type.displayName, description: sr.description,
            status: sr.status, statusName: sr.status.displayName, caseId: sr.caseId?.text, caseNumber: sr.caseId.flatMap { details.caseNumbers[$0] },
            contactId: contacts.first(where: { !$0.restricted })?.id, contacts: contacts, segment: sr.segment,
            segmentName: sr.segment.map { Segment(id: $0).displayName(teamName: sr.owningTeam) }, routingRule: sr.routingRule,
            needsFinanceSupport: sr.needsFinanceSupport, parentId: sr.parentId?.text, owningTeam: sr.owningTeam,
            creatorStaffId: sr.creatorStaffId, assigneeStaffId: sr.assigneeStaffId, assigneeName: sr.assigneeStaffId.flatMap { details.assigneeNames[$0] },
            createdAt: CaseworkTime.iso8601(sr.createdAt), routedAt: sr.routedAt.map(CaseworkTime.iso8601),
            history: (details.history[sr.id] ?? []).map { HistoryDTO(at: CaseworkTime.iso8601($0.at), by: $0.byStaffId, action: $0.action, detail: $0.detail) })
    }
}

/// What a new service request is made from, as typed (the API's body and the page's form).
struct NewServiceRequest: Content {
    var type: String?
    var description: String?
    var caseId: String?
    var contactId: String?
    var needsFinanceSupport: Bool?
}
