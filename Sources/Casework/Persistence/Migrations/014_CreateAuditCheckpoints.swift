import Fluent
import SQLKit

/// Signed checkpoints of the audit chain's head (`AuditCheckpoint`), one per event they vouch for. The database copy
/// lets anyone verify with the public key alone; the copy that matters against the database's owner is the anchor
/// file on other storage.
struct CreateAuditCheckpoints: AsyncMigration {
    var name: String { "014_CreateAuditCheckpoints" }

    func prepare(on database: any Database) async throws {
        try await database.schema("audit_checkpoints")
            .field("seq", .int64, .identifier(auto: false))
            .field("hash", .string, .required)
            .field("at", .string, .required)
            .field("signature", .string, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("audit_checkpoints").delete()
    }
}
