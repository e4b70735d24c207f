import Fluent

/// Browser sessions and API tokens, kept in the database so they survive restarts and are shared by servers.
struct CreateAuthSessions: AsyncMigration {
    var name: String { "002_CreateAuthSessions" }

    func prepare(on database: any Database) async throws {
        try await database.schema("auth_sessions")
            .id()
            .field("token_hash", .string, .required)
            .field("kind", .string, .required)
            .field("staff_id", .string, .required, .references("staff", "staff_id", onDelete: .cascade))
            .field("role", .string)
            .field("csrf_token", .string, .required)
            .field("created_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .unique(on: "token_hash")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("auth_sessions").delete()
    }
}
