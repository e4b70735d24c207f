import CaseworkCore
import Fluent
import Foundation
import SQLKit

/// A row the write lane queues for its batch's multi-row inserts (`WriteContext.insertAtCommit`), written by
/// `MultiRowInsert`: its table, columns and values, nothing else asked of it. The kinds queued by the thousand when
/// grants end together (notifications, emails) are plain values (`QueuedNotification`, `QueuedEmail`): building them
/// as Fluent models, whose every property is an object of its own set and read through the runtime's generic
/// metadata, was a sixth of the server's time in that burst on PostgreSQL.
protocol QueuedRow: AnyObject, Sendable {
    static var table: String { get }
    /// The table's columns, in the order `insertValues` gives the values.
    static var insertColumns: [String] { get }
    /// The row's values, one for each of `insertColumns`. Optional fields left unset are nil, stored as NULL; an enum
    /// is given as its raw value, as Fluent stores it.
    var insertValues: [any Encodable & Sendable] { get }
}

/// A model also inserted with hand-written SQL. Fluent's `create` reflects over every property of every row, twice (its
/// fields, then its timestamps): when ten thousand grants end together that was about a quarter of the server's CPU,
/// spent on the notifications, emails and history rows the batch inserts. `insertValues` binds each field's own
/// value, which is what Fluent binds too, so the stored row is the same (`LaneInsertTests`).
protocol HandWrittenInsert: Model, QueuedRow where IDValue == UUID {}

extension HandWrittenInsert {
    static var table: String { schema }

    /// Inserts the rows, 500 a statement (well within either database's limit on binds). A row without an id is
    /// given one, as Fluent's `create` would.
    static func insert(_ rows: some Collection<Self>, on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else {
            for row in rows { try await row.create(on: db) }
            return
        }
        for row in rows where row.id == nil { row.id = UUID() }
        try await MultiRowInsert(table: schema, columns: insertColumns).run(rows.map { $0.insertValues }, on: sql)
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

/// A notification queued in the write lane, as plain values; stored as `NotificationModel` reads it. Mutable only in
/// `readAt`, which `Inbox.settle` sets on those queued earlier in the batch.
final class QueuedNotification: QueuedRow, @unchecked Sendable {
    static let table = NotificationModel.schema
    static let insertColumns = ["id", "staff_id", "at", "kind", "text", "link", "read_at", "access_request_id"]

    let id = UUID.timeOrdered()
    let staffId: String
    let at: Date
    let kind: NotificationKind
    let text: String
    let link: String?
    var readAt: Date?
    let accessRequestId: UUID?

    init(to staffId: String, at: Date, kind: NotificationKind, text: String, link: String?, accessRequestId: UUID?) {
        self.staffId = staffId
        self.at = at
        self.kind = kind
        self.text = text
        self.link = link
        self.accessRequestId = accessRequestId
    }

    var insertValues: [any Encodable & Sendable] { [id, staffId, at, kind.rawValue, text, link, readAt, accessRequestId] }
}

/// An email queued in the write lane, as plain values; stored as `OutboxMessageModel` reads it: pending, no attempt
/// yet, due at once.
final class QueuedEmail: QueuedRow, @unchecked Sendable {
    static let table = OutboxMessageModel.schema
    static let insertColumns = ["id", "created_at", "to_address", "to_staff_id", "subject", "body", "access_request_id", "status",
                                "attempts", "next_attempt_at"]

    let id = UUID.timeOrdered()
    let createdAt: Date
    let toAddress: String
    /// The person it is for; nil for a team mailbox.
    let toStaffId: String?
    let subject: String
    let body: String
    let accessRequestId: UUID?
    let nextAttemptAt: Date

    init(createdAt: Date, toAddress: String, toStaffId: String?, subject: String, body: String, accessRequestId: UUID?, nextAttemptAt: Date) {
        self.createdAt = createdAt
        self.toAddress = toAddress
        self.toStaffId = toStaffId
        self.subject = subject
        self.body = body
        self.accessRequestId = accessRequestId
        self.nextAttemptAt = nextAttemptAt
    }

    var insertValues: [any Encodable & Sendable] {
        [id, createdAt, toAddress, toStaffId, subject, body, accessRequestId, OutboxStatus.pending.rawValue, 0, nextAttemptAt]
    }
}
