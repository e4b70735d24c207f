import Fluent

/// Extension and removal requests on grants.
struct CreateGrantChanges: AsyncMigration {
    var name: String { "008_CreateGrantChanges" }

    func prepare(on database: any Database) async throws {
        try await database.schema("grant_change_requests")
            .id()
            .field("grant_id", .uuid, .required, .references("grants", "id"))
            .field("kind", .string, .required)
            .field("status", .string, .required)
            .field("additional_minutes", .int)
            .field("reason", .string, .required)
            .field("requested_by", .string, .required, .references("staff", "staff_id"))
            .field("endorsed_by", .string)
            .field("decided_by", .string)
            .field("decision_reason", .string)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("grant_change_requests").delete()
    }
}
