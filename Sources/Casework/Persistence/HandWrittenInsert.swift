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
        for chunk in Array(rows).chunked(into: 500) {
            var insert = sql.insert(into: schema).columns(insertColumns)
            for row in chunk {
                if row.id == nil { row.id = UUID() }
                insert = insert.values(row.insertValues.map(Self.expression))
            }
            try await insert.run()
        }
    }

    /// A value as Fluent writes it: a bind, or a NULL literal for an absent one. PostgreSQL types a bound nil as
    /// text, which a uuid or timestamptz column of a multi-row insert refuses.
    private static func expression(_ value: any Encodable & Sendable) -> any SQLExpression {
        if let optional = value as? any AbsentOrPresent, optional.isAbsent { return SQLLiteral.null }
        return SQLBind(value)
    }
}

/// Whether an optional value, seen through an existential, is nil.
private protocol AbsentOrPresent {
    var isAbsent: Bool { get }
}

extension Optional: AbsentOrPresent {
    fileprivate var isAbsent: Bool { self == nil }
}

extension NotificationModel: HandWrittenInsert {
    static let insertColumns = ["id", "staff_id", "at", "kind", "text", "link", "read_at", "access_request_id"]
    var insertValues: [any Encodable & Sendable] { [id, staffId, at, kind, text, link, readAt, accessRequestId] }
}

extension OutboxMessageModel: HandWrittenInsert {
    static let insertColumns = ["id", "created_at", "to_address", "to_staff_id", "subject", "body", "access_request_id", "status",
                                "attempts", "next_attempt_at", "last_error", "sent_at"]
    var insertValues: [any Encodable & Sendable] {
        [id, createdAt, toAddress, toStaffId, subject, body, accessRequestId, status, attempts, nextAttemptAt, lastError, sentAt]
    }
}

extension AccessRequestHistoryModel: HandWrittenInsert {
    static let insertColumns = ["id", "request_id", "at", "by_staff_id", "action", "reason"]
    var insertValues: [any Encodable & Sendable] { [id, requestId, at, byStaffId, action, reason] }
}

extension ServiceRequestHistoryModel: HandWrittenInsert {
    static let insertColumns = ["id", "service_request_id", "at", "by_staff_id", "action", "detail"]
    var insertValues: [any Encodable & Sendable] { [id, $serviceRequest.id, at, byStaffId, action, detail] }
}

extension AccessRequestModel: HandWrittenInsert {
    /// The request's own columns, then the form's (`detailColumns`, beside the model).
    static let insertColumns = ["id", "reference", "status", "requester_staff_id", "team_leader_staff_id", "service_request_id", "contact_id",
                                "created_at", "updated_at"] + detailColumns
    var insertValues: [any Encodable & Sendable] {
        [id, reference, status, requesterStaffId, teamLeaderStaffId, serviceRequestId, contactId, createdAt, updatedAt] + detailValues
    }
}

extension GrantModel: HandWrittenInsert {
    static let insertColumns = ["id", "request_id", "staff_id", "purpose", "service_request_id", "contact_id", "granted_at", "expires_at",
                                "removed_at", "removed_by", "removal_reason", "log_off_confirmed_at", "log_off_confirmed_by",
                                "end_processed_at", "reminder_sent_at"]
    var insertValues: [any Encodable & Sendable] {
        [id, requestId, staffId, purpose, serviceRequestId, contactId, grantedAt, expiresAt, removedAt, removedBy, removalReason,
         logOffConfirmedAt, logOffConfirmedBy, endProcessedAt, reminderSentAt]
    }
}

extension AccessDecisionModel: HandWrittenInsert {
    static let insertColumns = ["id", "request_id", "request_created_at", "reference", "team", "stage", "decision", "at", "waited_seconds",
                                "reason", "by_staff_id"]
    var insertValues: [any Encodable & Sendable] {
        [id, requestId, requestCreatedAt, reference, team, stage, decision, at, waitedSeconds, reason, byStaffId]
    }
}
