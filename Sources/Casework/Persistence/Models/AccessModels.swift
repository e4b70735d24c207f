import CaseworkCore
import Fluent
import Foundation
import SQLKit

/// A CSUA150 temporary access request.
final class AccessRequestModel: Model, @unchecked Sendable {
    static let schema = "access_requests"

    @ID(key: .id) var id: UUID?
    @Field(key: "reference") var reference: String
    @Field(key: "status") var status: AccessRequestStatus
    @Field(key: "purpose") var purpose: GrantPurpose
    @Field(key: "requester_staff_id") var requesterStaffId: String
    @OptionalField(key: "team_leader_staff_id") var teamLeaderStaffId: String?
    @Field(key: "requester_team") var requesterTeam: String
    @Field(key: "requester_grade") var requesterGrade: String
    @Field(key: "requester_area") var requesterArea: String
    @OptionalField(key: "requester_phone") var requesterPhone: String?
    @Field(key: "requested_minutes") var requestedMinutes: Int
    @OptionalField(key: "service_request_id") var serviceRequestId: UUID?
    @OptionalField(key: "contact_id") var contactId: UUID?
    @OptionalField(key: "client_name") var clientName: String?
    @OptionalField(key: "scin") var scin: String?
    @OptionalField(key: "nino") var nino: String?
    @Field(key: "further_details") var furtherDetails: String
    @Field(key: "justification") var justification: String
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    init() {}

    /// A row of `access_requests` read without Fluent's model decoding, which reads every property by reflection
    /// and was a third of a page of requests' time in the profile (bench/scale.sh PROFILE=1).
    convenience init(row: any SQLRow) throws {
        self.init(try StoredAccessRequest(row: row))
    }

    /// The model of a request read as plain values (to change it and save it).
    convenience init(_ stored: StoredAccessRequest) {
        self.init()
        id = stored.id
        $id.exists = true
        reference = stored.reference
        status = stored.status
        requesterStaffId = stored.requesterStaffId
        teamLeaderStaffId = stored.teamLeaderStaffId
        serviceRequestId = stored.serviceRequestId
        contactId = stored.contactId
        createdAt = stored.createdAt
        updatedAt = stored.updatedAt
        details = stored.form
        // `Valid` has no phone for one never given (before migration 015); the model keeps it NULL, as stored.
        requesterPhone = stored.requesterPhone
    }

    // MARK: The CSUA150's fields
    // One place maps the form's fields (`AccessRequestInput.Valid`) to columns. A new field of `Valid` stops
    // `details` and `details(_:)` compiling until its column is here; `detailValues` sits beside them, and
    // `LaneInsertTests` compares the hand-written insert with Fluent's.

    /// The form's fields, from this request's columns. A request stored before migration 015 may have no phone: it is
    /// empty here, and the answer shows the directory's (`StoredAccessRequest.details(phoneIfNoneGiven:)`).
    var details: AccessRequestInput.Valid {
        get {
            AccessRequestInput.Valid(purpose: purpose, minutes: requestedMinutes, justification: justification, furtherDetails: furtherDetails,
                                     phone: requesterPhone ?? "", team: requesterTeam, grade: requesterGrade, area: requesterArea,
                                     clientName: clientName, scin: scin, nino: nino)
        }
        set {
            purpose = newValue.purpose
            requestedMinutes = newValue.minutes
            justification = newValue.justification
            furtherDetails = newValue.furtherDetails
            requesterPhone = newValue.phone
            requesterTeam = newValue.team
            requesterGrade = newValue.grade
            requesterArea = newValue.area
            clientName = newValue.clientName
            scin = newValue.scin
            nino = newValue.nino
        }
    }

    /// The columns `details` are stored in, in the order of `detailValues`.
    static let detailColumns = ["purpose", "requested_minutes", "justification", "further_details", "requester_phone", "requester_team",
                                "requester_grade", "requester_area", "client_name", "scin", "nino"]

