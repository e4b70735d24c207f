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
    /// email ever queued is still waiting.
    func outboxBacklog() async throws -> OutboxBacklog? {
        let pending = { OutboxMessageModel.query(on: db).filter(\.$status == OutboxStatus.pending) }
        let waiting = try await pending().count()
        guard waiting > 0, let oldest = try await pending().sort(\.$createdAt).first() else { return nil }
        let failed = try await pending().filter(\.$attempts > 0).count()
        let lastError = failed > 0 ? try await pending().filter(\.$attempts > 0).sort(\.$createdAt, .descending).first()?.lastError : nil
        return OutboxBacklog(waiting: waiting, oldestQueuedAt: oldest.createdAt, failed: failed, lastError: lastError)
    }

    /// People with at least `failures` failed sign-ins, in staff ID order. Few are ever locked: sorted here, so the
    /// database reads them by the failed sign-ins index and not the whole directory in ID order.
    func peopleWithFailedSignIns(atLeast failures: Int) async throws -> [StaffModel] {
        try await StaffModel.query(on: db).filter(\.$failedSignIns >= failures).all().sorted { $0.id! < $1.id! }
    }

    /// Active people with no password yet, in staff ID order.
    func activePeopleWithoutPassword(limit: Int) async throws -> [StaffModel] {
        try await StaffModel.query(on: db).filter(\.$passwordHash == nil).filter(\.$active == true).sort(\.$id).limit(limit).all()
    }

    /// The events since `since` that were not successes (refusals and failures), for one action when it is given,
    /// newest first. Each list walks a partial index of those events in time order and stops at `limit`
    /// (`IndexRecentRefusals`); the condition on `outcome` is written as the indexes' own, which both databases need
    /// to see before they use a partial index. Read without Fluent's model decoding.
    func refusalsAndFailures(since: Date, action: String?, limit: Int) async throws -> [StoredAuditEvent] {
        var query: SQLQueryString = """
            SELECT * FROM audit_events WHERE outcome <> 'success' AND at >= \(bind: CaseworkTime.iso8601Millis(since))
            """
        if let action { query = query + " AND action = \(bind: action)" }
        query = query + " ORDER BY at DESC, seq DESC LIMIT \(literal: limit)"
        return try await point.all(query).map(StoredAuditEvent.init(row:))
    }

    /// What a person did most recently, newest first.
    func activity(of staffId: String, limit: Int) async throws -> [StoredAuditEvent] {
        try await point.all("SELECT * FROM audit_events WHERE actor_staff_id = \(bind: staffId) ORDER BY seq DESC LIMIT \(literal: limit)")
            .map(StoredAuditEvent.init(row:))
    }

    private var point: PointReads { PointReads(db: db, readers: readers) }
}
