import Fluent
import SQLKit

/// A person's open SRs, newest first (their home's "assigned to you", the SR list's two tables), were read from
/// the index of all their SRs by creation, each looked up in the table for its status and the closed ones passed
/// over. Closed work is kept, so it outgrows the open: at national volume an SCR caseworker with 6,786 closed SRs
/// and none open had every one of them read on every view of their home (13–20 ms, where others took 1 ms).
/// Partial indexes of the open SRs alone, by assignee and by creator, in the lists' order, give the first page
/// without reading a closed one. The queries name `'closed'` as a literal, so that SQLite's planner, and
/// PostgreSQL's for a prepared statement, can match it to the indexes' condition (a bound value is not matched).
struct IndexOpenWorkByPerson: AsyncMigration {
    var name: String { "024_IndexOpenWorkByPerson" }

    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.raw("""
            CREATE INDEX service_requests_open_by_assignee ON service_requests (assignee_staff_id, created_at, id) WHERE status <> 'closed'
            """).run()
        try await sql.raw("""
            CREATE INDEX service_requests_open_by_creator ON service_requests (creator_staff_id, created_at, id) WHERE status <> 'closed'
            """).run()
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.drop(index: "service_requests_open_by_creator").run()
        try await sql.drop(index: "service_requests_open_by_assignee").run()
    }
}
