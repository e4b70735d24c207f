import CaseworkCore
import Fluent
import Foundation
import SQLKit

/// A client.
final class ContactModel: Model, @unchecked Sendable {
    static let schema = "contacts"

    @ID(key: .id) var id: UUID?
    @Field(key: "name") var name: String
    @Field(key: "search_name") var searchName: String
    @OptionalField(key: "nino") var nino: String?
    @OptionalField(key: "scin") var scin: String?
    @OptionalField(key: "crn") var crn: String?
    @OptionalField(key: "date_of_birth") var dateOfBirth: String?
    @Field(key: "address") var address: String
    @Field(key: "sensitive") var sensitive: Bool
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    init() {}

    init(_ valid: ContactInput.Valid, sensitive: Bool, now: Date) {
        id = UUID()
        name = valid.name
        searchName = NameSearch.searchable(valid.name)
        nino = valid.nino?.value
        scin = valid.scin
        crn = valid.crn
        dateOfBirth = valid.dateOfBirth
        address = valid.address
        self.sensitive = sensitive
        createdAt = now
        updatedAt = now
    }

    /// A stored contact from a row of `SELECT * FROM contacts`: every contact view reads one, and Fluent's own
    /// decoding finds the fields by reflection, a sixth of an audited read's time. The columns are read once, by
    /// `StoredContact`.
    convenience init(row: any SQLRow) throws {
        self.init(try StoredContact(row: row))
    }

    /// The model of a contact read as plain values (to change it and save it).
    convenience init(_ stored: StoredContact) {
        self.init()
        id = stored.id
        $id.exists = true
        name = stored.name
        searchName = stored.searchName
        nino = stored.nino
        scin = stored.scin
        crn = stored.crn
        dateOfBirth = stored.dateOfBirth
        address = stored.address
        sensitive = stored.sensitive
        createdAt = stored.createdAt
        updatedAt = stored.updatedAt
    }
}

/// What the visibility rule and a listing read of a contact, whether it was read as a model or as plain values.
protocol ContactFacts {
    var contactId: UUID { get }
    var name: String { get }
    var nino: String? { get }
    var scin: String? { get }
    var crn: String? { get }
    var sensitive: Bool { get }
}

extension ContactModel: ContactFacts {
    var contactId: UUID { id! }
}

/// A row of `contacts` as plain values, for the contacts a page shows beside its own rows (the contacts linked to a
/// page of SRs, say): a Fluent model's every property read asks the runtime for generic metadata.
struct StoredContact: Sendable, ContactFacts {
    let id: UUID
    let name: String
    let searchName: String
    let nino: String?
    let scin: String?
    let crn: String?
    let dateOfBirth: String?
    let address: String
    let sensitive: Bool
    let createdAt: Date
    let updatedAt: Date

    var contactId: UUID { id }

    init(row: any SQLRow) throws {
        id = try row.decode(column: "id", as: UUID.self)
        name = try row.decode(column: "name", as: String.self)
        searchName = try row.decode(column: "search_name", as: String.self)
        nino = try row.decode(column: "nino", as: String?.self)
        scin = try row.decode(column: "scin", as: String?.self)
        crn = try row.decode(column: "crn", as: String?.self)
        dateOfBirth = try row.decode(column: "date_of_birth", as: String?.self)
        address = try row.decode(column: "address", as: String.self)
        sensitive = try row.decode(column: "sensitive", as: Bool.self)
        createdAt = try row.decode(column: "created_at", as: Date.self)
        updatedAt = try row.decode(column: "updated_at", as: Date.self)
    }
}

/// A child maintenance case.
final class CaseModel: Model, @unchecked Sendable {
    static let schema = "cases"

    @ID(key: .id) var id: UUID?
    @Field(key: "case_number") var caseNumber: String
    @Field(key: "created_at") var createdAt: Date
    @Children(for: \.$case) var participants: [CaseParticipantModel]

    init() {}

    init(caseNumber: String, now: Date) {
        id = UUID()
        self.caseNumber = caseNumber
        createdAt = now
    }

    /// A row of `cases` read without Fluent's model decoding (reflection over every property).
    init(row: any SQLRow) throws {
        id = try row.decode(column: "id", as: UUID.self)
        $id.exists = true
        caseNumber = try row.decode(column: "case_number", as: String.self)
        createdAt = try row.decode(column: "created_at", as: Date.self)
    }
}

/// A contact's part in a case.
final class CaseParticipantModel: Model, @unchecked Sendable {
    static let schema = "case_participants"

    @ID(key: .id) var id: UUID?
    @Parent(key: "case_id") var `case`: CaseModel
    @Parent(key: "contact_id") var contact: ContactModel
    @Field(key: "role") var role: ParticipantRole

    init() {}

    init(caseId: UUID, contactId: UUID, role: ParticipantRole) {
        id = UUID()
        $case.id = caseId
        $contact.id = contactId
        self.role = role
    }
}

/// A service request.
final class ServiceRequestModel: Model, @unchecked Sendable {
    static let schema = "service_requests"

