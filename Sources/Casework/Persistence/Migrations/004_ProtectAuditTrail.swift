import Fluent
import SQLKit

/// Makes the database itself refuse to update or delete an audit event.
/// Raw SQL because triggers have no portable builder; each dialect gets its own.
struct ProtectAuditTrail: AsyncMigration {
    var name: String { "004_ProtectAuditTrail" }

    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        if sql.dialect.name == "sqlite" {
            try await sql.raw("""
                CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
                BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END
                """).run()
            try await sql.raw("""
                CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
                BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END
                """).run()
        } else {
            try await sql.raw("""
                CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
                BEGIN RAISE EXCEPTION 'audit events are append-only'; END
                $$ LANGUAGE plpgsql
                """).run()
            try await sql.raw("""
                CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
                FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()
                """).run()
        }
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        if sql.dialect.name == "sqlite" {
            try await sql.raw("DROP TRIGGER IF EXISTS audit_events_no_update").run()
            try await sql.raw("DROP TRIGGER IF EXISTS audit_events_no_delete").run()
        } else {
            try await sql.raw("DROP TRIGGER IF EXISTS audit_events_no_change ON audit_events").run()
            try await sql.raw("DROP FUNCTION IF EXISTS audit_events_append_only()").run()
        }
    }
}