    /// This request's values of `detailColumns`, as stored (a phone never given stays NULL).
    var detailValues: [any Encodable & Sendable] {
        [purpose.rawValue, requestedMinutes, justification, furtherDetails, requesterPhone, requesterTeam, requesterGrade, requesterArea, clientName, scin, nino]
    }

    /// The values of `detailColumns` for `details`, for a row written without a model (the scale seeder).
    static func detailValues(_ details: AccessRequestInput.Valid) -> [any Encodable & Sendable] {
        let request = AccessRequestModel()
        request.details = details
        return request.detailValues
    }

    static func details(_ row: any SQLRow) throws -> AccessRequestInput.Valid {
        AccessRequestInput.Valid(
            purpose: try .stored(try row.decode(column: "purpose", as: String.self)),
            minutes: try row.decode(column: "requested_minutes", as: Int.self),
            justification: try row.decode(column: "justification", as: String.self),
            furtherDetails: try row.decode(column: "further_details", as: String.self),
            phone: try row.decode(column: "requester_phone", as: String?.self) ?? "",
            team: try row.decode(column: "requester_team", as: String.self),
            grade: try row.decode(column: "requester_grade", as: String.self),
            area: try row.decode(column: "requester_area", as: String.self),
            clientName: try row.decode(column: "client_name", as: String?.self),
            scin: try row.decode(column: "scin", as: String?.self),
            nino: try row.decode(column: "nino", as: String?.self))
    }

    /// Read by migration 012 (landed; never edited). The field is typed now, so a value the domain cannot read
    /// fails the read itself; this stays only so that the migration still compiles as it landed.
    var statusValue: AccessRequestStatus { status }

    /// The request as the chain's rules see it; `deciders` come from its decision rows (`AccessQueries.deciders`).
    func facts(deciders: [AccessStage: StaffID]) throws -> AccessRequestFacts {
        AccessRequestFacts(status: status, requester: try .stored(requesterStaffId), teamLeader: teamLeaderStaffId.flatMap(StaffID.init),
                           requestedMinutes: requestedMinutes, deciders: deciders)
    }
}

/// A row of `access_requests` as plain values, for reading a page of them: every property of a Fluent model is an
/// object of its own whose every read and write asks the runtime for generic metadata, which on a page of fifty
/// requests was a tenth of the server's time. A request to be changed is read as its model (`AccessRequestModel(_:)`).
struct StoredAccessRequest: Sendable {
    let id: UUID
    let reference: String
    let status: AccessRequestStatus
    let requesterStaffId: String
    let teamLeaderStaffId: String?
    let serviceRequestId: UUID?
    let contactId: UUID?
    let createdAt: Date
    let updatedAt: Date
    /// The form's fields; a phone never given (before migration 015) is empty here and nil in `requesterPhone`.
    let form: AccessRequestInput.Valid
    let requesterPhone: String?

    init(row: any SQLRow) throws {
        id = try row.decode(column: "id", as: UUID.self)
        reference = try row.decode(column: "reference", as: String.self)
        status = try .stored(try row.decode(column: "status", as: String.self))
        requesterStaffId = try row.decode(column: "requester_staff_id", as: String.self)
        teamLeaderStaffId = try row.decode(column: "team_leader_staff_id", as: String?.self)
        serviceRequestId = try row.decode(column: "service_request_id", as: UUID?.self)
        contactId = try row.decode(column: "contact_id", as: UUID?.self)
        createdAt = try row.decode(column: "created_at", as: Date.self)
        updatedAt = try row.decode(column: "updated_at", as: Date.self)
        form = try AccessRequestModel.details(row)
        requesterPhone = try row.decode(column: "requester_phone", as: String?.self)
    }

    /// A request already read as its model (a single request, just decided or viewed).
    init(_ model: AccessRequestModel) {
        id = model.id!
        reference = model.reference
        status = model.status
        requesterStaffId = model.requesterStaffId
        teamLeaderStaffId = model.teamLeaderStaffId
        serviceRequestId = model.serviceRequestId
        contactId = model.contactId
        createdAt = model.createdAt
        updatedAt = model.updatedAt
        form = model.details
        requesterPhone = model.requesterPhone
    }

