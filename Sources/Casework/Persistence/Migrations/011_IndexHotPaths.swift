import Fluent
import SQLKit

/// An index for every query on a hot path, so each page reads what it shows and not the table around it
/// (issue 9: a million clients, five million SRs, a hundred thousand live grants, ten million audit events).
/// `HotQueryPlanTests` asks the database for the plan of each hot query and fails on a full scan of a large table.
///
/// Contact search by any part of a name goes through a trigram index: SQLite's FTS5 `trigram` tokenizer (an
/// external-content table kept in step by triggers), PostgreSQL's `pg_trgm`. Raw SQL there, as neither has a builder.
struct IndexHotPaths: AsyncMigration {
    var name: String { "011_IndexHotPaths" }

    /// (index name, table, columns): the order of the columns is the order the queries filter and sort by.
    static let indexes: [(String, String, [String])] = [
        // Sign-in, sessions ended when a grant ends or a person is deactivated.
        ("auth_sessions_staff", "auth_sessions", ["staff_id"]),
        // The directory: a team's members (hopper assignment), a role's holders (stage notifications), locked accounts.
        ("staff_team", "staff", ["team"]),
        ("staff_team_leader", "staff", ["team_leader_staff_id"]),
        ("staff_failed_sign_ins", "staff", ["failed_sign_ins"]),
        ("staff_roles_role", "staff_roles", ["role", "staff_id"]),
        // Service requests raised by or assigned to a person, newest first; their history.
        ("service_requests_creator", "service_requests", ["creator_staff_id", "created_at"]),
        // Hoppers page by (routed_at, id): the id in the index keeps a keyset page in index order on ties.
        ("service_requests_hopper_keyset", "service_requests", ["segment", "status", "routed_at", "id"]),
        ("service_requests_assignee_created", "service_requests", ["assignee_staff_id", "created_at"]),
        ("service_requests_case", "service_requests", ["case_id"]),
        ("service_request_history_sr", "service_request_history", ["service_request_id", "at"]),
        // Access requests awaiting a stage, a team leader's, a requester's, and a monitoring period's.
        ("access_requests_status", "access_requests", ["status", "created_at"]),
        ("access_requests_team_leader", "access_requests", ["team_leader_staff_id", "status", "created_at"]),
        ("access_requests_requester", "access_requests", ["requester_staff_id", "created_at"]),
        ("access_requests_created", "access_requests", ["created_at", "requester_team", "status"]),
        ("access_request_history_request", "access_request_history", ["request_id", "at"]),
        // Grants: a holder's live ones (every sensitive read), ended and not yet processed, ending soon,
        // log-offs still to confirm.
        ("grants_holder", "grants", ["staff_id", "expires_at"]),
        ("grants_end_due", "grants", ["end_processed_at", "expires_at"]),
        ("grants_removed_unprocessed", "grants", ["end_processed_at", "removed_at"]),
        ("grants_reminder_due", "grants", ["reminder_sent_at", "expires_at"]),
        // Live grants and overdue log-offs are counted from this index alone.
        ("grants_log_off_open", "grants", ["log_off_confirmed_at", "expires_at", "removed_at", "granted_at"]),
        ("grants_log_off_open_removed", "grants", ["log_off_confirmed_at", "removed_at"]),
        ("grant_change_requests_grant", "grant_change_requests", ["grant_id", "created_at"]),
        ("grant_change_requests_status", "grant_change_requests", ["status", "created_at"]),
        // The inbox, the outbox, and a request's evidence.
        ("notifications_inbox", "notifications", ["staff_id", "read_at", "at"]),
        ("notifications_request", "notifications", ["access_request_id", "at"]),
        ("outbox_due", "outbox_messages", ["status", "next_attempt_at"]),
        ("outbox_waiting", "outbox_messages", ["status", "created_at"]),
        ("outbox_failing", "outbox_messages", ["status", "attempts", "created_at"]),
        ("outbox_newest", "outbox_messages", ["created_at"]),
        ("outbox_request", "outbox_messages", ["access_request_id", "created_at"]),
        // The audit trail newest first by person, by subject, by kind of subject; refusals of the last day.
        ("audit_events_actor_seq", "audit_events", ["actor_staff_id", "seq"]),
        ("audit_events_subject_seq", "audit_events", ["subject_id", "seq"]),
        ("audit_events_type_seq", "audit_events", ["subject_type", "seq"]),
        ("audit_events_outcome_at", "audit_events", ["outcome", "at"]),
    ]

    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        for (name, table, columns) in Self.indexes {
            var builder = sql.create(index: name).on(table)
            for column in columns { builder = builder.column(column) }
            try await builder.run()
        }
        // The administrators' "cannot sign in yet" list: a partial index holds only those people, however many staff there are.
        try await sql.raw("CREATE INDEX staff_without_password ON staff (staff_id) WHERE password_hash IS NULL").run()
        // 005's hopper index is a prefix of the keyset one.
        try await sql.drop(index: "service_requests_hopper").run()
        if sql.dialect.name == "sqlite" {
            try await ContactNameIndex.createSQLite(on: sql)
        } else {
            try await ContactNameIndex.createPostgres(on: sql)
        }
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        if sql.dialect.name == "sqlite" {
            try await ContactNameIndex.dropSQLite(on: sql)
        } else {
            try await sql.raw("DROP INDEX IF EXISTS contacts_search_name_trgm").run()
        }
        try await sql.drop(index: "staff_without_password").run()
        for (name, _, _) in Self.indexes.reversed() {
            try await sql.drop(index: name).run()
        }
        try await sql.create(index: "service_requests_hopper").on("service_requests").column("segment").column("status").column("routed_at").run()
    }
}

