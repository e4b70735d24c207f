import Fluent
import SQLKit

/// The SCR manager's home lists the day's latest refusals and failures, and the administrator's its failed sign-ins.
/// Through `(outcome, at)` the page read every refusal of the last 24 hours and sorted them for the newest twenty,
/// so it slowed as the day's audited reads added refusals: at national scale an SCR manager's home answered 724/s on
/// a fresh server and 147/s once the bench's searches had shown thousands of restricted records. Partial indexes of
/// the events that are not successes, in time order, give the newest twenty and stop:
/// - `audit_events_refusals` `(at, seq)`, for every kind of action;
/// - `audit_events_refusals_by_action` `(action, at, seq)`, for one action's (failed sign-ins).
/// They replace `(outcome, at)`, which no other read uses and which every audited read paid for in its insert.
struct IndexRecentRefusals: AsyncMigration {
    var name: String { "021_IndexRecentRefusals" }

    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.drop(index: "audit_events_outcome_at").run()
        try await sql.raw("CREATE INDEX audit_events_refusals ON audit_events (at, seq) WHERE outcome <> 'success'").run()
        try await sql.raw("CREATE INDEX audit_events_refusals_by_action ON audit_events (action, at, seq) WHERE outcome <> 'success'").run()
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.drop(index: "audit_events_refusals_by_action").run()
        try await sql.drop(index: "audit_events_refusals").run()
        try await sql.create(index: "audit_events_outcome_at").on("audit_events").column("outcome").column("at").run()
    }
}
