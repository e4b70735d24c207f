import CaseworkCore
import Vapor

// What the staff directory API answers.

/// A staff member as the API answers them.
struct StaffDTO: Content {
    let staffId: String
    let name: String
    let email: String
    let phone: String
    let team: String
    let grade: String
    let area: String
    let teamLeaderStaffId: String?
    let roles: [String]
    let active: Bool

    init(_ profile: StaffProfile) {
        staffId = profile.staffId.value
        name = profile.name
        email = profile.email
        phone = profile.phone
        team = profile.team
        grade = profile.grade
        area = profile.area
        teamLeaderStaffId = profile.teamLeaderStaffId?.value
        roles = profile.roles.map(\.rawValue)
        active = profile.active
    }
}

/// Written directly: every access request in a list carries its requester and team leader (`JSONObjectWritable`).
extension StaffDTO: JSONObjectWritable {
    func writeMembers(to object: inout JSONObjectWriter) {
        object.write(CodingKeys.staffId, staffId)
        object.write(CodingKeys.name, name)
        object.write(CodingKeys.email, email)
        object.write(CodingKeys.phone, phone)
        object.write(CodingKeys.team, team)
        object.write(CodingKeys.grade, grade)
        object.write(CodingKeys.area, area)
        object.write(CodingKeys.teamLeaderStaffId, teamLeaderStaffId)
        object.write(CodingKeys.roles, roles)
        object.write(CodingKeys.active, active)
    }
}
