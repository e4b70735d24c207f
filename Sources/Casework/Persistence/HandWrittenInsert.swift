import Fluent
import Foundation
import SQLKit

/// A model the write lane inserts with hand-written SQL. Fluent's `create` reflects over every property of every
/// row, twice (its fields, then its timestamps): when ten thousand grants end together that was about a quarter of
/// the server's CPU, spent on the notifications, emails and history rows the batch inserts. `insertValues` binds
/// each field's own value, which is what Fluent binds too, so the stored row is the same (`LaneInsertTests`).
protocol HandWrittenInsert: Model where IDValue == UUID {
    /// The table's columns, in the order `insertValues` gives the values.
    static var insertColumns: [String] { get }
    /// The row's values, one for each of `insertColumns`. Optional fields left unset are nil, stored as NULL.
    var insertValues: [any Encodable & Sendable] { get }
}

extension HandWrittenInsert {
    /// Inserts the rows, 500 a statement (well within either database's limit on binds). A row without an id is
    /// given one, as Fluent's `create` would.
    static func insert(_ rows: some Collection<Self>, on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else {
            for row in rows { try await row.create(on: db) }
            return
        }
        for row in rows where row.id == nil { row.id = UUID() }
        try await MultiRowInsert(table: schema, columns: insertColumns).run(rows.map(\.insertValues), on: sql)
    }
}

extension NotificationModel: HandWrittenInsert {
    static let insertColumns = ["id", "staff_id", "at", "kind", "text", "link", "read_at", "access_request_id"]
    var insertValues: [any Encodable & Sendable] { [id, staffId, at, kind.rawValue, text, link, readAt, accessRequestId] }
}

extension OutboxMessageModel: HandWrittenInsert {
    static let insertColumns = ["id", "created_at", "to_address", "to_staff_id", "subject", "body", "access_request_id", "status",
                                "attempts", "next_attempt_at", "last_error", "sent_at"]
    var insertValues: [any Encodable & Sendable] {
        [id, createdAt, toAddress, toStaffId, subject, body, accessRequestId, status.rawValue, attempts, nextAttemptAt, lastError, sentAt]
    }
}

extension AccessRequestHistoryModel: HandWrittenInsert {
    static let insertColumns = ["id", "request_id", "at", "by_staff_id", "action", "reason"]
    var insertValues: [any Encodable & Sendable] { [id, requestId, at, byStaffId, action.rawValue, reason] }
}

extension ServiceRequestHistoryModel: HandWrittenInsert {
    static let insertColumns = ["id", "service_request_id", "at", "by_staff_id", "action", "detail"]
    var insertValues: [any Encodable & Sendable] { [id, $serviceRequest.id, at, byStaffId, action.rawValue, detail] }
}

extension AccessRequestModel: HandWrittenInsert {
    /// The request's own columns, then the form's (`detailColumns`, beside the model).
    static let insertColumns = ["id", "reference", "status", "requester_staff_id", "team_leader_staff_id", "service_request_id", "contact_id",
                                "created_at", "updated_at"] + detailColumns
    var insertValues: [any Encodable & Sendable] {
        [id, reference, status.rawValue, requesterStaffId, teamLeaderStaffId, serviceRequestId, contactId, createdAt, updatedAt] + detailValues
    }
}

extension GrantModel: HandWrittenInsert {
    static let insertColumns = ["id", "request_id", "staff_id", "purpose", "service_request_id", "contact_id", "granted_at", "expires_at",
                                "removed_at", "removed_by", "removal_reason", "log_off_confirmed_at", "log_off_confirmed_by",
                                "end_processed_at", "reminder_sent_at"]
    var insertValues: [any Encodable & Sendable] {
        [id, requestId, staffId, purpose.rawValue, serviceRequestId, contactId, grantedAt, expiresAt, removedAt, removedBy, removalReason,
         logOffConfirmedAt, logOffConfirmedBy, endProcessedAt, reminderSentAt]
    }
}

extension AccessDecisionModel: HandWrittenInsert {
    static let insertColumns = ["id", "request_id", "request_created_at", "reference", "team", "stage", "decision", "at", "waited_seconds",
                                "reason", "by_staff_id"]
    var insertValues: [any Encodable & Sendable] {
        [id, requestId, requestCreatedAt, reference, team, stage.rawValue, decision.rawValue, at, waitedSeconds, reason, byStaffId]
    }
}
