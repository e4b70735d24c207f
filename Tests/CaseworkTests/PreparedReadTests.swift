@testable import Casework
import CaseworkCore
import Fluent
import Foundation
import Logging
import NIOCore
import SQLKit
import Testing

/// Point reads on PostgreSQL run as statements prepared once a connection (`PostgresStatements`): they answer as
/// PostgresKit's own queries do, are prepared once, and keep answering when a table changes under them. On SQLite
/// point reads take their own connections (`PointReadTests`), so these run against PostgreSQL only.
@Suite("Prepared point reads on PostgreSQL")
struct PreparedReadTests {
    @Test func aPreparedReadAnswersAsTheDatabaseDoes() async throws {
        guard usingPostgres else { return }
        try await withCasework(records: true) { app in
            let (request, _) = try await app.submitAccessRequest()
            try await app.decide(request.id, "approve", token: try await app.token("20010001", role: .teamLeader))
            let sql = app.db as! any SQLDatabase
            let point = PointReads(db: app.db, readers: nil)
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            // Every kind of column (text, integers, booleans, instants, UUIDs, NULLs) read both ways, model by model.
            func agree<M: Encodable>(_ query: SQLQueryString, _ read: (any SQLRow) throws -> M) async throws {
                let direct = try await sql.raw(query).all().map(read)
                let prepared = try await point.all(query).map(read)
                // Run once, unprepared, and read by type (the lane's reads of a thousand keys).
                let once = try await sql.rowsReadByType(query).map(read)
                #expect(!direct.isEmpty)
                #expect(try direct.map { try encoder.encode($0) } == prepared.map { try encoder.encode($0) })
                #expect(try direct.map { try encoder.encode($0) } == once.map { try encoder.encode($0) })
            }
            try await agree("SELECT * FROM contacts ORDER BY id", ContactModel.init(row:))
            try await agree("SELECT * FROM service_requests ORDER BY id", ServiceRequestModel.init(row:))
            try await agree("SELECT * FROM access_requests ORDER BY id", AccessRequestModel.init(row:))
            try await agree("SELECT * FROM access_request_history ORDER BY id") { row -> [String?] in
                let step = try StoredHistoryStep(row: row)
                return [step.requestId.uuidString, "\(step.at.timeIntervalSince1970)", step.byStaffId, step.action.rawValue, step.reason]
            }

            // Values bound of every kind, an absent optional among them.
            let noTeamLeader: String? = nil, someone: String? = "20010002"
            let rows = try await point.all("""
                SELECT staff_id FROM staff WHERE active = \(bind: true) AND team_leader_staff_id IS NOT DISTINCT FROM \(bind: noTeamLeader)
                OR staff_id = \(bind: someone) ORDER BY staff_id LIMIT \(bind: 500)
                """)
            let direct = try await sql.raw("""
                SELECT staff_id FROM staff WHERE active = true AND team_leader_staff_id IS NULL OR staff_id = '20010002'
                ORDER BY staff_id LIMIT 500
                """).all()
            #expect(rows.count == direct.count && rows.count > 1)
            #expect(try rows.map { try $0.decode(column: "staff_id", as: String.self) }.contains("20010002"))
            // Ids, instants, text and numbers bound by their type in a read run once.
            let srIds = try await sql.raw("SELECT id FROM service_requests ORDER BY id LIMIT 3").all().map { try $0.decode(column: "id", as: UUID.self) }
            let byIds = try await sql.rowsReadByType("""
                SELECT id FROM service_requests WHERE id IN (\(binds: srIds)) AND created_at <= \(bind: Date()) AND reference <> \(bind: "none")
                ORDER BY id LIMIT \(bind: 10)
                """)
            #expect(srIds.count == 3)
            #expect(try byIds.map { try $0.decode(column: "id", as: UUID.self) } == srIds)

            // A `numeric` (what EXTRACT gives) read as a Double, as PostgresKit reads it; NULL as an absent one.
            let instant = Date(timeIntervalSince1970: 1_767_225_600.25)
            let seconds = try #require(try await point.first("SELECT EXTRACT(EPOCH FROM \(bind: instant)::timestamptz) AS s, NULL::numeric AS nothing"))
            #expect(try seconds.decode(column: "s", as: Double.self) == 1_767_225_600.25)
            #expect(try seconds.decode(column: "nothing", as: Double?.self) == nil)
            #expect(throws: DecodingError.self) { try seconds.decode(column: "nothing", as: Double.self) }
            #expect(throws: DecodingError.self) { try seconds.decode(column: "absent", as: String.self) }
        }
    }

