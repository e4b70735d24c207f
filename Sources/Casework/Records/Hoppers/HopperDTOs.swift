import CaseworkCore
import Vapor

// What the hopper API and page answer.

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
    /// Who may be assigned its work, as the choice's `<option>`s (`AssigneeChoices`; empty for someone who may not
    /// assign): the SCR hopper's is some two hundred people, the same for everyone, written once while they stand.
    let assigneeOptions: String
    let mayAssign: Bool
    let pagination: Pagination?
}

/// Written directly: every hopper's page of fifty, as the API's JSON and as a page's Leaf data (`ObjectWritable`).
extension HopperItemDTO: ObjectWritable {
    func writeEachMember<Writer: ObjectMemberWriter>(to object: inout Writer) {
        object.write(CodingKeys.id, id)
        object.write(CodingKeys.reference, reference)
        object.write(CodingKeys.type, type)
        object.write(CodingKeys.typeName, typeName)
        object.write(CodingKeys.routedAt, routedAt)
        object.write(CodingKeys.ageMinutes, ageMinutes)
        object.write(CodingKeys.age, age)
        object.write(CodingKeys.owningTeam, owningTeam)
        object.write(CodingKeys.routingRule, routingRule)
    }
}
