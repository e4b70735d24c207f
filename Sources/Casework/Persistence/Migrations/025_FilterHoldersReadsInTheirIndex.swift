import Fluent
import SQLKit

/// The evidence of a grant lists what its holder read of sensitive contacts while it lasted
/// (`MonitoringQueries.contactAccess`): their events in order, of one subject type, between two instants. The
/// person's events were walked in `audit_events_actor_seq` `(actor_staff_id, seq)` and every one of them fetched
/// from the table to test its type and time, though a grant's window holds few of a holder's hundreds. On
/// PostgreSQL each fetch is a heap page of its own: the evidence answered 402 a second at national volume. The same
/// index with the type and time after the order carries both tests, so only the events kept are fetched; it
/// answers everything the old one did, in the same order, and replaces it, so an audited read still inserts into
/// as many indexes as before.
struct FilterHoldersReadsInTheirIndex: AsyncMigration {
    var name: String { "025_FilterHoldersReadsInTheirIndex" }

    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.create(index: "audit_events_actor_seq_kind_at").on("audit_events")
            .column("actor_staff_id").column("seq").column("subject_type").column("at").run()
        try await sql.drop(index: "audit_events_actor_seq").run()
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.create(index: "audit_events_actor_seq").on("audit_events").column("actor_staff_id").column("seq").run()
        try await sql.drop(index: "audit_events_actor_seq_kind_at").run()
    }
}
