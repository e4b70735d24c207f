import Fluent
import SQLKit

/// The receipts and payments tool: its users, exceptional cases and their ledger entries.
struct CreateReceiptsTool: AsyncMigration {
    var name: String { "006_CreateReceiptsTool" }

    func prepare(on database: any Database) async throws {
        try await database.schema("tool_users")
            .field("staff_id", .string, .identifier(auto: false), .references("staff", "staff_id"))
            .field("phone", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema("exceptional_cases")
            .id()
            .field("reference", .string, .required)
            .field("type", .string, .required)
            .field("incident_reference", .string)
            .field("receiving_parent", .string, .required)
            .field("paying_parent", .string, .required)
            .field("status", .string, .required)
            .field("notes", .string, .required)
            .field("created_by", .string, .required, .references("staff", "staff_id"))
            .field("created_at", .datetime, .required)
            .unique(on: "reference")
            .create()
        try await database.schema("ledger_entries")
            .id()
            .field("case_id", .uuid, .required, .references("exceptional_cases", "id"))
            .field("seq", .int, .required)
            .field("kind", .string, .required)
            .field("amount_pence", .int64, .required)
            .field("on_date", .string, .required)
            .field("method", .string, .required)
            .field("payer", .string)
            .field("reference", .string, .required)
            .field("reverses_entry_id", .uuid, .references("ledger_entries", "id"))
            .field("reason", .string)
            .field("idempotency_key", .string)
            .field("created_by", .string, .required, .references("staff", "staff_id"))
            .field("created_at", .datetime, .required)
            .unique(on: "case_id", "seq")
            .unique(on: "idempotency_key")
            .unique(on: "reverses_entry_id")
            .create()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "ledger_entries_on_date").on("ledger_entries").column("on_date").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("ledger_entries").delete()
        try await database.schema("exceptional_cases").delete()
        try await database.schema("tool_users").delete()
    }
}
