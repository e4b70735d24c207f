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
            let sql = app.db as! any SQLDatabase

            /// Inserts `make()` once by hand and once through Fluent, and compares the two stored rows.
            func agree<M: HandWrittenInsert & Encodable>(_ make: () -> M) async throws {
                let ours = make(), fluents = make()
                try await M.insert([ours], on: app.db)
                try await fluents.create(on: app.db)
                let rows = try await sql.raw("SELECT * FROM \(ident: M.schema) WHERE id IN (\(bind: ours.id!), \(bind: fluents.id!))").all()
                #expect(rows.count == 2, "\(M.schema): both rows are stored")
                let read = try rows.map { try $0.decode(fluentModel: M.self) }
                let byId = Dictionary(uniqueKeysWithValues: read.map { ($0.id!, $0) })
                #expect(try json(byId[ours.id!]) == json(byId[fluents.id!]), "\(M.schema): the hand-written row reads back as Fluent's does")
                guard !usingPostgres else { return }
                for column in M.insertColumns where column != "id" {
                    let types = try await sql.raw("""
                        SELECT typeof(\(ident: column)) AS t FROM \(ident: M.schema) WHERE id IN (\(bind: ours.id!), \(bind: fluents.id!)) ORDER BY id = \(bind: ours.id!)
                        """).all().map { try $0.decode(column: "t", as: String.self) }
                    #expect(types.count == 2 && types[0] == types[1], "\(M.schema).\(column) is stored as \(types)")
                }
            }

            for full in [true, false] {
                try await agree {
                    let note = NotificationModel(to: "20010002", at: at, kind: .granted, text: "Temporary access CSUA-1 was granted",
                                                 link: full ? "/grants/1" : nil, accessRequestId: full ? requestId : nil)
                    if full { note.readAt = at.addingTimeInterval(60) }
                    return note
                }
                try await agree {
                    let message = OutboxMessageModel()
                    message.id = UUID()
                    message.createdAt = at
                    message.toAddress = "tom@example.gov.uk"
                    message.toStaffId = full ? "20010002" : nil
                    message.subject = "Casework: granted"
                    message.body = "Granted"
                    message.accessRequestId = full ? requestId : nil
                    message.status = full ? .sent : .pending
                    message.attempts = full ? 3 : 0
                    message.nextAttemptAt = at
                    if full {
                        message.lastError = "550 mailbox unavailable"
                        message.sentAt = at
                    }
                    return message
                }
                try await agree {
                    AccessRequestHistoryModel(requestId: requestId, at: at, by: full ? "20010001" : nil,
                                              action: full ? .decided(.teamLeader, .approve) : .submitted, reason: full ? "checked" : nil)
                }
                try await agree {
                    ServiceRequestHistoryModel(serviceRequestId: srId, at: at, by: full ? "20010002" : nil, action: .returned,
                                               detail: "back to the scr hopper")
                }
            }
        }
    }

    private func json(_ model: (some Encodable)?) throws -> String {
        var object = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(model)) as? [String: Any] ?? [:]
        object["id"] = nil
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: .sortedKeys), as: UTF8.self)
    }
}
