import Fluent
import SQLKit

/// Each hopper's count of waiting SRs, kept by the database as SRs come, move and go. Every home page of a role that
/// works SRs says how many wait in its hoppers; counted on each visit, the SCR hopper's 47,500 waiting SRs at
/// national volume cost 4.4 ms of index walking, most of an SCR manager's home page. Triggers keep the count with
/// every write, whoever makes it (the app, a command, the scale seeder), in the same transaction.
struct CountWaitingWork: AsyncMigration {
    var name: String { "020_CountWaitingWork" }

    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.raw("CREATE TABLE hopper_counts (segment TEXT PRIMARY KEY, waiting BIGINT NOT NULL)").run()
        try await sql.raw("""
            INSERT INTO hopper_counts (segment, waiting)
            SELECT segment, COUNT(*) FROM service_requests WHERE status = 'pendingAssignment' AND segment IS NOT NULL GROUP BY segment
            """).run()
        if sql.dialect.name == "sqlite" {
            try await sql.raw("""
                CREATE TRIGGER hopper_counts_insert AFTER INSERT ON service_requests
                WHEN NEW.status = 'pendingAssignment' AND NEW.segment IS NOT NULL
                BEGIN
                    INSERT INTO hopper_counts (segment, waiting) VALUES (NEW.segment, 1)
                        ON CONFLICT (segment) DO UPDATE SET waiting = waiting + 1;
                END
                """).run()
            try await sql.raw("""
                CREATE TRIGGER hopper_counts_delete AFTER DELETE ON service_requests
                WHEN OLD.status = 'pendingAssignment' AND OLD.segment IS NOT NULL
                BEGIN
                    UPDATE hopper_counts SET waiting = waiting - 1 WHERE segment = OLD.segment;
                END
                """).run()
            try await sql.raw("""
                CREATE TRIGGER hopper_counts_update AFTER UPDATE OF status, segment ON service_requests
                WHEN (OLD.status = 'pendingAssignment' AND OLD.segment IS NOT NULL) OR (NEW.status = 'pendingAssignment' AND NEW.segment IS NOT NULL)
                BEGIN
                    UPDATE hopper_counts SET waiting = waiting - 1
                        WHERE OLD.status = 'pendingAssignment' AND segment = OLD.segment;
                    INSERT INTO hopper_counts (segment, waiting) SELECT NEW.segment, 1
                        WHERE NEW.status = 'pendingAssignment' AND NEW.segment IS NOT NULL
                        ON CONFLICT (segment) DO UPDATE SET waiting = waiting + 1;
                END
                """).run()
        } else {
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

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        if sql.dialect.name == "sqlite" {
            for trigger in ["hopper_counts_insert", "hopper_counts_delete", "hopper_counts_update"] {
                try await sql.raw("DROP TRIGGER IF EXISTS \(unsafeRaw: trigger)").run()
            }
        } else {
            try await sql.raw("DROP TRIGGER IF EXISTS hopper_counts_follow ON service_requests").run()
            try await sql.raw("DROP FUNCTION IF EXISTS hopper_counts_follow()").run()
        }
        try await sql.raw("DROP TABLE hopper_counts").run()
    }
}
