import Fluent
import SQLKit

/// Every audited read inserts an event, and every index of `audit_events` is one more B-tree to insert it into (at
/// national volume each insert into an index keyed by person or subject lands on a page of its own). Two of them
/// were the start of another: `audit_events_actor` of `audit_events_actor_seq` `(actor_staff_id, seq)`, and
/// `audit_events_subject` of `audit_events_subject_seq` `(subject_id, seq)`. Whatever either answered, the longer one
/// answers in the same order (`HotQueryPlanTests` runs the trail's searches), so they go.
struct DropAuditIndexesOthersCover: AsyncMigration {
    var name: String { "022_DropAuditIndexesOthersCover" }

    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.drop(index: "audit_events_actor").run()
        try await sql.drop(index: "audit_events_subject").run()
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.create(index: "audit_events_actor").on("audit_events").column("actor_staff_id").run()
        try await sql.create(index: "audit_events_subject").on("audit_events").column("subject_id").run()
    }
}