    /// A column is found by its name however that name is held: short names (kept inside the string), long ones,
    /// one built while running rather than written in the code, and, where two columns share a name, the last, as
    /// PostgresKit's rows answer (`ColumnNames`).
    @Test func aPreparedReadFindsEachColumnByItsName() async throws {
        guard usingPostgres else { return }
        try await withCasework { app in
            let sql = app.db as! any SQLDatabase
            let point = PointReads(db: app.db, readers: nil)
            let query: SQLQueryString = """
                SELECT 'a'::text AS id, 'b'::text AS status, 'c'::text AS requester_staff_id_of_the_request, 'd'::text AS status, 7 AS n
                """
            let prepared = try #require(try await point.first(query))
            let direct = try #require(try await sql.raw(query).first())
            let built = String(decoding: Array("stat".utf8) + Array("us".utf8), as: UTF8.self)
            let longBuilt = String(decoding: Array("requester_staff_id".utf8) + Array("_of_the_request".utf8), as: UTF8.self)
            for name in ["id", "status", "requester_staff_id_of_the_request", built, longBuilt] {
                #expect(try prepared.decode(column: name, as: String.self) == direct.decode(column: name, as: String.self))
            }
            #expect(try prepared.decode(column: built, as: String.self) == "d")
            #expect(try prepared.decode(column: longBuilt, as: String.self) == "c")
            #expect(try prepared.decode(column: "n", as: Int.self) == 7)
            #expect(prepared.contains(column: "n") && prepared.contains(column: longBuilt))
            #expect(!prepared.contains(column: "statu") && !prepared.contains(column: "statuses"))
            #expect(throws: DecodingError.self) { try prepared.decode(column: "state", as: String.self) }
            #expect(try prepared.decodeNil(column: "absent"))
        }
    }