    /// The form's fields, with the directory's phone for a request that gave none.
    func details(phoneIfNoneGiven phone: String) -> AccessRequestInput.Valid {
        guard requesterPhone == nil else { return form }
        return AccessRequestInput.Valid(purpose: form.purpose, minutes: form.minutes, justification: form.justification,
                                        furtherDetails: form.furtherDetails, phone: phone, team: form.team, grade: form.grade,
                                        area: form.area, clientName: form.clientName, scin: form.scin, nino: form.nino)
    }
}

/// One step in a request's history.
final class AccessRequestHistoryModel: Model, @unchecked Sendable {
    static let schema = "access_request_history"

    @ID(key: .id) var id: UUID?
    @Field(key: "request_id") var requestId: UUID
    @Field(key: "at") var at: Date
    @OptionalField(key: "by_staff_id") var byStaffId: String?
    @Field(key: "action") var action: AccessHistoryAction
    @OptionalField(key: "reason") var reason: String?

    init() {}

    init(requestId: UUID, at: Date, by: String?, action: AccessHistoryAction, reason: String?) {
        id = UUID.timeOrdered()
        self.requestId = requestId
        self.at = at
        byStaffId = by
        self.action = action
        self.reason = reason
    }
}

/// A step of `access_request_history` as plain values, for the histories a page of requests carries (fifty
/// requests' steps read as Fluent models were a tenth of an SCR manager's "awaiting me"; see `StoredAccessRequest`).
struct StoredHistoryStep: Sendable {
    let requestId: UUID
    let at: Date
    let byStaffId: String?
    let action: AccessHistoryAction
    let reason: String?

    init(row: any SQLRow) throws {
        requestId = try row.decode(column: "request_id", as: UUID.self)
        at = try row.decode(column: "at", as: Date.self)
        byStaffId = try row.decode(column: "by_staff_id", as: String?.self)
        action = try .stored(try row.decode(column: "action", as: String.self))
        reason = try row.decode(column: "reason", as: String?.self)
    }

    /// A step this batch has queued and not yet inserted.
    init(_ model: AccessRequestHistoryModel) {
        requestId = model.requestId
        at = model.at
        byStaffId = model.byStaffId
        action = model.action
        reason = model.reason
    }
}

/// A time-limited grant of temporary SCR access.
final class GrantModel: Model, @unchecked Sendable {
    static let schema = "grants"

    @ID(key: .id) var id: UUID?
    @Field(key: "request_id") var requestId: UUID
    @Field(key: "staff_id") var staffId: String
    @Field(key: "purpose") var purpose: GrantPurpose
    @OptionalField(key: "service_request_id") var serviceRequestId: UUID?
    @OptionalField(key: "contact_id") var contactId: UUID?
    @Field(key: "granted_at") var grantedAt: Date
    @Field(key: "expires_at") var expiresAt: Date
    @OptionalField(key: "removed_at") var removedAt: Date?
    @OptionalField(key: "removed_by") var removedBy: String?
    @OptionalField(key: "removal_reason") var removalReason: String?
    @OptionalField(key: "log_off_confirmed_at") var logOffConfirmedAt: Date?
    @OptionalField(key: "log_off_confirmed_by") var logOffConfirmedBy: String?
    /// When the expiry job recorded the grant's end (sessions ended, work returned, team leader told).
    @OptionalField(key: "end_processed_at") var endProcessedAt: Date?
    /// When the "ending soon" reminder went; cleared when an extension moves the expiry.
    @OptionalField(key: "reminder_sent_at") var reminderSentAt: Date?

    init() {}

    func state(at instant: Date) -> GrantState {
        GrantState.at(instant, grantedAt: grantedAt, expiresAt: expiresAt, removedAt: removedAt)
    }
}

