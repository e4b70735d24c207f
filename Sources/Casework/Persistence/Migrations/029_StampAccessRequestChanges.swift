import Fluent
import SQLKit

/// The lists of access requests every SCR manager (or every provisioning officer) shares, the requests waiting at
/// their stage and all requests newest first, are the same for each of them, and at national volume were the dearest
/// reads left: fifty whole requests with their people and history, 1.6 ms of a server's CPU on SQLite and 4 ms on
/// PostgreSQL. A server keeps them (`AccessListCache`) for as long as nothing they show has changed on any server.
///
/// `change_stamps` holds one number a topic that every change to what those lists show moves on, by triggers, so
/// no code path can forget to: `accessRequests` moves with any insert, update or delete of a request, its history or
/// its grant, and with a change to a person's profile or roles (each request carries its requester and team leader
/// as the directory has them). A list is answered from the cache only when the stamp read now is the one read
/// before it was made. Sign-in failures and password changes update other columns of `staff`, and move nothing.
///
/// SQLite runs row triggers (one update of the stamp a row); PostgreSQL statement triggers, once a statement.
struct StampAccessRequestChanges: AsyncMigration {
    var name: String { "029_StampAccessRequestChanges" }

    /// The tables whose changes move the stamp, and for `staff` the columns a request's people are shown with.
    static let watched: [(table: String, updateOf: String?)] = [
        ("access_requests", nil), ("access_request_history", nil), ("grants", "request_id"),
        ("staff", "staff_id, name, email, phone, team, grade, area, team_leader_staff_id, active, deleted_at"), ("staff_roles", nil),
    ]

    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        let sqlite = sql.dialect.name == "sqlite"
        try await sql.raw("CREATE TABLE change_stamps (topic TEXT PRIMARY KEY, stamp BIGINT NOT NULL)").run()
        try await sql.raw("INSERT INTO change_stamps (topic, stamp) VALUES ('accessRequests', 0)").run()
        let bump = "UPDATE change_stamps SET stamp = stamp + 1 WHERE topic = 'accessRequests'"
        if !sqlite {
            try await sql.raw("""
                CREATE FUNCTION access_requests_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    \(unsafeRaw: bump);
                    RETURN NULL;
                END
                $$
                """).run()
        }
        for (table, updateOf) in Self.watched {
            // Only a grant's request id shows on a request; its end, removal and log-off move nothing here.
            let events: [(String, String)] = table == "grants"
                ? [("insert", "INSERT"), ("delete", "DELETE"), ("update", "UPDATE OF \(updateOf!)")]
                : [("insert", "INSERT"), ("delete", "DELETE"), ("update", updateOf.map { "UPDATE OF \($0)" } ?? "UPDATE")]
            for (suffix, event) in events {
                let trigger = "\(table)_stamp_\(suffix)"
                if sqlite {
                    try await sql.raw("CREATE TRIGGER \(unsafeRaw: trigger) AFTER \(unsafeRaw: event) ON \(unsafeRaw: table) BEGIN \(unsafeRaw: bump); END").run()
                } else {
                    try await sql.raw("""
                        CREATE TRIGGER \(unsafeRaw: trigger) AFTER \(unsafeRaw: event) ON \(unsafeRaw: table)
                        FOR EACH STATEMENT EXECUTE FUNCTION access_requests_stamp()
                        """).run()
                }
            }
        }
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        let sqlite = sql.dialect.name == "sqlite"
        for (table, _) in Self.watched {
            for suffix in ["insert", "delete", "update"] {
                try await sql.raw("DROP TRIGGER IF EXISTS \(unsafeRaw: "\(table)_stamp_\(suffix)")\(unsafeRaw: sqlite ? "" : " ON \(table)")").run()
            }
        }
        if !sqlite { try await sql.raw("DROP FUNCTION IF EXISTS access_requests_stamp()").run() }
        try await sql.raw("DROP TABLE change_stamps").run()
    }
}