    @ID(key: .id) var id: UUID?
    @Field(key: "reference") var reference: String
    @Field(key: "type") var type: ServiceRequestType
    @Field(key: "description") var description: String
    @Field(key: "status") var status: ServiceRequestStatus
    @OptionalParent(key: "case_id") var `case`: CaseModel?
    @Field(key: "owning_team") var owningTeam: String
    @OptionalField(key: "segment") var segment: String?
    @OptionalField(key: "routing_rule") var routingRule: String?
    @Field(key: "needs_finance_support") var needsFinanceSupport: Bool
    @OptionalField(key: "parent_id") var parentId: UUID?
    @Field(key: "creator_staff_id") var creatorStaffId: String
    @OptionalField(key: "assignee_staff_id") var assigneeStaffId: String?
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "routed_at") var routedAt: Date?
    @Field(key: "updated_at") var updatedAt: Date

    init() {}

    /// A new, open service request with a short reference people can read out.
    init(type: ServiceRequestType, description: String, owningTeam: String, creator: String, at now: Date) {
        id = UUID()
        reference = "SR-" + String(id!.text.prefix(8))
        self.type = type
        self.description = description
        status = .open
        self.owningTeam = owningTeam
        needsFinanceSupport = false
        creatorStaffId = creator
        createdAt = now
        updatedAt = now
    }


    var facts: ServiceRequestFacts {
        get throws {
            ServiceRequestFacts(status: status, creatorStaffId: try .stored(creatorStaffId), assigneeStaffId: assigneeStaffId.flatMap(StaffID.init))
        }
    }
}

/// A row of `service_requests` as plain values, for reading a page of them: every property of a Fluent model is an
/// object of its own whose every read and write asks the runtime for generic metadata (over a quarter of the SCR
/// hopper API's time in its profile). An SR to be changed is read as its model, through Fluent.
struct StoredServiceRequest: Sendable {
    let id: UUID
    let reference: String
    let type: ServiceRequestType
    let description: String
    let status: ServiceRequestStatus
    let caseId: UUID?
    let owningTeam: String
    let segment: String?
    let routingRule: String?
    let needsFinanceSupport: Bool
    let parentId: UUID?
    let creatorStaffId: String
    let assigneeStaffId: String?
    let createdAt: Date
    let routedAt: Date?
    let updatedAt: Date

    init(row: any SQLRow) throws {
        id = try row.decode(column: "id", as: UUID.self)
        reference = try row.decode(column: "reference", as: String.self)
        type = try .stored(try row.decode(column: "type", as: String.self))
        description = try row.decode(column: "description", as: String.self)
        status = try .stored(try row.decode(column: "status", as: String.self))
        caseId = try row.decode(column: "case_id", as: UUID?.self)
        owningTeam = try row.decode(column: "owning_team", as: String.self)
        segment = try row.decode(column: "segment", as: String?.self)
        routingRule = try row.decode(column: "routing_rule", as: String?.self)
        needsFinanceSupport = try row.decode(column: "needs_finance_support", as: Bool.self)
        parentId = try row.decode(column: "parent_id", as: UUID?.self)
        creatorStaffId = try row.decode(column: "creator_staff_id", as: String.self)
        assigneeStaffId = try row.decode(column: "assignee_staff_id", as: String?.self)
        createdAt = try row.decode(column: "created_at", as: Date.self)
        routedAt = try row.decode(column: "routed_at", as: Date?.self)
        updatedAt = try row.decode(column: "updated_at", as: Date.self)
    }
}
/// A contact linked to a service request.
final class ServiceRequestContactModel: Model, @unchecked Sendable {
    static let schema = "service_request_contacts"

    @ID(key: .id) var id: UUID?
    @Parent(key: "service_request_id") var serviceRequest: ServiceRequestModel
    @Parent(key: "contact_id") var contact: ContactModel

    init() {}

    init(serviceRequestId: UUID, contactId: UUID) {
        id = UUID()
        $serviceRequest.id = serviceRequestId
        $contact.id = contactId
    }
}

/// One step in a service request's history.
final class ServiceRequestHistoryModel: Model, @unchecked Sendable {
    static let schema = "service_request_history"

    @ID(key: .id) var id: UUID?
    @Parent(key: "service_request_id") var serviceRequest: ServiceRequestModel
    @Field(key: "at") var at: Date
    @OptionalField(key: "by_staff_id") var byStaffId: String?
    @Field(key: "action") var action: ServiceRequestHistoryAction
    @Field(key: "detail") var detail: String

    init() {}

    init(serviceRequestId: UUID, at: Date, by: String?, action: ServiceRequestHistoryAction, detail: String) {
        id = UUID.timeOrdered()
        $serviceRequest.id = serviceRequestId
        self.at = at
        byStaffId = by
        self.action = action
        self.detail = detail
    }
}

/// A row of `service_request_history` as plain values, for the history a page of SRs shows.
struct StoredServiceRequestHistory: Sendable {
    let serviceRequestId: UUID
    let at: Date
    let byStaffId: String?
    let action: ServiceRequestHistoryAction
    let detail: String

    init(row: any SQLRow) throws {
        serviceRequestId = try row.decode(column: "service_request_id", as: UUID.self)
        at = try row.decode(column: "at", as: Date.self)
        byStaffId = try row.decode(column: "by_staff_id", as: String?.self)
        action = try .stored(try row.decode(column: "action", as: String.self))
        detail = try row.decode(column: "detail", as: String.self)
    }
}
