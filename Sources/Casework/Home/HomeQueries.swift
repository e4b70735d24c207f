import CaseworkCore
import Fluent
import Foundation
import SQLKit

/// The reads the home pages make that no other area answers, each on an index (`HotQueryPlanTests` runs them):
/// unread notifications, a person's live grants, the outbox's backlog, accounts that need an administrator, and
/// the audit trail's recent events. `HomeService` turns them into sections.
struct HomeQueries {
    let db: any Database

    /// A person's unread notifications, newest first.
    func unreadNotifications(of staffId: String, limit: Int) async throws -> [NotificationModel] {
        try await NotificationModel.query(on: db).filter(\.$staffId == staffId).filter(\.$readAt == nil)
            .sort(\.$at, .descending).limit(limit).all()
    }

    /// A person's grants not removed and not yet expired at `now`, ending soonest first.
    func liveGrants(of staffId: String, at now: Date) async throws -> [GrantModel] {
        try await GrantModel.query(on: db).filter(\.$staffId == staffId).filter(\.$expiresAt > now).filter(\.$removedAt == nil)
            .sort(\.$expiresAt).all()
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

    /// Audit events since `since` with one of `outcomes` (and `action`, when given), newest first. Refusals and
    /// failures are a sliver of the trail, so the period's are found by (outcome, at) and sorted: ordered by `+seq`,
    /// which no index gives, because both databases otherwise walk the whole trail newest first looking for them
    /// (12 ms at national scale for an SCR manager's home, against 0.2 ms). Read without Fluent's model decoding.
    func auditEvents(since: Date, outcomes: [AuditOutcome], action: String?, limit: Int) async throws -> [StoredAuditEvent] {
        var query: SQLQueryString = """
            SELECT * FROM audit_events WHERE outcome IN (\(binds: outcomes.map(\.rawValue))) AND at >= \(bind: CaseworkTime.iso8601Millis(since))
            """
        if let action { query = query + " AND action = \(bind: action)" }
        query = query + " ORDER BY +seq DESC LIMIT \(literal: limit)"
        return try await sql.raw(query).all().map(StoredAuditEvent.init(row:))
    }

    /// What a person did most recently, newest first.
    func activity(of staffId: String, limit: Int) async throws -> [StoredAuditEvent] {
        try await sql.raw("SELECT * FROM audit_events WHERE actor_staff_id = \(bind: staffId) ORDER BY seq DESC LIMIT \(literal: limit)")
            .all().map(StoredAuditEvent.init(row:))
    }

    private var sql: any SQLDatabase { db as! any SQLDatabase }
}
