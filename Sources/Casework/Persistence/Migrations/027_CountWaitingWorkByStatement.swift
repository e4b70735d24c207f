import Fluent
import SQLKit

/// On PostgreSQL, each hopper's count of waiting SRs (`CountWaitingWork`) is kept once a statement rather than once a
/// row. The row trigger updated the hopper's one `hopper_counts` row for every SR an update moved, and within one
/// transaction each of those updates leaves a new version of that row that the next must walk past: when ten thousand
/// grants ended together and their SRs went back to the SCR hopper, about 29 ms of each batch's 1,100-row update was
/// that trigger. Statement triggers see the rows a statement inserted, updated or deleted (its transition tables) and
/// move each hopper's count once by the difference. A statement that moves no waiting SR writes nothing. SQLite
/// updates a row in place, so its row triggers stay.
struct CountWaitingWorkByStatement: AsyncMigration {
    var name: String { "027_CountWaitingWorkByStatement" }

    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        guard sql.dialect.name != "sqlite" else { return }
        try await sql.raw("DROP TRIGGER hopper_counts_follow ON service_requests").run()
        try await sql.raw("DROP FUNCTION hopper_counts_follow()").run()
        // Rows in `gone` leave their hopper, rows in `came` join one; each hopper moves once, by the difference (an
        // update that leaves a waiting SR waiting where it was moves nothing).
        try await sql.raw("""
            CREATE FUNCTION hopper_counts_follow_statement() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'INSERT' THEN
                    INSERT INTO hopper_counts (segment, waiting)
                    SELECT segment, COUNT(*) FROM came WHERE status = 'pendingAssignment' AND segment IS NOT NULL GROUP BY segment
                    ON CONFLICT (segment) DO UPDATE SET waiting = hopper_counts.waiting + EXCLUDED.waiting;
                ELSIF TG_OP = 'DELETE' THEN
                    INSERT INTO hopper_counts (segment, waiting)
                    SELECT segment, -COUNT(*) FROM gone WHERE status = 'pendingAssignment' AND segment IS NOT NULL GROUP BY segment
                    ON CONFLICT (segment) DO UPDATE SET waiting = hopper_counts.waiting + EXCLUDED.waiting;
                ELSE
                    INSERT INTO hopper_counts (segment, waiting)
                    SELECT segment, SUM(change) FROM (
                        SELECT segment, -1 AS change FROM gone WHERE status = 'pendingAssignment' AND segment IS NOT NULL
                        UNION ALL
                        SELECT segment, 1 FROM came WHERE status = 'pendingAssignment' AND segment IS NOT NULL
                    ) AS moved GROUP BY segment HAVING SUM(change) <> 0
                    ON CONFLICT (segment) DO UPDATE SET waiting = hopper_counts.waiting + EXCLUDED.waiting;
                END IF;
                RETURN NULL;
            END
            $$
            """).run()
        // A trigger with transition tables answers one event, and takes no column list.
        try await sql.raw("""
            CREATE TRIGGER hopper_counts_insert AFTER INSERT ON service_requests
            REFERENCING NEW TABLE AS came FOR EACH STATEMENT EXECUTE FUNCTION hopper_counts_follow_statement()
            """).run()
        try await sql.raw("""
            CREATE TRIGGER hopper_counts_update AFTER UPDATE ON service_requests
            REFERENCING OLD TABLE AS gone NEW TABLE AS came FOR EACH STATEMENT EXECUTE FUNCTION hopper_counts_follow_statement()
            """).run()
        try await sql.raw("""
            CREATE TRIGGER hopper_counts_delete AFTER DELETE ON service_requests
            REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION hopper_counts_follow_statement()
            """).run()
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        guard sql.dialect.name != "sqlite" else { return }
        for trigger in ["hopper_counts_insert", "hopper_counts_update", "hopper_counts_delete"] {
            try await sql.raw("DROP TRIGGER IF EXISTS \(unsafeRaw: trigger) ON service_requests").run()
        }
        try await sql.raw("DROP FUNCTION IF EXISTS hopper_counts_follow_statement()").run()
        // Migration 020's row trigger, as it made it.
        try await sql.raw("""
            CREATE FUNCTION hopper_counts_follow() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP <> 'INSERT' AND OLD.status = 'pendingAssignment' AND OLD.segment IS NOT NULL THEN
                    UPDATE hopper_counts SET waiting = waiting - 1 WHERE segment = OLD.segment;
                END IF;
                IF TG_OP <> 'DELETE' AND NEW.status = 'pendingAssignment' AND NEW.segment IS NOT NULL THEN
                    INSERT INTO hopper_counts (segment, waiting) VALUES (NEW.segment, 1)
                        ON CONFLICT (segment) DO UPDATE SET waiting = hopper_counts.waiting + 1;
                END IF;
                RETURN NULL;
            END
            $$
            """).run()
        try await sql.raw("""
            CREATE TRIGGER hopper_counts_follow AFTER INSERT OR UPDATE OF status, segment OR DELETE ON service_requests
            FOR EACH ROW EXECUTE FUNCTION hopper_counts_follow()
            """).run()
    }
}
