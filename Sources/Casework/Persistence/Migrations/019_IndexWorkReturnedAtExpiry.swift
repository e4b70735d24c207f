import Fluent
import SQLKit

/// When grants end, the expiry reads every open SR of the holders that involves a sensitive contact
/// (`RecordQueries.sensitiveContactsOfAssigned`). At national volume that was most of its time: each of the
/// holders' SRs was looked up in the five-million-row table for its status and case, and each participant in the
/// million-row contacts table for its `sensitive` flag.
/// - The holders' SRs are now read from one covering index, `(assignee, status, case, id)`. It replaces the index
///   on the assignee alone, which `service_requests_assignee_created` already starts with.
/// - The sensitive contacts (2% of them) have a partial index of their own, small enough to stay in the cache.
struct IndexWorkReturnedAtExpiry: AsyncMigration {
    var name: String { "019_IndexWorkReturnedAtExpiry" }

    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.drop(index: "service_requests_assignee").run()
        try await sql.create(index: "service_requests_assignee_work").on("service_requests")
            .column("assignee_staff_id").column("status").column("case_id").column("id").run()
        try await sql.raw("CREATE INDEX contacts_sensitive ON contacts (id) WHERE sensitive = TRUE").run()
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.drop(index: "contacts_sensitive").run()
        try await sql.drop(index: "service_requests_assignee_work").run()
        try await sql.create(index: "service_requests_assignee").on("service_requests").column("assignee_staff_id").run()
    }
}
