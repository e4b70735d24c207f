import CaseworkCore
import Fluent
import Foundation
import SQLKit

/// The reads the home pages make that no other area answers, each on an index (`HotQueryPlanTests` runs them):
/// unread notifications, a person's live grants, the outbox's backlog, accounts that need an administrator, and
/// the audit trail's recent events. `HomeService` turns them into sections.
struct HomeQueries {
    let db: any Database
    /// Set for reads outside the write lane: bounded reads are then read in place (see `PointReads`).
    var readers: SQLiteReaders? = nil

    /// A person's unread notifications, newest first.
    func unreadNotifications(of staffId: String, limit: Int) async throws -> [StoredNotification] {
        try await point.all("""
            SELECT * FROM notifications WHERE staff_id = \(bind: staffId) AND read_at IS NULL ORDER BY at DESC LIMIT \(bind: limit)
            """).map(StoredNotification.init(row:))
    }

    /// A person's grants not removed and not yet expired at `now`, ending soonest first.
    func liveGrants(of staffId: String, at now: Date) async throws -> [StoredGrant] {
        try await StoredGrant.rows(on: db, readers: readers, where: "staff_id = \(bind: staffId) AND expires_at > \(bind: now) AND removed_at IS NULL",
                                   orderBy: "expires_at")
    }

    struct OutboxBacklog {
        let waiting: Int
        let oldestQueuedAt: Date
        let failed: Int
        /// The error of the most recently queued email that has failed at least once.
        let lastError: String?
    }

    /// Email not yet delivered, counted and picked by index; nil when none waits. With no SMTP server set, every
    /// email ever queued is still waiting, so the count may be long: on SQLite it is read on the thread pool rather
    /// than in place (`PointReads.many`), on PostgreSQL prepared (every administrator's home page asks it). One
    /// statement counts and dates the backlog; the latest error is read only when something has failed.
    func outboxBacklog() async throws -> OutboxBacklog? {
        let pending = OutboxStatus.pending.rawValue
        guard let row = try await point.many("""
            SELECT COUNT(*) AS waiting, MIN(created_at) AS oldest, COUNT(CASE WHEN attempts > 0 THEN 1 END) AS failed
            FROM outbox_messages WHERE status = \(bind: pending)
            """).first else { return nil }
        let waiting = try row.decode(column: "waiting", as: Int.self)
        guard waiting > 0, let oldest = try row.decode(column: "oldest", as: Date?.self) else { return nil }
        let failed = try row.decode(column: "failed", as: Int.self)
        let lastError = failed > 0 ? try await point.first("""
            SELECT last_error FROM outbox_messages WHERE status = \(bind: pending) AND attempts > 0 ORDER BY created_at DESC LIMIT 1
            """)?.decode(column: "last_error", as: String?.self) : nil
        return OutboxBacklog(waiting: waiting, oldestQueuedAt: oldest, failed: failed, lastError: lastError ?? nil)
    }

    /// Someone an administrator may need to act for: locked out, or without a password.
    struct AccountToAttend: Sendable {
        let staffId: String
        let name: String
        let failedSignIns: Int
        let lastFailedSignInAt: Date?

        init(row: any SQLRow) throws {
            staffId = try row.decode(column: "staff_id", as: String.self)
            name = try row.decode(column: "name", as: String.self)
            failedSignIns = try row.decode(column: "failed_sign_ins", as: Int.self)
            lastFailedSignInAt = try row.decode(column: "last_failed_sign_in_at", as: Date?.self)
        }
    }

    private static let accountColumns: SQLQueryString = "SELECT staff_id, name, failed_sign_ins, last_failed_sign_in_at FROM staff"

    /// People with at least `failures` failed sign-ins, in staff ID order. Few are ever locked: read in place by the
    /// failed sign-ins index and sorted here, not the whole directory walked in ID order.
    func peopleWithFailedSignIns(atLeast failures: Int) async throws -> [AccountToAttend] {
        try await point.all(Self.accountColumns + " WHERE failed_sign_ins >= \(bind: failures)").map(AccountToAttend.init(row:))
            .sorted { $0.staffId < $1.staffId }
    }

    /// Active people with no password yet, in staff ID order.
    func activePeopleWithoutPassword(limit: Int) async throws -> [AccountToAttend] {
        try await point.all(Self.accountColumns + """
             WHERE password_hash IS NULL AND active = \(bind: true) ORDER BY staff_id LIMIT \(literal: limit)
            """).map(AccountToAttend.init(row:))
    }

    /// The events since `since` that were not successes (refusals and failures), for one action when it is given,
    /// newest first. Each list walks a partial index of those events in time order and stops at `limit`
    /// (`IndexRecentRefusals`); the condition on `outcome` is written as the indexes' own, which both databases need
    /// to see before they use a partial index. Read without Fluent's model decoding.
    func refusalsAndFailures(since: Date, action: String?, limit: Int) async throws -> [StoredAuditEvent] {
        try await AuditEventLists.read([Self.refusals(since: since, action: action, limit: limit)], on: point)[0]
    }

    /// Which refusals and failures a home page lists beside the person's own activity.
    struct RefusalsShown {
        let since: Date
        let action: String?
        let limit: Int
    }

    /// What a person did most recently, newest first, and, when asked, the refusals and failures since an instant:
    /// one statement (`AuditEventLists`), as an SCR manager's and an administrator's home show both.
    func activity(of staffId: String, limit: Int, refusals: RefusalsShown? = nil) async throws -> (activity: [StoredAuditEvent], refusals: [StoredAuditEvent]) {
        var lists = [Self.activity(of: staffId, limit: limit)]
        if let refusals { lists.append(Self.refusals(since: refusals.since, action: refusals.action, limit: refusals.limit)) }
        let found = try await AuditEventLists.read(lists, on: point)
        return (found[0], found.count > 1 ? found[1] : [])
    }

    private static func refusals(since: Date, action: String?, limit: Int) -> AuditEventLists.List {
        var query: SQLQueryString = """
            SELECT * FROM audit_events WHERE outcome <> 'success' AND at >= \(bind: CaseworkTime.iso8601Millis(since))
            """
        if let action { query = query + " AND action = \(bind: action)" }
        query = query + " ORDER BY at DESC, seq DESC LIMIT \(literal: limit)"
        return AuditEventLists.List(query: query) { ($0.at, $0.seq) > ($1.at, $1.seq) }
    }

    private static func activity(of staffId: String, limit: Int) -> AuditEventLists.List {
        AuditEventLists.List(query: "SELECT * FROM audit_events WHERE actor_staff_id = \(bind: staffId) ORDER BY seq DESC LIMIT \(literal: limit)",
                             inOrder: AuditEventLists.newestFirst)
    }

    private var sql: any SQLDatabase { db as! any SQLDatabase }
    private var point: PointReads { PointReads(db: db, readers: readers) }
}
