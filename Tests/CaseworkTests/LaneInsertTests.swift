import CaseworkCore
import FluentKit
import Foundation
import SQLKit
import Testing
@testable import Casework

/// The rows the write lane inserts by hand-written SQL (`HandWrittenInsert`) are stored as Fluent's `create` stores
/// them: Fluent reads each back the same, and on SQLite every column holds the same type of value.
@Suite("Hand-written inserts")
struct LaneInsertTests {
    @Test func everyHandWrittenInsertStoresWhatFluentWould() async throws {
        try await withCasework(records: true) { app in
            let (request, _) = try await app.submitAccessRequest()
            let requestId = try #require(UUID(uuidString: request.id))
            let srText = try #require(request.serviceRequestId)
            let srId = try #require(UUID(uuidString: srText))
            let at = Date(timeIntervalSince1970: 1_796_382_922)
            // A request each for the grants the test makes: one grant a request, whatever inserts it.
            var ungranted: [UUID] = []
            for _ in 0..<4 { ungranted.append(try #require(UUID(uuidString: try await app.submitAccessRequest().request.id))) }
            let grantRequests = Box(ungranted)
            let sql = app.db as! any SQLDatabase

            /// Inserts `make()` once by hand and once through Fluent, and compares the two stored rows (but for the
            /// `unique` fields, which the two rows cannot share).
            func agree<M: HandWrittenInsert & Encodable>(unique: Set<String> = [], _ make: () -> M) async throws {
                let ours = make(), fluents = make()
                try await M.insert([ours], on: app.db)
                try await fluents.create(on: app.db)
                try await compare(M.self, ours: ours.id!, fluents: fluents.id!, columns: M.insertColumns, unique: unique)
            }

            /// Queues `ours` as the write lane does, creates `fluents` through Fluent, and compares the two stored rows.
            func agree<M: Model & Encodable>(queued ours: some QueuedRow, id: UUID, _ fluents: M) async throws where M.IDValue == UUID {
                try await app.casework.lane.perform { ctx in await ctx.insertAtCommit(ours) }
                try await fluents.create(on: app.db)
                try await compare(M.self, ours: id, fluents: fluents.id!, columns: type(of: ours).insertColumns, unique: [])
            }

            func compare<M: Model & Encodable>(_ type: M.Type, ours: UUID, fluents: UUID, columns: [String], unique: Set<String>) async throws {
                let rows = try await sql.raw("SELECT * FROM \(ident: M.schema) WHERE id IN (\(bind: ours), \(bind: fluents))").all()
                #expect(rows.count == 2, "\(M.schema): both rows are stored")
                let read = try rows.map { try $0.decode(fluentModel: M.self) }
                let byId = Dictionary(uniqueKeysWithValues: read.map { ($0.id as! UUID, $0) })
                let (handWritten, fluentWritten) = (try json(byId[ours], leaving: unique), try json(byId[fluents], leaving: unique))
                #expect(handWritten == fluentWritten, "\(M.schema): the hand-written row reads back as Fluent's does: \(handWritten) vs \(fluentWritten)")
                guard !usingPostgres else { return }
                for column in columns where column != "id" {
                    let types = try await sql.raw("""
                        SELECT typeof(\(ident: column)) AS t FROM \(ident: M.schema) WHERE id IN (\(bind: ours), \(bind: fluents)) ORDER BY id = \(bind: ours)
                        """).all().map { try $0.decode(column: "t", as: String.self) }
                    #expect(types.count == 2 && types[0] == types[1], "\(M.schema).\(column) is stored as \(types)")
                }
            }

            for full in [true, false] {
                let note = QueuedNotification(to: "20010002", at: at, kind: .granted, text: "Temporary access CSUA-1 was granted",
                                              link: full ? "/grants/1" : nil, accessRequestId: full ? requestId : nil)
                let fluentNote = NotificationModel(to: "20010002", at: at, kind: .granted, text: "Temporary access CSUA-1 was granted",
                                                   link: full ? "/grants/1" : nil, accessRequestId: full ? requestId : nil)
                if full {
                    note.readAt = at.addingTimeInterval(60)
                    fluentNote.readAt = at.addingTimeInterval(60)
                }
                try await agree(queued: note, id: note.id, fluentNote)
                let email = QueuedEmail(createdAt: at, toAddress: "tom@example.gov.uk", toStaffId: full ? "20010002" : nil, subject: "Casework: granted",
                                        body: "Granted", accessRequestId: full ? requestId : nil, nextAttemptAt: at)
                let message = OutboxMessageModel()
                message.createdAt = at
                message.toAddress = "tom@example.gov.uk"
                message.toStaffId = full ? "20010002" : nil
                message.subject = "Casework: granted"
                message.body = "Granted"
                message.accessRequestId = full ? requestId : nil
                message.status = .pending
                message.attempts = 0
                message.nextAttemptAt = at
                try await agree(queued: email, id: email.id, message)
                try await agree {
                    AccessRequestHistoryModel(requestId: requestId, at: at, by: full ? "20010001" : nil,
                                              action: full ? .decided(.teamLeader, .approve) : .submitted, reason: full ? "checked" : nil)
                }
                try await agree(unique: ["reference"]) {
                    let record = AccessRequestModel()
                    record.id = UUID()
                    record.reference = "CSUA-" + String(record.id!.uuidString.prefix(8))
                    record.status = full ? .granted : .awaitingTeamLeader
                    record.purpose = full ? .financeActions : .viewContact
                    record.requesterStaffId = "20010002"
                    record.teamLeaderStaffId = full ? "20010001" : nil
                    record.requesterTeam = "Team A"
                    record.requesterGrade = "EO"
                    record.requesterArea = "North"
                    record.requesterPhone = full ? "0161 496 0000" : nil
                    record.requestedMinutes = 480
                    record.serviceRequestId = full ? srId : nil
                    record.contactId = nil
                    record.clientName = full ? "Karen Holloway" : nil
                    record.scin = full ? "SC123456" : nil
                    record.nino = full ? "AB123456C" : nil
                    record.furtherDetails = ""
                    record.justification = "Caller asked about a payment"
                    record.createdAt = at
                    record.updatedAt = at.addingTimeInterval(1)
                    return record
                }
                try await agree(unique: ["requestId"]) {
                    let grant = GrantModel()
                    grant.id = UUID()
                    grant.requestId = grantRequests.next()
                    grant.staffId = "20010002"
                    grant.purpose = .viewContact
                    grant.serviceRequestId = full ? srId : nil
                    grant.grantedAt = at
                    grant.expiresAt = at.addingTimeInterval(3600)
                    if full {
                        grant.removedAt = at.addingTimeInterval(60)
                        grant.removedBy = "30000002"
                        grant.removalReason = "work done"
                        grant.logOffConfirmedAt = at.addingTimeInterval(120)
                        grant.logOffConfirmedBy = "20010001"
                        grant.endProcessedAt = at.addingTimeInterval(61)
                        grant.reminderSentAt = at.addingTimeInterval(30)
                    }
                    return grant
                }
                try await agree {
                    let row = AccessDecisionModel()
                    row.id = UUID()
                    row.requestId = requestId
                    row.requestCreatedAt = at.addingTimeInterval(-90.5)
                    row.reference = "CSUA-1"
                    row.team = "Team A"
                    row.stage = .scrManager
                    row.decision = full ? .reject : .approve
                    row.at = at
                    row.waitedSeconds = 90.5
                    row.reason = full ? "not enough" : nil
                    if full { row.byStaffId = "30000002" }
                    return row
                }
                try await agree {
                    ServiceRequestHistoryModel(serviceRequestId: srId, at: at, by: full ? "20010002" : nil, action: .returned,
                                               detail: "back to the scr hopper")
                }
            }
        }
    }

    /// Audit events, notifications, emails and history are only ever appended; each takes a version 7 id, so a later
    /// row's id sorts after an earlier one's and lands at the end of the id's index, not on a random page of it.
    @Test func rowsOnlyEverAppendedTakeIdsInTheOrderTheyWereMade() async throws {
        try await withCasework(records: true) { app in
            _ = try await app.submitAccessRequest()
            try await Task.sleep(for: .milliseconds(5))
            _ = try await app.submitAccessRequest()
            let sql = app.db as! any SQLDatabase
            func ids(_ table: String, orderedBy order: String) async throws -> [UUID] {
                try await sql.raw("SELECT id FROM \(ident: table) ORDER BY \(ident: order)").all().map { try $0.decode(column: "id", as: UUID.self) }
            }
            func isVersion7(_ id: UUID) -> Bool { id.uuidString.dropFirst(14).first == "7" }
            for table in ["notifications", "outbox_messages", "access_request_history"] {
                #expect(try await ids(table, orderedBy: "id").filter(isVersion7).count >= 2, "\(table): the requests' rows have version 7 ids")
            }
            // The chain's order is the order the events were made: their ids' time prefixes only grow along it.
            let chain = try await ids("audit_events", orderedBy: "seq")
            let made = chain.filter(isVersion7).map { $0.uuidString.prefix(13) }
            #expect(made.count >= 2, "the requests' audit events have version 7 ids")
            #expect(made == made.sorted() && Set(made).count > 1, "ids in the order the events were made: \(made)")
        }
    }

    /// Hands out the requests still without a grant, one at a time.
    private final class Box: @unchecked Sendable {
        private var left: [UUID]
        init(_ ids: [UUID]) { left = ids }
        func next() -> UUID { left.removeFirst() }
    }

    private func json(_ model: (some Encodable)?, leaving unique: Set<String>) throws -> String {
        var object = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(model)) as? [String: Any] ?? [:]
        for key in unique.union(["id"]) { object[key] = nil }
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: .sortedKeys), as: UTF8.self)
    }
}
