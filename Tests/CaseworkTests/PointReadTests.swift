@testable import Casework
import CaseworkCore
import Fluent
import Foundation
import SQLKit
import SQLiteKit
import Testing
import Vapor

/// SQLite's point-read connections (`SQLiteReaders`): they answer as the database's own connections do, see every
/// write the lane has acknowledged, and keep answering past their statement cache. On PostgreSQL there are none.
@Suite("Point reads on SQLite's own connections")
struct PointReadTests {
    @Test func theReadersAreThereOnSQLiteOnly() async throws {
        try await withCasework { app in
            #expect((app.casework.readers != nil) == !usingPostgres)
        }
    }

    @Test func aPointReadAnswersAsTheDatabaseDoes() async throws {
        guard !usingPostgres else { return }
        try await withCasework(records: true) { app in
            let readers = try #require(app.casework.readers)
            let sql = app.db as! any SQLDatabase
            // Every kind of column: text, integers, booleans, instants, UUIDs and NULLs.
            let query: SQLQueryString = "SELECT * FROM contacts ORDER BY id"
            let direct = try await sql.raw(query).all()
            let point = try readers.rows(query, dialect: sql)
            #expect(direct.count > 3)
            #expect(point.count == direct.count)
            for (a, b) in zip(direct, point) {
                // Fluent's decoding of the database's row against ours of the point read's, field by field.
                let x = try a.decode(fluentModel: ContactModel.self), y = try ContactModel(row: b)
                #expect(x.id == y.id && x.name == y.name && x.searchName == y.searchName && x.sensitive == y.sensitive
                        && x.nino == y.nino && x.scin == y.scin && x.crn == y.crn && x.dateOfBirth == y.dateOfBirth
                        && x.address == y.address && x.createdAt == y.createdAt && x.updatedAt == y.updatedAt)
            }
        }
    }

    /// A column is found by its name however that name is held: short names (kept inside the string), long ones,
    /// one built while running rather than written in the code, and, where two columns share a name, the first, as
    /// SQLiteKit's rows answer (`ColumnNames`).
    @Test func aPointReadFindsEachColumnByItsName() async throws {
        guard !usingPostgres else { return }
        try await withCasework { app in
            let readers = try #require(app.casework.readers)
            let sql = app.db as! any SQLDatabase
            let query: SQLQueryString = """
                SELECT 'a' AS id, 'b' AS status, 'c' AS requester_staff_id_of_the_request, 'd' AS status, 7 AS n
                """
            let point = try #require(try readers.rows(query, dialect: sql).first)
            let direct = try #require(try await sql.raw(query).first())
            let built = String(decoding: Array("stat".utf8) + Array("us".utf8), as: UTF8.self)
            let longBuilt = String(decoding: Array("requester_staff_id".utf8) + Array("_of_the_request".utf8), as: UTF8.self)
            for name in ["id", "status", "requester_staff_id_of_the_request", built, longBuilt] {
                #expect(try point.decode(column: name, as: String.self) == direct.decode(column: name, as: String.self))
            }
            #expect(try point.decode(column: built, as: String.self) == "b")
            #expect(try point.decode(column: longBuilt, as: String.self) == "c")
            #expect(try point.decode(column: "n", as: Int.self) == 7)
            #expect(point.contains(column: "n") && point.contains(column: longBuilt))
            #expect(!point.contains(column: "statu") && !point.contains(column: "statuses"))
            #expect(throws: DecodingError.self) { try point.decode(column: "state", as: String.self) }
            #expect(try point.decodeNil(column: "absent"))
            #expect(point.allColumns == ["id", "status", "requester_staff_id_of_the_request", "status", "n"])
        }
    }

    /// A flag is read from 0 or 1 only, as SQLiteNIO reads it; any other number is refused, not taken as true.
    /// The binds converted without SQLiteKit's encoder are stored exactly as it would store them: the same kind of
    /// value and the same value, present and absent (an id as its upper-case text, an instant as seconds since 1970).
    @Test func bindsAreConvertedAsSQLiteKitsEncoderConvertsThem() throws {
        let id = UUID(), instant = Date(timeIntervalSince1970: 1_764_000_000.125)
        let binds: [any Encodable & Sendable] = [
            "text", "", id, instant, 42, -7, Optional("text"), String?.none, Optional(id), UUID?.none, Optional(instant), Date?.none,
            true, 2.5, Int?.none, Optional(3),
        ]
        let encoder = SQLiteDataEncoder()
        for bind in binds {
            let ours = try SQLiteHandle.sqliteData(bind)
            let theirs = try encoder.encode(bind)
            #expect(ours == theirs, "\(type(of: bind)) \(bind): \(ours) here, \(theirs) by SQLiteKit's encoder")
        }
        #expect(try SQLiteHandle.sqliteData(id) == .text(id.uuidString), "an id is stored as its text")
    }

    @Test func aFlagIsZeroOrOne() async throws {
        guard !usingPostgres else { return }
        try await withCasework { app in
            let readers = try #require(app.casework.readers)
            let sql = app.db as! any SQLDatabase
            let row = try #require(try readers.rows("SELECT 1 AS yes, 0 AS no, 2 AS other, NULL AS none", dialect: sql).first)
            #expect(try row.decode(column: "yes", as: Bool.self) == true)
            #expect(try row.decode(column: "no", as: Bool.self) == false)
            #expect(throws: (any Error).self) { try row.decode(column: "other", as: Bool.self) }
            #expect(try row.decode(column: "none", as: Bool?.self) == nil)
        }
    }

    /// The hand-written row readers (`init(row:)`, used on hot lists instead of Fluent's decoding) read every column
    /// as Fluent does, on either database: each model encoded both ways is the same JSON.
    @Test func everyHandWrittenRowReaderAgreesWithFluent() async throws {
        try await withCasework(records: true) { app in
            let (request, _) = try await app.submitAccessRequest()
            try await app.decide(request.id, "approve", token: try await app.token("20010001", role: .teamLeader))
            try await app.decide(request.id, "approve", token: try await app.token("30000002", role: .scrManager))
            try await app.decide(request.id, "approve", token: try await app.token("40000002", role: .provisioning))
            let sql = app.db as! any SQLDatabase
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            func agree<M: Model>(_ table: String, _ type: M.Type, _ read: (any SQLRow) throws -> M) async throws {
                let rows = try await sql.raw("SELECT * FROM \(unsafeRaw: table)").all()
                #expect(!rows.isEmpty, "no rows in \(table) to compare")
                for row in rows {
                    let fluent = String(decoding: try encoder.encode(try row.decode(fluentModel: M.self)), as: UTF8.self)
                    let ours = String(decoding: try encoder.encode(try read(row)), as: UTF8.self)
                    #expect(fluent == ours, "\(table): \(ours) differs from Fluent's \(fluent)")
                }
            }
            try await agree("contacts", ContactModel.self, ContactModel.init(row:))
            try await agree("service_requests", ServiceRequestModel.self, ServiceRequestModel.init(row:))
            try await agree("access_requests", AccessRequestModel.self, AccessRequestModel.init(row:))
            try await agree("audit_events", AuditEventModel.self, AuditEventModel.init(row:))
            try await agree("grants", GrantModel.self, GrantModel.init(row:))
            // The plain values read with no model to match, compared field by field.
            let history = try await sql.raw("SELECT * FROM service_request_history").all()
            #expect(!history.isEmpty, "no SR history to compare")
            for row in history {
                let fluent = try row.decode(fluentModel: ServiceRequestHistoryModel.self), ours = try StoredServiceRequestHistory(row: row)
                #expect(fluent.$serviceRequest.id == ours.serviceRequestId && fluent.at == ours.at && fluent.byStaffId == ours.byStaffId
                        && fluent.action == ours.action && fluent.detail == ours.detail)
            }
            let decisions = try await sql.raw("SELECT * FROM access_decisions").all()
            #expect(decisions.count == 3, "one decision a stage to compare")
            for row in decisions {
                let fluent = try row.decode(fluentModel: AccessDecisionModel.self), ours = try StoredDecision(row: row)
                #expect(fluent.id == ours.id && fluent.requestId == ours.requestId && fluent.requestCreatedAt == ours.requestCreatedAt
                        && fluent.reference == ours.reference && fluent.team == ours.team && fluent.stage == ours.stage
                        && fluent.decision == ours.decision && fluent.at == ours.at && fluent.waitedSeconds == ours.waitedSeconds
                        && fluent.reason == ours.reason && fluent.byStaffId == ours.byStaffId)
            }
            let requestHistory = try await sql.raw("SELECT * FROM access_request_history").all()
            #expect(!requestHistory.isEmpty, "no request history to compare")
            for row in requestHistory {
                let fluent = try row.decode(fluentModel: AccessRequestHistoryModel.self), ours = try StoredHistoryStep(row: row)
                #expect(fluent.requestId == ours.requestId && fluent.at == ours.at && fluent.byStaffId == ours.byStaffId
                        && fluent.action == ours.action && fluent.reason == ours.reason)
            }
            let notifications = try await sql.raw("SELECT * FROM notifications").all()
            #expect(!notifications.isEmpty, "no notifications to compare")
            for row in notifications {
                let fluent = try row.decode(fluentModel: NotificationModel.self), ours = try StoredNotification(row: row)
                #expect(fluent.id == ours.id && fluent.staffId == ours.staffId && fluent.at == ours.at && fluent.kind == ours.kind
                        && fluent.text == ours.text && fluent.link == ours.link && fluent.readAt == ours.readAt
                        && fluent.accessRequestId == ours.accessRequestId)
            }
        }
    }

    @Test func aWriteTheLaneAcknowledgedIsSeenByTheNextPointRead() async throws {
        guard !usingPostgres else { return }
        try await withCasework { app in
            let directory = DirectoryQueries(db: app.db, readers: app.casework.readers)
            let before = try #require(try await directory.profile("20010002"))
            for round in 1...20 {
                let name = "Renamed \(round)"
                try await app.casework.lane.perform { ctx in
                    try await (ctx.db as! any SQLDatabase).raw("UPDATE staff SET name = \(bind: name) WHERE staff_id = '20010002'").run()
                }
                #expect(try await directory.profile("20010002")?.name == name)
            }
            #expect(before.name != "Renamed 20")
        }
    }

    @Test func readsOfManyShapesOutgrowTheStatementCacheAndStillAnswer() async throws {
        guard !usingPostgres else { return }
        try await withCasework { app in
            let directory = DirectoryQueries(db: app.db, readers: app.casework.readers)
            let everyone = try await StaffModel.query(on: app.db).all().compactMap(\.id)
            #expect(everyone.count >= 10)
            // A list of n IDs is a statement of its own: more shapes than the cache keeps.
            for round in 0..<150 {
                let ids = Array(everyone.prefix(round % everyone.count + 1))
                let found = try await directory.profiles(ids)
                #expect(Set(found.keys) == Set(ids))
            }
        }
    }

    @Test func aSignedInRequestIsRefusedTheMomentItsSessionEnds() async throws {
        try await withCasework { app in
            let token = try await app.token("20010002")
            #expect(try await app.sendJSON(.GET, "/api/v1/staff/20010002", token: token).status == .ok)
            #expect(try await app.sendJSON(.DELETE, "/api/v1/auth/tokens/current", token: token).status == .noContent)
            #expect(try await app.sendJSON(.GET, "/api/v1/staff/20010002", token: token).status == .unauthorized)
        }
    }

    @Test func aMissingOrClosedDatabaseFailsWithAReason() async throws {
        guard !usingPostgres else { return }
        let directory = NSTemporaryDirectory() + "casework-readers-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let readers = SQLiteReaders(path: directory + "/missing-dir/none.sqlite")
        #expect(throws: SQLiteConnectionError.self) { try readers.rows("SELECT 1", []) }
        // Readers never create a database; an empty file is an empty one.
        #expect(FileManager.default.createFile(atPath: directory + "/db.sqlite", contents: Data()))
        let working = SQLiteReaders(path: directory + "/db.sqlite")
        #expect(try working.rows("SELECT 1 AS one", []).first?.decode(column: "one", as: Int.self) == 1)
        working.close()
        let error = #expect(throws: SQLiteConnectionError.self) { try working.rows("SELECT 1", []) }
        #expect(error?.description.contains("stopping") == true)
    }

    /// A cached `SELECT *` names the columns the table has now, after a migration added one: the lane's reads of
    /// its decision rows are such statements, and a column they missed would fail every decision.
    @Test func aCachedStatementSeesAColumnAddedSinceItWasPrepared() async throws {
        guard !usingPostgres else { return }
        let directory = NSTemporaryDirectory() + "casework-readers-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/db.sqlite"
        #expect(FileManager.default.createFile(atPath: path, contents: Data()))
        let writer = SQLiteLaneWriter(path: path, logger: Logger(label: "test"), eventLoop: LaneThread.shared.loop)
        defer { writer.close() }
        try await writer.raw("CREATE TABLE t (a INTEGER)").run()
        try await writer.raw("INSERT INTO t (a) VALUES (1)").run()
        let readers = SQLiteReaders(path: path)
        defer { readers.close() }
        #expect(try readers.rows("SELECT * FROM t", []).first?.allColumns == ["a"])
        try await writer.raw("ALTER TABLE t ADD COLUMN b TEXT DEFAULT 'added'").run()
        let row = try #require(try readers.rows("SELECT * FROM t", []).first)
        #expect(row.allColumns == ["a", "b"])
        #expect(try row.decode(column: "b", as: String.self) == "added")
    }
}
