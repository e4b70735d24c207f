import Fluent

/// When each session or token was last used, so one left idle ends (`CASEWORK_SESSION_IDLE_MINUTES`) whatever its
/// lifetime left. Empty until first used: the session's creation counts until then.
struct TrackSessionUse: AsyncMigration {
    var name: String { "015_TrackSessionUse" }

    func prepare(on database: any Database) async throws {
        try await database.schema("auth_sessions").field("last_used_at", .datetime).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("auth_sessions").deleteField("last_used_at").update()
    }
}
