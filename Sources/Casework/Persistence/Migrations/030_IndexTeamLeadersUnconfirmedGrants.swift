import Fluent
import SQLKit

/// A team leader's home lists the grants whose log-off they have still to confirm, found from their own granted
/// requests (`AccessQueries.unconfirmedGrants(countersignedBy:)`). At national volume a leader has some seventy granted
/// requests, of which a third still have an unconfirmed grant: PostgreSQL read every one of those requests from the
/// table for its id and reference, then every grant, to drop the confirmed ones (271 µs a home page, the dearest
/// statement a team leader's home sent; 0.36 ms warm in `EXPLAIN ANALYZE`, 0.11 ms with these indexes).
/// - The leader's index carries each request's id and reference, so the requests are read from it alone (on
///   PostgreSQL as included columns; SQLite keeps them at the key's end). It replaces `access_requests_team_leader`,
///   whose key it begins with, so the leader's lists keep their order.
/// - The unconfirmed grants by request: a confirmed grant is not in it, so only the grants listed are read.
struct IndexTeamLeadersUnconfirmedGrants: AsyncMigration {
    var name: String { "030_IndexTeamLeadersUnconfirmedGrants" }

    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        let leadersRequests = sql.dialect.name == "sqlite"
            ? "CREATE INDEX access_requests_team_leader_covering ON access_requests (team_leader_staff_id, status, created_at, id, reference)"
            : "CREATE INDEX access_requests_team_leader_covering ON access_requests (team_leader_staff_id, status, created_at) INCLUDE (id, reference)"
        try await sql.raw(SQLQueryString(leadersRequests)).run()
        try await sql.drop(index: "access_requests_team_leader").run()
        try await sql.raw("CREATE INDEX grants_unconfirmed_by_request ON grants (request_id) WHERE log_off_confirmed_at IS NULL").run()
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.drop(index: "grants_unconfirmed_by_request").run()
        try await sql.create(index: "access_requests_team_leader").on("access_requests").column("team_leader_staff_id").column("status").column("created_at").run()
        try await sql.drop(index: "access_requests_team_leader_covering").run()
    }
}