/// What the API answers of a grant (`GrantDTO`), whether it was read as a model or as plain values.
protocol GrantFacts {
    var grantId: UUID { get }
    var requestId: UUID { get }
    var staffId: String { get }
    var purpose: GrantPurpose { get }
    var serviceRequestId: UUID? { get }
    var contactId: UUID? { get }
    var grantedAt: Date { get }
    var expiresAt: Date { get }
    var removedAt: Date? { get }
    var removedBy: String? { get }
    var removalReason: String? { get }
    var logOffConfirmedAt: Date? { get }
    var logOffConfirmedBy: String? { get }
    func state(at instant: Date) -> GrantState
}

extension GrantModel: GrantFacts {
    var grantId: UUID { id! }
}

extension StoredGrant: GrantFacts {
    var grantId: UUID { id }
}

/// What the overdue log-offs and a team leader's home list of a grant whose log-off is unconfirmed: who held it, and when
/// it ended.
struct UnconfirmedGrant: Sendable {
    static let columns = "id, staff_id, expires_at, removed_at, log_off_confirmed_at"

    /// The columns of the grants called `table` in a join.
    static func columns(of table: String) -> String {
        columns.split(separator: ", ").map { "\(table).\($0)" }.joined(separator: ", ")
    }

    let id: UUID
    let staffId: String
    let expiresAt: Date
    let removedAt: Date?
    let logOffConfirmedAt: Date?

    init(row: any SQLRow) throws {
        id = try row.decode(column: "id", as: UUID.self)
        staffId = try row.decode(column: "staff_id", as: String.self)
        expiresAt = try row.decode(column: "expires_at", as: Date.self)
        removedAt = try row.decode(column: "removed_at", as: Date?.self)
        logOffConfirmedAt = try row.decode(column: "log_off_confirmed_at", as: Date?.self)
    }
}

/// A row of `grants` as plain values, for the grants a page lists (a team leader's home, the overdue log-offs):
/// a Fluent model's every property read asks the runtime for generic metadata, 12% of a team leader's home page.
struct StoredGrant: Sendable {
    let id: UUID
    let requestId: UUID
    let staffId: String
    let purpose: GrantPurpose
    let serviceRequestId: UUID?
    let contactId: UUID?
    let grantedAt: Date
    let expiresAt: Date
    let removedAt: Date?
    let removedBy: String?
    let removalReason: String?
    let logOffConfirmedAt: Date?
    let logOffConfirmedBy: String?
    let endProcessedAt: Date?
    let reminderSentAt: Date?

    init(row: any SQLRow) throws {
        id = try row.decode(column: "id", as: UUID.self)
        requestId = try row.decode(column: "request_id", as: UUID.self)
        staffId = try row.decode(column: "staff_id", as: String.self)
        purpose = try .stored(try row.decode(column: "purpose", as: String.self))
        serviceRequestId = try row.decode(column: "service_request_id", as: UUID?.self)
        contactId = try row.decode(column: "contact_id", as: UUID?.self)
        grantedAt = try row.decode(column: "granted_at", as: Date.self)
        expiresAt = try row.decode(column: "expires_at", as: Date.self)
        removedAt = try row.decode(column: "removed_at", as: Date?.self)
        removedBy = try row.decode(column: "removed_by", as: String?.self)
        removalReason = try row.decode(column: "removal_reason", as: String?.self)
        logOffConfirmedAt = try row.decode(column: "log_off_confirmed_at", as: Date?.self)
        logOffConfirmedBy = try row.decode(column: "log_off_confirmed_by", as: String?.self)
        endProcessedAt = try row.decode(column: "end_processed_at", as: Date?.self)
        reminderSentAt = try row.decode(column: "reminder_sent_at", as: Date?.self)
    }

    func state(at instant: Date) -> GrantState {
        GrantState.at(instant, grantedAt: grantedAt, expiresAt: expiresAt, removedAt: removedAt)
    }

