import CaseworkCore
import Fluent
import SQLKit

/// The append-only audit trail and its chain head.
struct CreateAuditTrail: AsyncMigration {
    var name: String { "003_CreateAuditTrail" }

    func prepare(on database: any Database) async throws {
        try await database.schema("audit_events")
            .id()
            .field("seq", .int64, .required)
            .field("at", .string, .required)
            .field("actor_staff_id", .string)
            .field("actor_role", .string)
            .field("action", .string, .required)
            .field("subject_type", .string, .required)
            .field("subject_id", .string, .required)
            .field("outcome", .string, .required)
            .field("detail", .string, .required)
            .field("prev_hash", .string, .required)
            .field("hash", .string, .required)
            .unique(on: "seq")
            .create()
        try await database.schema("audit_chain_head")
            .field("id", .int, .identifier(auto: false))
            .field("last_seq", .int64, .required)
            .field("last_hash", .string, .required)
            .create()
        try await AuditChainHeadModel(lastSeq: 0, lastHash: AuditChain.genesisHash).create(on: database)
        // Searches filter by actor, subject and period.
        let sql = database as! any SQLDatabase
        try await sql.create(index: "audit_events_actor").on("audit_events").column("actor_staff_id").run()
        try await sql.create(index: "audit_events_subject").on("audit_events").column("subject_id").run()
        try await sql.create(index: "audit_events_at").on("audit_events").column("at").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("audit_chain_head").delete()
        try await database.schema("audit_events").delete()
    }
}
