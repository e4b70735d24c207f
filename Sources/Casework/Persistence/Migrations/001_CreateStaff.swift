import Fluent

/// The staff directory and each person's roles.
struct CreateStaff: AsyncMigration {
    var name: String { "001_CreateStaff" }

    func prepare(on database: any Database) async throws {
        try await database.schema("staff")
            .field("staff_id", .string, .identifier(auto: false))
            .field("name", .string, .required)
            .field("search_name", .string, .required)
            .field("email", .string, .required)
            .field("phone", .string, .required)
            .field("team", .string, .required)
            .field("grade", .string, .required)
            .field("area", .string, .required)
            .field("team_leader_staff_id", .string, .references("staff", "staff_id"))
            .field("active", .bool, .required)
            .field("password_hash", .string)
            .field("must_change_password", .bool, .required)
            .field("failed_sign_ins", .int, .required)
            .field("last_failed_sign_in_at", .datetime)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .create()
        try await database.schema("staff_roles")
            .id()
            .field("staff_id", .string, .required, .references("staff", "staff_id", onDelete: .cascade))
            .field("role", .string, .required)
            .unique(on: "staff_id", "role")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("staff_roles").delete()
        try await database.schema("staff").delete()
    }
}