    /// Grants matching `condition` (on `grants`), read in place when `readers` are given (see `PointReads`): a
    /// bounded read on an index.
    static func rows(on db: any Database, readers: SQLiteReaders? = nil, where condition: SQLQueryString, orderBy order: String? = nil,
                     limit: Int? = nil) async throws -> [StoredGrant] {
        var query: SQLQueryString = "SELECT * FROM grants WHERE " + condition
        if let order { query = query + " ORDER BY \(unsafeRaw: order)" }
        if let limit { query = query + " LIMIT \(bind: limit)" }
        return try await PointReads(db: db, readers: readers).all(query).map(StoredGrant.init(row:))
    }
}

/// An extension or removal request on a grant.
final class GrantChangeRequestModel: Model, @unchecked Sendable {
    static let schema = "grant_change_requests"

    @ID(key: .id) var id: UUID?
    @Field(key: "grant_id") var grantId: UUID
    @Field(key: "kind") var kind: GrantChangeKind
    @Field(key: "status") var status: GrantChangeStatus
    @OptionalField(key: "additional_minutes") var additionalMinutes: Int?
    @Field(key: "reason") var reason: String
    @Field(key: "requested_by") var requestedBy: String
    @OptionalField(key: "endorsed_by") var endorsedBy: String?
    @OptionalField(key: "decided_by") var decidedBy: String?
    @OptionalField(key: "decision_reason") var decisionReason: String?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    init() {}
}

/// One message in a person's in-app inbox. It names references and links, never a client.
final class NotificationModel: Model, @unchecked Sendable {
    static let schema = "notifications"

    @ID(key: .id) var id: UUID?
    @Field(key: "staff_id") var staffId: String
    @Field(key: "at") var at: Date
    @Field(key: "kind") var kind: NotificationKind
    @Field(key: "text") var text: String
    @OptionalField(key: "link") var link: String?
    @OptionalField(key: "read_at") var readAt: Date?
    @OptionalField(key: "access_request_id") var accessRequestId: UUID?

    init() {}

    init(to staffId: String, at: Date, kind: NotificationKind, text: String, link: String?, accessRequestId: UUID? = nil) {
        id = UUID.timeOrdered()
        self.accessRequestId = accessRequestId
        self.staffId = staffId
        self.at = at
        self.kind = kind
        self.text = text
        self.link = link
    }
}

/// A row of `notifications` as plain values, for the unread ones every home page lists.
struct StoredNotification: Sendable {
    let id: UUID
    let staffId: String
    let at: Date
    let kind: NotificationKind
    let text: String
    let link: String?
    let readAt: Date?
    let accessRequestId: UUID?

    init(row: any SQLRow) throws {
        id = try row.decode(column: "id", as: UUID.self)
        staffId = try row.decode(column: "staff_id", as: String.self)
        at = try row.decode(column: "at", as: Date.self)
        kind = try .stored(try row.decode(column: "kind", as: String.self))
        text = try row.decode(column: "text", as: String.self)
        link = try row.decode(column: "link", as: String?.self)
        readAt = try row.decode(column: "read_at", as: Date?.self)
        accessRequestId = try row.decode(column: "access_request_id", as: UUID?.self)
    }
}

/// One email waiting to go, or gone. Messages are never deleted: a failed attempt is counted and tried again later.
final class OutboxMessageModel: Model, @unchecked Sendable {
    static let schema = "outbox_messages"

    @ID(key: .id) var id: UUID?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "to_address") var toAddress: String
    /// The person it is for; nil for a team mailbox.
    @OptionalField(key: "to_staff_id") var toStaffId: String?
    @Field(key: "subject") var subject: String
    @Field(key: "body") var body: String
    @OptionalField(key: "access_request_id") var accessRequestId: UUID?
    @Field(key: "status") var status: OutboxStatus
    @Field(key: "attempts") var attempts: Int
    @Field(key: "next_attempt_at") var nextAttemptAt: Date
    @OptionalField(key: "last_error") var lastError: String?
    @OptionalField(key: "sent_at") var sentAt: Date?

    init() {}
}

