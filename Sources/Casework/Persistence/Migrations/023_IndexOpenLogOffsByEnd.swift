import Fluent
import SQLKit

/// The overdue log-off confirmations (an SCR manager's home, monitoring) are the unconfirmed grants that ended
/// longest ago: `log_off_confirmed_at IS NULL` ordered by `expires_at`, or by `removed_at`, the first fifty. SQLite
/// walks `grants_log_off_open` in that order, taking `IS NULL` as an equality; PostgreSQL does not, so it read and
/// sorted every unconfirmed grant that had ended (a parallel scan of the grants, 31 ms at national volume, and an
/// SCR manager's home page at 48/s). Partial indexes of the unconfirmed grants by their end give both databases the
/// first fifty in order (0.1 ms).
struct IndexOpenLogOffsByEnd: AsyncMigration {
    var name: String { "023_IndexOpenLogOffsByEnd" }

    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.raw("CREATE INDEX grants_unconfirmed_by_expiry ON grants (expires_at) WHERE log_off_confirmed_at IS NULL").run()
        try await sql.raw("CREATE INDEX grants_unconfirmed_by_removal ON grants (removed_at) WHERE log_off_confirmed_at IS NULL").run()
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.drop(index: "grants_unconfirmed_by_removal").run()
        try await sql.drop(index: "grants_unconfirmed_by_expiry").run()
    }
}
