import Fluent

/// CSUA150 requests, their history, and the grants they lead to.
struct CreateTemporaryAccess: AsyncMigration {
    var name: String { "007_CreateTemporaryAccess" }

    func prepare(on database: any Database) async throws {
        try await database.schema("access_requests")
            .id()
            .field("reference", .string, .required)
            .field("status", .string, .required)
            .field("purpose", .string, .required)
            .field("requester_staff_id", .string, .required, .references("staff", "staff_id"))
            .field("team_leader_staff_id", .string, .references("staff", "staff_id"))
            .field("requester_team", .string, .required)
            .field("requester_grade", .string, .required)
            .field("requester_area", .string, .required)
            .field("requested_minutes", .int, .required)
            .field("service_request_id", .uuid, .references("service_requests", "id"))
            .field("contact_id", .uuid, .references("contacts", "id"))
            .field("client_name", .string)
            .field("scin", .string)
            .field("nino", .string)
            .field("further_details", .string, .required)
            .field("justification", .string, .required)
            .field("team_leader_decided_by", .string)
            .field("scr_manager_decided_by", .string)
            .field("provisioning_decided_by", .string)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "reference")
            .create()
        try await database.schema("access_request_history")
            .id()
            .field("request_id", .uuid, .required, .references("access_requests", "id"))
            .field("at", .datetime, .required)
            .field("by_staff_id", .string)
            .field("action", .string, .required)
            .field("reason", .string)
            .create()
        try await database.schema("grants")
            .id()
            .field("request_id", .uuid, .required, .references("access_requests", "id"))
            .field("staff_id", .string, .required, .references("staff", "staff_id"))
            .field("purpose", .string, .required)
            .field("service_request_id", .uuid, .references("service_requests", "id"))
            .field("contact_id", .uuid, .references("contacts", "id"))
            .field("granted_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .field("removed_at", .datetime)
            .field("removed_by", .string)
            .field("removal_reason", .string)
            .field("log_off_confirmed_at", .datetime)
            .field("log_off_confirmed_by", .string)
            // One grant per request, whatever races: the database refuses a second.
            .unique(on: "request_id")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("grants").delete()
        try await database.schema("access_request_history").delete()
        try await database.schema("access_requests").delete()
    }
}