/// One decision on an access request: its stage, the decision, who made it, when, and why. One row a stage decided,
/// read by the chain's rules ("nobody decides two stages") and counted by monitoring (see `CreateAccessDecisions`
/// and `RecordWhoDecidedEachStage`).
final class AccessDecisionModel: Model, @unchecked Sendable {
    static let schema = "access_decisions"

    @ID(key: .id) var id: UUID?
    @Field(key: "request_id") var requestId: UUID
    /// Periods on the monitoring page select requests by when they were made, and all of their decisions.
    @Field(key: "request_created_at") var requestCreatedAt: Date
    @Field(key: "reference") var reference: String
    @Field(key: "team") var team: String
    @Field(key: "stage") var stage: AccessStage
    @Field(key: "decision") var decision: AccessDecision
    @Field(key: "at") var at: Date
    @Field(key: "waited_seconds") var waitedSeconds: Double
    @OptionalField(key: "reason") var reason: String?
    /// Who decided; nil only on a row that migration 018 found no decider for.
    @OptionalField(key: "by_staff_id") var byStaffId: String?

    init() {}

    init(_ decision: AccessMonitoring.Decision, requestId: UUID, requestCreatedAt: Date) {
        id = UUID.timeOrdered()
        self.requestId = requestId
        self.requestCreatedAt = requestCreatedAt
        reference = decision.reference
        team = decision.team
        stage = decision.stage
        self.decision = decision.decision
        at = decision.at
        waitedSeconds = decision.waitedSeconds
        reason = decision.reason
        // Set only when known: migration 012 (landed) builds rows through this initializer before migration 018
        // has added the column, and a field never set is left out of the insert.
        if let by = decision.by { byStaffId = by }
    }
}

/// A row of `access_decisions` as plain values, read without Fluent's model decoding: monitoring lists them (the
/// decisions CSV reads a period's hundreds of thousands, and each read as a model, a class set through Fluent's
/// property wrappers, was a fifth of the download's time), and a decision asks who decided the stages before.
struct StoredDecision: Sendable {
    let id: UUID
    let requestId: UUID
    let requestCreatedAt: Date
    let reference: String
    let team: String
    let stage: AccessStage
    let decision: AccessDecision
    let at: Date
    let waitedSeconds: Double
    let reason: String?
    /// Who decided; nil only on a row that migration 018 found no decider for.
    let byStaffId: String?

    init(row: any SQLRow) throws {
        id = try row.decode(column: "id", as: UUID.self)
        requestId = try row.decode(column: "request_id", as: UUID.self)
        requestCreatedAt = try row.decode(column: "request_created_at", as: Date.self)
        reference = try row.decode(column: "reference", as: String.self)
        team = try row.decode(column: "team", as: String.self)
        stage = try .stored(try row.decode(column: "stage", as: String.self))
        decision = try .stored(try row.decode(column: "decision", as: String.self))
        at = try row.decode(column: "at", as: Date.self)
        waitedSeconds = try row.decode(column: "waited_seconds", as: Double.self)
        reason = try row.decode(column: "reason", as: String?.self)
        byStaffId = try row.decode(column: "by_staff_id", as: String?.self)
    }

    /// A decision this batch has queued and not yet inserted.
    init(_ model: AccessDecisionModel) {
        id = model.id!
        requestId = model.requestId
        requestCreatedAt = model.requestCreatedAt
        reference = model.reference
        team = model.team
        stage = model.stage
        decision = model.decision
        at = model.at
        waitedSeconds = model.waitedSeconds
        reason = model.reason
        byStaffId = model.byStaffId
    }

    /// The columns `init(row:)` reads, of the table named `table`. By name, not `*`: SQLiteNIO reads a statement's
    /// column names before SQLite notices that a migration changed the table, and a connection that had not yet seen
    /// migration 018's column then answered without it (DecisionRowTests).
    static func columns(of table: String) -> String {
        AccessDecisionModel.insertColumns.map { "\(table).\($0)" }.joined(separator: ", ")
    }
}
