import Fluent
import SQLKit

/// The SCR and CFAT hoppers' pages offer everyone who works the segment to assign to: every active holder of the
/// segment's role, some two hundred SCR caseworkers at national volume. Reading them for every page was the dearest
/// statement an SCR hopper page sent on PostgreSQL (402 µs, four times the page of SRs itself), and each page is the
/// same list for everyone. A server keeps it (`SegmentMembersCache`) for as long as the `directory` change stamp,
/// moved by triggers with any change to who is in the directory, their name, team or roles (made on any server, by
/// a person, an import or SCIM), is the one read before it.
///
/// Like `accessRequests` (`StampAccessRequestChanges`): SQLite runs row triggers, PostgreSQL statement triggers.
/// Sign-in failures, passwords and session use update other columns of `staff`, and move nothing.
struct StampDirectoryChanges: AsyncMigration {
    var name: String { "031_StampDirectoryChanges" }

    /// The tables whose changes move the stamp, and for `staff` the columns a member is chosen and shown by.
    static let watched: [(table: String, updateOf: String?)] = [
        ("staff", "staff_id, name, team, active, deleted_at"), ("staff_roles", nil),
    ]

    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        let sqlite = sql.dialect.name == "sqlite"
        try await sql.raw("INSERT INTO change_stamps (topic, stamp) VALUES ('directory', 0)").run()
        let bump = "UPDATE change_stamps SET stamp = stamp + 1 WHERE topic = 'directory'"
        if !sqlite {
            try await sql.raw("""
                CREATE FUNCTION directory_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    \(unsafeRaw: bump);
                    RETURN NULL;
                END
                $$
                """).run()
        }
        for (table, updateOf) in Self.watched {
            for (suffix, event) in [("insert", "INSERT"), ("delete", "DELETE"), ("update", updateOf.map { "UPDATE OF \($0)" } ?? "UPDATE")] {
                let trigger = "\(table)_directory_stamp_\(suffix)"
                if sqlite {
                    try await sql.raw("CREATE TRIGGER \(unsafeRaw: trigger) AFTER \(unsafeRaw: event) ON \(unsafeRaw: table) BEGIN \(unsafeRaw: bump); END").run()
                } else {
                    try await sql.raw("""
                        CREATE TRIGGER \(unsafeRaw: trigger) AFTER \(unsafeRaw: event) ON \(unsafeRaw: table)
                        FOR EACH STATEMENT EXECUTE FUNCTION directory_stamp()
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
                try await sql.raw("DROP TRIGGER IF EXISTS \(unsafeRaw: "\(table)_directory_stamp_\(suffix)")\(unsafeRaw: sqlite ? "" : " ON \(table)")").run()
            }
        }
        if !sqlite { try await sql.raw("DROP FUNCTION IF EXISTS directory_stamp()").run() }
        try await sql.raw("DELETE FROM change_stamps WHERE topic = 'directory'").run()
    }
}
