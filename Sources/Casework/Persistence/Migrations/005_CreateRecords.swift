import Fluent
import SQLKit

/// Contacts, cases and their participants, service requests with their links and history.
struct CreateRecords: AsyncMigration {
    var name: String { "005_CreateRecords" }

    func prepare(on database: any Database) async throws {
        try await database.schema("contacts")
            .id()
            .field("name", .string, .required)
            .field("search_name", .string, .required)
            .field("nino", .string)
            .field("scin", .string)
            .field("crn", .string)
            .field("date_of_birth", .string)
            .field("address", .string, .required)
            .field("sensitive", .bool, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "nino")
            .unique(on: "scin")
            .unique(on: "crn")
            .create()
        try await database.schema("cases")
            .id()
            .field("case_number", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "case_number")
            .create()
        try await database.schema("case_participants")
            .id()
            .field("case_id", .uuid, .required, .references("cases", "id", onDelete: .cascade))
            .field("contact_id", .uuid, .required, .references("contacts", "id"))
            .field("role", .string, .required)
            .unique(on: "case_id", "contact_id")
            .create()
        try await database.schema("service_requests")
            .id()
            .field("reference", .string, .required)
            .field("type", .string, .required)
            .field("description", .string, .required)
            .field("status", .string, .required)
            .field("case_id", .uuid, .references("cases", "id"))
            .field("owning_team", .string, .required)
            .field("segment", .string)
            .field("routing_rule", .string)
            .field("needs_finance_support", .bool, .required)
            .field("parent_id", .uuid, .references("service_requests", "id"))
            .field("creator_staff_id", .string, .required, .references("staff", "staff_id"))
            .field("assignee_staff_id", .string, .references("staff", "staff_id"))
            .field("created_at", .datetime, .required)
            .field("routed_at", .datetime)
            .field("updated_at", .datetime, .required)
            .unique(on: "reference")
            .create()
        try await database.schema("service_request_contacts")
            .id()
            .field("service_request_id", .uuid, .required, .references("service_requests", "id", onDelete: .cascade))
            .field("contact_id", .uuid, .required, .references("contacts", "id"))
            .unique(on: "service_request_id", "contact_id")
            .create()
        try await database.schema("service_request_history")
            .id()
            .field("service_request_id", .uuid, .required, .references("service_requests", "id", onDelete: .cascade))
            .field("at", .datetime, .required)
            .field("by_staff_id", .string)
            .field("action", .string, .required)
            .field("detail", .string, .required)
            .create()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "contacts_search_name").on("contacts").column("search_name").run()
        try await sql.create(index: "service_requests_hopper").on("service_requests").column("segment").column("status").column("routed_at").run()
        try await sql.create(index: "service_requests_assignee").on("service_requests").column("assignee_staff_id").run()
        try await sql.create(index: "service_request_contacts_contact").on("service_request_contacts").column("contact_id").run()
        try await sql.create(index: "case_participants_contact").on("case_participants").column("contact_id").run()
    }

    func revert(on database: any Database) async throws {
        for table in ["service_request_history", "service_request_contacts", "service_requests", "case_participants", "cases", "contacts"] {
            try await database.schema(table).delete()
        }
    }
}
