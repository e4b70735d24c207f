import Fluent

/// The in-app inbox, and a mark on each grant once its end has been processed.
struct CreateNotificationsAndExpiry: AsyncMigration {
    var name: String { "009_CreateNotificationsAndExpiry" }

    func prepare(on database: any Database) async throws {
        try await database.schema("notifications")
            .id()
            .field("staff_id", .string, .required, .references("staff", "staff_id"))
            .field("at", .datetime, .required)
            .field("kind", .string, .required)
            .field("text", .string, .required)
            .field("link", .string)
            .field("read_at", .datetime)
            .create()
        try await database.schema("grants")
            .field("end_processed_at", .datetime)
            .update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("grants").deleteField("end_processed_at").update()
        try await database.schema("notifications").delete()
    }
}
