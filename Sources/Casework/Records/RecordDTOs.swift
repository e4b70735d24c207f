import CaseworkCore
import Vapor

/// A contact the caller may see.
struct ContactDTO: Content {
    let id: String
    let name: String
    let nino: String?
    let scin: String?
    let crn: String?
    let dateOfBirth: String?
    let address: String
    let sensitive: Bool

    init(_ contact: ContactModel) {
        id = contact.id!.uuidString
        name = contact.name
        nino = contact.nino
        scin = contact.scin
        crn = contact.crn
        dateOfBirth = contact.dateOfBirth
        address = contact.address
        sensitive = contact.sensitive
    }
}

/// A contact in a list: its details when the caller may see them, else only "restricted record".
struct ContactListingDTO: Content {
    let restricted: Bool
    let label: String
    let id: String?
    let name: String?
    let nino: String?
    let scin: String?
    let crn: String?
    let sensitive: Bool?

    static let restrictedLabel = "restricted record"

    init(_ contact: ContactModel, visible: Bool) {
        restricted = !visible
        if visible {
            label = contact.name
            id = contact.id!.uuidString
            name = contact.name
            nino = contact.nino
            scin = contact.scin
            crn = contact.crn
            sensitive = contact.sensitive
        } else {
            label = Self.restrictedLabel
            id = nil
            name = nil
            nino = nil
            scin = nil
            crn = nil
            sensitive = nil
        }
    }
}

/// A case participant: the role always, the person only when the caller may see them.
struct ParticipantDTO: Content {
    let role: ParticipantRole
    let roleName: String
    let contact: ContactListingDTO
    var contactId: String? { contact.id }
}

struct CaseDTO: Content {
    let id: String
    let caseNumber: String
    let participants: [ParticipantDTO]
}

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

/// A service request waiting in a hopper.
struct HopperItemDTO: Content {
    let id: String
    let reference: String
    let type: ServiceRequestType
    let typeName: String
    let routedAt: String
    let ageMinutes: Int
    let age: String
    let owningTeam: String
    let routingRule: String?
}

/// A hopper as its page shows it.
struct HopperView: Encodable {
    let segment: String
    let name: String
    let items: [HopperItemDTO]
    let nextCursor: String?
    /// Who may be assigned its work (listed only for someone who may assign).
    let members: [StaffDTO]
    let mayAssign: Bool
    let pagination: Pagination?
}

/// What a new service request is made from, as typed (the API's body and the page's form).
struct NewServiceRequest: Content {
    var type: String?
    var description: String?
    var caseId: String?
    var contactId: String?
    var needsFinanceSupport: Bool?
}
