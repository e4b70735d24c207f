import Fluent

/// The email outbox; notifications and outbox messages name the access request they are about (for its
/// evidence page); grants remember when their "ending soon" reminder went; a request keeps the phone number its
/// requester gave (the form's contact details, correctable like team, grade and area).
struct CreateOutbox: AsyncMigration {
    var name: String { "010_CreateOutbox" }

    func prepare(on database: any Database) async throws {
        try await database.schema("outbox_messages")
            .id()
            .field("created_at", .datetime, .required)
            .field("to_address", .string, .required)
            .field("to_staff_id", .string)
            .field("subject", .string, .required)
            .field("body", .string, .required)
            .field("access_request_id", .uuid)
            .field("status", .string, .required)
            .field("attempts", .int, .required)
            .field("next_attempt_at", .datetime, .required)
            .field("last_error", .string)
            .field("sent_at", .datetime)
            .create()
        try await database.schema("notifications")
            .field("access_request_id", .uuid)
            .update()
        try await database.schema("grants")
            .field("reminder_sent_at", .datetime)
            .update()
        try await database.schema("access_requests")
            .field("requester_phone", .string)
            .update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("access_requests").deleteField("requester_phone").update()
        try await database.schema("grants").deleteField("reminder_sent_at").update()
        try await database.schema("notifications").deleteField("access_request_id").update()
        try await database.schema("outbox_messages").delete()
    }
}
