import CaseworkCore
import Fluent
import Foundation

/// A row of the staff directory, with the person's credentials and sign-in counters.
final class StaffModel: Model, @unchecked Sendable {
    static let schema = "staff"

    @ID(custom: "staff_id", generatedBy: .user) var id: String?
    @Field(key: "name") var name: String
    /// The name in lower case, so search ignores case on every database.
    @Field(key: "search_name") var searchName: String
    @Field(key: "email") var email: String
    @Field(key: "phone") var phone: String
    @Field(key: "team") var team: String
    @Field(key: "grade") var grade: String
    @Field(key: "area") var area: String
    @OptionalField(key: "team_leader_staff_id") var teamLeaderStaffId: String?
    @Field(key: "active") var active: Bool
    @OptionalField(key: "password_hash") var passwordHash: String?
    @Field(key: "must_change_password") var mustChangePassword: Bool
    @Field(key: "failed_sign_ins") var failedSignIns: Int
    @OptionalField(key: "last_failed_sign_in_at") var lastFailedSignInAt: Date?
    @Children(for: \.$staff) var roleRows: [StaffRoleModel]
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date
    /// The identity provider's names for the person (SCIM `userName`, `externalId`); nil for people it has not sent.
    @OptionalField(key: "user_name") var userName: String?
    @OptionalField(key: "external_id") var externalId: String?
    /// Deleted by the identity provider: kept, deactivated, for the audit trail; SCIM answers 404 for them.
    @OptionalField(key: "deleted_at") var deletedAt: Date?
    /// SCIM's `name` (as JSON) and `displayName` as the provider sent them.
    @OptionalField(key: "scim_name") var scimName: String?
    @OptionalField(key: "scim_display_name") var scimDisplayName: String?

    init() {}

    init(profile: StaffProfile, now: Date) {
        id = profile.staffId.value
        createdAt = now
        active = true
        mustChangePassword = false
        failedSignIns = 0
        apply(profile, now: now)
    }

    /// Copies the directory fields (not roles, which live in their own table).
    func apply(_ profile: StaffProfile, now: Date) {
        name = profile.name
        searchName = profile.name.lowercased()
        email = profile.email
        phone = profile.phone
        team = profile.team
        grade = profile.grade
        area = profile.area
        teamLeaderStaffId = profile.teamLeaderStaffId?.value
        updatedAt = now
    }

    /// The domain view; `roles` must be loaded or passed.
    func profile(roles: [Role]) throws -> StaffProfile {
        StaffProfile(
            staffId: try .stored(id ?? ""), name: name, email: email, phone: phone, team: team, grade: grade, area: area,
            teamLeaderStaffId: teamLeaderStaffId.flatMap(StaffID.init), roles: roles, active: active)
    }

    var loadedRoles: [Role] {
        (($roleRows.value) ?? []).map(\.role).sorted()
    }
}

/// One role held by one person.
final class StaffRoleModel: Model, @unchecked Sendable {
    static let schema = "staff_roles"

    @ID(key: .id) var id: UUID?
    @Parent(key: "staff_id") var staff: StaffModel
    @Field(key: "role") var role: Role

    init() {}

    init(staffId: String, role: Role) {
        id = UUID()
        $staff.id = staffId
        self.role = role
    }
}
