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
    /// Who may be assigned its work (listed only for someone who may assign).
    let members: [StaffDTO]
    let mayAssign: Bool
    let pagination: Pagination?
}