/// The trigram index behind contact search by any part of a name.
enum ContactNameIndex {
    /// Its own content (the name and the contact's id), not an external-content table over `contacts`: that would
    /// be keyed by SQLite's implicit rowid, which a VACUUM may renumber. Names are not edited in Casework today, so
    /// the update trigger's lookup by contact id (a scan of the index) is never on a hot path.
    static func createSQLite(on sql: any SQLDatabase) async throws {
        try await sql.raw("""
            CREATE VIRTUAL TABLE contacts_name_fts USING fts5(search_name, contact_id UNINDEXED, tokenize='trigram')
            """).run()
        try await sql.raw("""
            CREATE TRIGGER contacts_name_fts_insert AFTER INSERT ON contacts BEGIN
              INSERT INTO contacts_name_fts(search_name, contact_id) VALUES (new.search_name, new.id);
            END
            """).run()
        try await sql.raw("""
            CREATE TRIGGER contacts_name_fts_delete AFTER DELETE ON contacts BEGIN
              DELETE FROM contacts_name_fts WHERE contact_id = old.id;
            END
            """).run()
        try await sql.raw("""
            CREATE TRIGGER contacts_name_fts_update AFTER UPDATE OF search_name ON contacts BEGIN
              DELETE FROM contacts_name_fts WHERE contact_id = old.id;
              INSERT INTO contacts_name_fts(search_name, contact_id) VALUES (new.search_name, new.id);
            END
            """).run()
        // Contacts already there (the demo's) join the index.
        try await sql.raw("INSERT INTO contacts_name_fts(search_name, contact_id) SELECT search_name, id FROM contacts").run()
    }

    static func dropSQLite(on sql: any SQLDatabase) async throws {
        for trigger in ["contacts_name_fts_insert", "contacts_name_fts_delete", "contacts_name_fts_update"] {
            try await sql.raw("DROP TRIGGER IF EXISTS \(unsafeRaw: trigger)").run()
        }
        try await sql.raw("DROP TABLE IF EXISTS contacts_name_fts").run()
    }

    /// pg_trgm is a trusted extension shipped with PostgreSQL. It is created in `public` whatever the search path, so
    /// servers and tests working in their own schemas share one copy; two creating it at once is not an error.
    static func createPostgres(on sql: any SQLDatabase) async throws {
        do {
            try await sql.raw("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public").run()
        } catch {
            let rows = try await sql.raw("SELECT 1 AS present FROM pg_extension WHERE extname = 'pg_trgm'").all()
            if rows.isEmpty { throw error }
        }
        try await sql.raw("CREATE INDEX contacts_search_name_trgm ON contacts USING gin (search_name public.gin_trgm_ops)").run()
    }
}