    /// A column Fluent fills from an enum (an extension request's kind and status) is read through its raw value. A
    /// prepared read refused every type PostgresNIO does not read itself, so a grant's evidence and a team leader's
    /// changes awaiting them failed on PostgreSQL once a grant had an extension request.
    @Test func aPreparedReadReadsAnEnumByItsRawValue() async throws {
        guard usingPostgres else { return }
        try await withCasework(records: true) { app in
            let (grantId, tom, sarah, _) = try await app.grantAccess()
            struct Ask: Encodable { let additionalMinutes: Int; let reason: String }
            _ = try await app.sendJSON(.POST, "/api/v1/grants/\(grantId)/extension-requests", body: Ask(additionalMinutes: 30, reason: "More time"), token: tom)
            let changes = try await EvidenceQueries(db: app.db).changes(ofGrant: try #require(UUID(uuidString: grantId)))
            #expect(changes.map(\.kind) == [.extension] && changes.map(\.status) == [.awaitingTeamLeader] && changes.map(\.additionalMinutes) == [30])
            let waiting = try await AccessQueries(db: app.db).changesAwaitingEndorsement(by: "20010001")
            #expect(waiting.map(\.id) == changes.map(\.id))
            let listed = try await app.sendJSON(.GET, "/api/v1/grant-change-requests?awaitingMe=true", token: sarah)
            #expect(listed.status == .ok)
            #expect(try listed.content.decode(ListDTO<GrantChangeDTO>.self).items.map(\.kind) == [.extension])
        }
    }

    @Test func aStatementIsPreparedOnceOnAConnection() async throws {
        guard usingPostgres else { return }
        try await withCasework(records: true) { app in
            // One after another on one event loop: one read connection, lent again each time.
            let db = app.db
            let point = PointReads(db: db, readers: nil)
            for id in ["20010001", "20010002", "20010003"] {
                let row = try #require(try await point.first("SELECT name FROM staff WHERE staff_id = \(bind: id)"))
                #expect(try !row.decode(column: "name", as: String.self).isEmpty)
            }
            // Asked on that same connection (`pg_prepared_statements` is the connection's own).
            let prepared = try await point.first("""
                SELECT count(*) AS n FROM pg_prepared_statements WHERE statement LIKE 'SELECT name FROM staff WHERE staff_id = $1%'
                """)
            #expect(try prepared?.decode(column: "n", as: Int.self) == 1)
            #expect(db.postgresReads?.openCount(on: db.eventLoop) == 1)
        }
    }

    /// A read is planned once for any values and that plan kept (`PostgresReadConnections.planCacheMode`). Left to
    /// choose, PostgreSQL planned a search's statement for its values at every run, because its plan for any values
    /// was estimated dearer (though it was the same plan), and the planning took six times as long as the run.
    @Test func aPreparedReadIsPlannedOnceForAnyValues() async throws {
        guard usingPostgres else { return }
        try await withCasework(records: true) { app in
            // One after another on one event loop: one read connection, lent again each time.
            let db = app.db
            let records = RecordQueries(db: db)
            let names = ["holloway", "baxter", "karen", "ashworth", "thomas", "smith", "hol"]
            for name in names {
                _ = try await records.searchContacts(identifier: name.uppercased(), namePart: name, limit: 25)
            }
            let plans = try #require(try await PointReads(db: db, readers: nil).first("""
                SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE 'SELECT 1 AS by_identifier%'
                """))
            #expect(try plans.decode(column: "custom_plans", as: Int.self) == 0)
            #expect(try plans.decode(column: "generic_plans", as: Int.self) == names.count)
            #expect(db.postgresReads?.openCount(on: db.eventLoop) == 1)
        }
    }

    /// A write job's reads run on its transaction's connection, so they see what the job has written and not yet
    /// committed; outside a transaction reads go to the read connections.
    @Test func aReadInATransactionSeesItsOwnWrites() async throws {
        guard usingPostgres else { return }
        try await withCasework(records: true) { app in
            let seen = try await app.db.transaction { tx -> Bool in
                #expect(tx.postgresReads == nil)
                try await (tx as! any SQLDatabase).raw("UPDATE staff SET name = 'Renamed In Transaction' WHERE staff_id = '20010002'").run()
                let row = try await PointReads(db: tx, readers: nil).first("SELECT name FROM staff WHERE staff_id = \(bind: "20010002")")
                return try row?.decode(column: "name", as: String.self) == "Renamed In Transaction"
            }
            #expect(seen)
            #expect(app.db.postgresReads != nil)
        }
    }

    /// Many reads at once on one event loop share at most `perEventLoop` connections, each answered; when the
    /// application stops, its read connections are closed.
    @Test func readsAtOnceShareAFewConnectionsClosedWithTheApplication() async throws {
        guard usingPostgres else { return }
        var kept: (reads: PostgresReadConnections, loop: any EventLoop)?
        try await withCasework(records: true) { app in
            let db = app.db
            let reads = try #require(db.postgresReads)
            kept = (reads, db.eventLoop)
            let names = try await withThrowingTaskGroup(of: String?.self) { group in
                for _ in 0..<64 {
                    group.addTask {
                        try await PointReads(db: db, readers: nil).first("SELECT name, pg_sleep(0.01) FROM staff WHERE staff_id = \(bind: "20010002")")?
                            .decode(column: "name", as: String.self)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(names.count == 64 && Set(names).count == 1 && names[0] != nil)
            let open = reads.openCount(on: db.eventLoop)
            #expect(open > 1 && open <= PostgresReadConnections.perEventLoop)
        }
        let (reads, loop) = try #require(kept)
        #expect(reads.openCount(on: loop) == 0)
        await #expect(throws: PostgresReadsStopped.self) {
            try await reads.withConnection(on: loop, logger: Logger(label: "test")) { $0.eventLoop.makeSucceededFuture(()) }
        }
    }

    /// A `SELECT *` prepared before a migration added a column: PostgreSQL refuses to run it (its result changed),
    /// so the read runs afresh, sees the new column, and the next one prepares the statement again.
    @Test func aPreparedReadKeepsAnsweringWhenItsTableChanges() async throws {
        guard usingPostgres else { return }
        try await withCasework(records: true) { app in
            try await app.db.withConnection { db in
                let sql = db as! any SQLDatabase
                let point = PointReads(db: db, readers: nil)
                let query: SQLQueryString = "SELECT * FROM staff WHERE staff_id = \(bind: "20010002")"
                #expect(try await point.first(query)?.contains(column: "added_for_test") == false)
                try await sql.raw("ALTER TABLE staff ADD COLUMN added_for_test TEXT DEFAULT 'added'").run()
                for _ in 1...2 {
                    let row = try #require(try await point.first(query))
                    #expect(try row.decode(column: "added_for_test", as: String.self) == "added")
                }
            }
        }
    }
}
