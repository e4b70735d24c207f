@testable import Casework
import CaseworkCore
import Fluent
import Foundation
import Logging
import SQLKit
import Testing
import Vapor

/// Runs every hot read the pages make, captures the SQL each one sends, and asks the database for its plan:
/// a full scan of a table that grows with the organisation fails the test. SQLite answers `EXPLAIN QUERY PLAN`;
/// PostgreSQL answers `EXPLAIN` for the statement's generic plan, with sequential scans discouraged so that the
/// planner's choice on a nearly empty table does not hide a missing index.
@Suite("Hot query plans")
struct HotQueryPlanTests {
    /// Tables whose size grows with clients, work, grants or time.
    static let largeTables: Set<String> = [
        "staff", "staff_roles", "auth_sessions", "contacts", "contact_name_starts", "cases", "case_participants", "service_requests", "service_request_contacts",
        "service_request_history", "access_requests", "access_request_history", "access_decisions", "grants", "grant_change_requests",
        "notifications", "outbox_messages", "audit_events",
    ]

    @Test func everyHotQueryReadsThroughAnIndex() async throws {
        try await withCasework(records: true) { app in
            let capture = StatementCapture()
            let logger = Logger(label: "hot-query-plans") { _ in capture }
            let db = app.databases.database(logger: logger, on: app.eventLoopGroup.any())!
            let now = app.casework.clock.now()
            let someone = UUID()
            let period = DayPeriod.lastDays(30, now: now)

            // Records: search by identifier and by name (long and short), hoppers, their summary, assigned work.
            let records = RecordQueries(db: db)
            _ = try await records.searchContacts(identifier: "AB123456C", namePart: "holloway", limit: 50)
            _ = try await records.searchContacts(identifier: "KA", namePart: "ka", limit: 50)
            _ = try await records.searchContacts(identifier: "", namePart: "holl", limit: 1)
            _ = try await records.hopperPage(segment: "scr", limit: 51, after: nil)
            _ = try await records.hopperPage(segment: "scr", limit: 51, after: someone)
            _ = try await records.hopperSummary(segment: "newcastle-casework-1")
            _ = try await records.assignedTo("20010002", openOnly: true, limit: 51, after: nil)
            _ = try await records.assignedTo("20010002", openOnly: true, limit: 51, after: someone)
            _ = try await records.serviceRequests(of: .creator, "20010002", openOnly: true, limit: 50, after: nil)
            // What a page of SRs shows beside them: cases, linked contacts, history, assignees' names.
            let somePage = try await RecordQueries(db: app.db).serviceRequests(of: .creator, "20020002", openOnly: false, limit: 5, after: nil)
            #expect(somePage.contains { $0.caseId != nil }, "the demo records' SRs, so the details below are read for real cases")
            _ = try await records.details(of: somePage)
            _ = try await records.serviceRequest(someone)
            _ = try await records.members(of: .scr, teamName: nil)
            _ = try await records.memberNames(of: .scr, teamName: nil)
            _ = try await records.memberNames(of: .team("newcastle-casework-1"), teamName: "Newcastle Casework 1")
            _ = try await records.members(of: .team("newcastle-casework-1"), teamName: "Newcastle Casework 1")
            _ = try await AccessQueries(db: db).coverage(for: StaffID("20010002")!, at: now)

            // Temporary access: every list a role opens, with and without a cursor, and what a page of them shows.
            let access = AccessQueries(db: db)
            for filter: AccessQueries.RequestFilter in [.atStage(.awaitingScrManager), .awaitingTeamLeader("20010001"), .all(nil), .all(.granted),
                                                         .involving("20010002", nil), .requestedBy("20010001", nil)] {
                _ = try await access.requests(filter, limit: 51, after: nil)
                _ = try await access.requests(filter, limit: 51, after: someone)
            }
            // How many wait for a decision: the lists whose pages show that count.
            for filter: AccessQueries.RequestFilter in [.atStage(.awaitingScrManager), .atStage(.awaitingProvisioning), .awaitingTeamLeader("20010001")] {
                _ = try await access.count(filter)
            }
            let anyRequests = try await AccessRequestModel.query(on: app.db).limit(5).all().map(StoredAccessRequest.init)
            _ = try await access.details(of: anyRequests)
            _ = try await access.unconfirmedGrants(countersignedBy: "20010001")
            _ = try await access.changesAwaitingEndorsement(by: "20010001")
            _ = try await access.changesWaiting(at: .awaitingProvisioning)
            _ = try await access.changeStamp()
            _ = try await access.unconfirmedGrants(endedBefore: now, limit: 50)

            // Monitoring: counts, figures, the first page of each table and a later one (after a grant that exists, or
            // the page's own statement is never sent).
            let monitoring = MonitoringQueries(db: db, now: now, period: period)
            let granted = try #require(UUID(uuidString: try await app.grantAccess(minutes: 60).grantId))
            _ = try await monitoring.liveGrants(endingBefore: nil, limit: 50, after: nil)
            _ = try await monitoring.liveGrants(endingBefore: CaseworkTime.endOfUKDay(now), limit: 50, after: granted)
            _ = try await monitoring.liveGrantCount(endingBefore: nil)
            _ = try await monitoring.overdueLogOffs(limit: 50, after: nil)
            _ = try await monitoring.overdueLogOffs(limit: 50, after: granted)
            _ = try await MonitoringQueries(db: db, now: now.addingTimeInterval(3 * 24 * 3600), period: period).overdueLogOffs(limit: 50, after: granted)
            _ = try await monitoring.overdueLogOffCount()
            _ = try await monitoring.decisionCount(refusalsOnly: true)
            _ = try await monitoring.decisions(refusalsOnly: false, limit: 50, after: someone)
            // A part of each CSV (after one row, through another), and where each table's parts end.
            _ = try await monitoring.liveGrants(endingBefore: nil, limit: 250, after: granted, through: granted)
            _ = try await monitoring.overdueLogOffs(limit: 250, after: nil, through: granted)
            let decided = try #require(try await monitoring.decisions(refusalsOnly: false, limit: 1, after: nil).first?.id)
            _ = try await monitoring.decisions(refusalsOnly: false, limit: 250, after: decided, through: decided)
            for table in MonitoringTable.allCases {
                _ = try await monitoring.partEnds(table, every: 1, endOfToday: CaseworkTime.endOfUKDay(now))
            }
            _ = try await monitoring.stageFigures()
            _ = try await monitoring.allTeamFigures()

            // The evidence page: a request's grant and its changes, notifications, emails, and the audit events.
            let evidence = EvidenceQueries(db: db)
            _ = try await evidence.grant(ofRequest: someone)
            _ = try await evidence.changes(ofGrant: someone)
            _ = try await evidence.notificationsAndEmails(aboutRequest: someone)
            _ = try await evidence.contactAccess(by: "20010002", from: now.addingTimeInterval(-3600), to: now, limit: 500)
            _ = try await evidence.auditEvents(about: [someone.uuidString, UUID().uuidString])
            _ = try await evidence.contactAccessAndEvents(by: "20010002", from: now.addingTimeInterval(-3600), to: now, limit: 500, about: [someone.uuidString])

            // The audit trail by person, by subject and by kind of subject, and the home pages' refusals.
            let trail = AuditTrail(db: db)
            _ = try await trail.search(.init(actor: "20010002", subject: nil, from: nil, to: nil, limit: 51, beforeSeq: 100))
            _ = try await trail.search(.init(actor: nil, subject: someone.uuidString, from: nil, to: nil, limit: 51, beforeSeq: nil))
            _ = try await trail.search(.init(actor: nil, subject: "grant", from: nil, to: nil, limit: 51, beforeSeq: nil))
            let home = HomeQueries(db: db)
            _ = try await home.unreadNotifications(of: "20010002", limit: 20)

            // Home pages: each role's own activity, the administrators' and SCR managers' lists.
            _ = try await home.activity(of: "20010002", limit: 10)
            _ = try await home.refusalsAndFailures(since: now.addingTimeInterval(-24 * 3600), action: nil, limit: 20)
            _ = try await home.refusalsAndFailures(since: now.addingTimeInterval(-24 * 3600), action: "signIn", limit: 20)
            _ = try await home.activity(of: "30000002", limit: 10, refusals: .init(since: now.addingTimeInterval(-24 * 3600), action: nil, limit: 20))
            _ = try await home.activePeopleWithoutPassword(limit: 50)
            _ = try await home.peopleWithFailedSignIns(atLeast: 6)
            _ = try await home.liveGrants(of: "20010002", at: now)
            _ = try await OutboxMessageModel.query(on: db).filter(\.$status == OutboxStatus.pending).sort(\.$createdAt).all()
            _ = try await home.outboxBacklog()

            // The expiry job's reads, with the work of the holders whose grants ended.
            _ = try await records.sensitiveContactsOfAssigned(["20010002", "20010003"], statuses: [.assigned, .inProgress])
            _ = try await GrantExpiry.endedUnprocessed(on: db, at: now, limit: 1_000)

            let statements = capture.statements.filter { $0.uppercased().hasPrefix("SELECT") }
            #expect(statements.count >= 40, "the capture saw \(statements.count) statements: is the query log level still debug?")
            var scans: [String] = []
            for statement in Set(statements) {
                let plan = try await Self.plan(of: statement, on: app.db as! any SQLDatabase)
                if let table = Self.fullScan(in: plan, limited: statement.uppercased().contains(" LIMIT ")) { scans.append("\(table): \(statement)\n\(plan)") }
            }
            #expect(scans.isEmpty, "full scans of large tables:\n\(scans.joined(separator: "\n\n"))")
        }
    }

    /// The day's refusals (an SCR manager's home) and failed sign-ins (an administrator's) are read newest first
    /// from their partial indexes and stop at twenty: no sort of every refusal of the day, which slowed the home page
    /// as the day's audited reads added refusals.
    @Test func theDaysRefusalsAreWalkedNewestFirstFromTheirOwnIndexes() async throws {
        try await withCasework(records: true) { app in
            let since = app.casework.clock.now().addingTimeInterval(-24 * 3600)
            for (action, index) in [(nil, "audit_events_refusals"), ("signIn", "audit_events_refusals_by_action")] as [(String?, String)] {
                let plans = try await Self.plans(in: app) { db in
                    _ = try await HomeQueries(db: db).refusalsAndFailures(since: since, action: action, limit: 20)
                }
                Self.expectWalkedInOrder(try #require(plans.first), through: [index], "the refusals")
            }
        }
    }

    /// The overdue log-offs on an SCR manager's home are the first fifty unconfirmed grants by their end, read in
    /// that order from an index on both databases: PostgreSQL does not take `IS NULL` as an equality, and with only
    /// `grants_log_off_open` it scanned and sorted every unconfirmed grant that had ended.
    @Test func theOverdueLogOffsAreWalkedInOrderOfTheirEnd() async throws {
        try await withCasework(records: true) { app in
            let plans = try await Self.plans(in: app) { db in
                _ = try await AccessQueries(db: db).unconfirmedGrants(endedBefore: app.casework.clock.now(), limit: 50)
            }
            #expect(plans.count == 1, "one statement, read by expiry and by removal: \(plans.map(\.statement))")
            let read = try #require(plans.first)
            // SQLite takes `IS NULL` as an equality and walks the whole indexes; PostgreSQL the partial ones.
            for (end, indexes) in [("expiry", ["grants_unconfirmed_by_expiry", "grants_log_off_open ("]),
                                   ("removal", ["grants_unconfirmed_by_removal", "grants_log_off_open_removed"])] {
                #expect(indexes.contains { read.plan.contains($0) }, "walked by \(end):\n\(read.plan)")
            }
            Self.expectWalkedInOrder(read, through: ["grants_unconfirmed_by_", "grants_log_off_open"], "the unconfirmed grants")
        }
    }

    /// A team leader's home lists the grants whose log-off they have still to confirm: their granted requests are
    /// read from the leader's index alone (it carries each one's id and reference), and each one's grant from the
    /// index of unconfirmed grants, so confirmed grants and the requests' rows are never read to be passed over.
    @Test func aTeamLeadersUnconfirmedGrantsAreReadThroughTheirIndexes() async throws {
        try await withCasework(records: true) { app in
            let plans = try await Self.plans(in: app) { db in
                _ = try await AccessQueries(db: db).unconfirmedGrants(countersignedBy: "20010001")
            }
            let read = try #require(plans.first)
            #expect(plans.count == 1, "one statement: \(plans.map(\.statement))")
            #expect(read.plan.contains("access_requests_team_leader_covering") && read.plan.contains("grants_unconfirmed_by_request"), "\(read.statement)\n\(read.plan)")
            if !usingPostgres {
                #expect(read.plan.contains("COVERING INDEX access_requests_team_leader_covering"), "the requests' rows are read:\n\(read.plan)")
            }
        }
    }

    /// A deep page of a hopper, of a person's SRs or of a list of requests starts where its cursor is in the index:
    /// joined to the cursor row instead, PostgreSQL walked from the list's start and filtered out every row of the
    /// pages before (page 11 of the SCR hopper read 552 SRs for 51). On both databases the cursor's comparison is a
    /// condition of the index search (`Keyset`).
    @Test func aDeepPageStartsFromItsCursorInTheIndex() async throws {
        try await withCasework(records: true) { app in
            let cursor = UUID()
            let plans = try await Self.plans(in: app) { db in
                _ = try await RecordQueries(db: db).hopperPage(segment: "scr", limit: 51, after: cursor)
                _ = try await RecordQueries(db: db).serviceRequests(of: .assignee, "20010002", openOnly: true, limit: 51, after: cursor)
                _ = try await AccessQueries(db: db).requests(.atStage(.awaitingScrManager), limit: 51, after: cursor)
                _ = try await AccessQueries(db: db).requests(.awaitingTeamLeader("20010001"), limit: 51, after: cursor)
            }
            #expect(plans.count == 4, "\(plans.map(\.statement))")
            for read in plans {
                // The whole comparison where the index holds the id after the order's column; otherwise its first half.
                let searchedFromTheCursor = read.plan.split(separator: "\n").contains { step in
                    usingPostgres
                        ? step.contains("Index Cond") && ["ROW(", "_at >= $", "_at <= $"].contains { step.contains($0) }
                        : step.contains("SEARCH") && [",id)", "_at>?", "_at<?"].contains { step.contains($0) }
                }
                #expect(searchedFromTheCursor, "the cursor is not where the index search starts:\n\(read.statement)\n\(read.plan)")
            }
        }
    }

    /// The expiry and reminder batches look their thousand grants up by id. Asked with `end_processed_at IS NULL`
    /// as well, SQLite walked that column's index instead: every live grant, 24 ms of each batch at national volume.
    @Test func theExpiryLooksItsGrantsUpById() async throws {
        try await withCasework(records: true) { app in
            let ids = (0..<3).map { _ in UUID() }
            let plans = try await Self.plans(in: app) { db in
                _ = try await GrantExpiry.grantsStillToDo(ids, on: db) { $0.endProcessedAt == nil }
            }
            let read = try #require(plans.first)
            #expect(["sqlite_autoindex_grants_1", "grants_pkey"].contains { read.plan.contains($0) }, "\(read.statement)\n\(read.plan)")
        }
    }

    /// The expiry's next batch is the thousand unprocessed grants that ended first, walked in that order on both
    /// databases: PostgreSQL does not take `end_processed_at IS NULL` as an equality, so with `(end_processed_at,
    /// expires_at)` it read and sorted every live grant before each batch (48 ms at national volume).
    @Test func theExpiryWalksUnprocessedGrantsInOrderOfTheirEnd() async throws {
        try await withCasework(records: true) { app in
            let plans = try await Self.plans(in: app) { db in
                _ = try await GrantExpiry.endedUnprocessed(on: db, at: app.casework.clock.now(), limit: 1_000)
            }
            #expect(plans.count == 2, "one read of the expired, one of the removed: \(plans.map(\.statement))")
            Self.expectWalkedInOrder(try #require(plans.first), through: ["grants_unprocessed_by_expiry"], "the unprocessed grants")
            Self.expectWalkedInOrder(try #require(plans.last), through: ["grants_unprocessed_by_removal"], "the removed grants")
        }
    }

    /// PostgreSQL never compiles a plan: a statement over a thousand bound ids is estimated dear enough to be
    /// compiled, and compiling it cost more than running it (the expiry's read of the holders' sensitive work: 21 ms
    /// to run, 0.4 s with the compiler). Every connection the server opens says so when it starts.
    @Test func postgresConnectionsStartWithoutTheJITCompiler() async throws {
        guard usingPostgres else { return }
        try await withCasework { app in
            struct Setting: Decodable { let jit: String }
            for _ in 0..<3 {
                let setting = try await (app.db as! any SQLDatabase).raw("SHOW jit").first(decoding: Setting.self)
                #expect(setting?.jit == "off")
            }
        }
    }

    /// A person's open SRs (their home's "assigned to you", the SR list) are walked newest first in the partial
    /// indexes of open work, so closed SRs, which outgrow the open, are never read to be passed over.
    @Test func aPersonsOpenWorkIsWalkedInItsOwnIndexes() async throws {
        try await withCasework(records: true) { app in
            for (party, index) in [(RecordQueries.SRParty.assignee, "service_requests_open_by_assignee"), (.creator, "service_requests_open_by_creator")] {
                for after in [nil, UUID()] as [UUID?] {
                    let plans = try await Self.plans(in: app) { db in
                        _ = try await RecordQueries(db: db).serviceRequests(of: party, "20010002", openOnly: true, limit: 51, after: after)
                    }
                    Self.expectWalkedInOrder(try #require(plans.first), through: [index], "open work")
                }
            }
        }
    }

    /// A team's assignees (the team hopper page's choice) are found from the team's index and each checked for the
    /// caseworker role in place. Asked as `IN` the role's holders, SQLite read every caseworker in the country first
    /// (45,000 at national volume) and the team hopper page fell from 1,462 to 229 a second.
    @Test func aTeamsAssigneesAreFoundFromTheTeam() async throws {
        try await withCasework(records: true) { app in
            let plans = try await Self.plans(in: app) { db in
                _ = try await RecordQueries(db: db).memberNames(of: .team("newcastle-casework-1"), teamName: "Newcastle Casework 1")
            }
            let read = try #require(plans.first)
            #expect(read.plan.contains("staff_team"), "\(read.statement)\n\(read.plan)")
            #expect(!read.plan.contains("LIST SUBQUERY") && !read.plan.contains("Hash"), "every holder of the role is read:\n\(read.plan)")
        }
    }

    /// A grant's evidence reads its holder's contact events within the grant from the index of their events, which
    /// carries each event's type and time, so events outside the window are passed over without reading the table.
    @Test func aHoldersReadsAreFilteredInTheirIndex() async throws {
        try await withCasework(records: true) { app in
            let now = app.casework.clock.now()
            let plans = try await Self.plans(in: app) { db in
                _ = try await EvidenceQueries(db: db).contactAccess(by: "20010002", from: now.addingTimeInterval(-3600), to: now, limit: 500)
            }
            let read = try #require(plans.first)
            Self.expectWalkedInOrder(read, through: ["audit_events_actor_seq_kind_at"], "the holder's events")
            // PostgreSQL names what it tests in the index (Index Cond) and what only in the table (Filter).
            #expect(!read.plan.contains("Filter:"), "the type or time is tested in the table:\n\(read.plan)")

            // At national volume PostgreSQL misjudged a grant's window: `at` is text there, and it took a window of
            // hours to hold one event, so it read every event of everyone in the window by time (11,354 for one grant)
            // rather than the holder's 200. The table is given that shape: a year of reads an hour apart, one in forty
            // the holder's, with statistics; the window is ten hours of last week.
            let sql = app.db as! any SQLDatabase
            guard sql.dialect.name != "sqlite" else { return }
            let stamp = CaseworkTime.iso8601Millis(now).replacingOccurrences(of: "T", with: " ").replacingOccurrences(of: "Z", with: "")
            try await sql.raw("""
                INSERT INTO audit_events (id, seq, at, actor_staff_id, actor_role, action, subject_type, subject_id, outcome, detail, prev_hash, hash)
                SELECT gen_random_uuid(), 1000000 + g, to_char(timestamp \(unsafeRaw: "'\(stamp)'") - g * interval '1 hour', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                       CASE WHEN g % 40 = 0 THEN '20010002' ELSE 'other' || (g % 50) END, 'caseworker', 'contact.view', 'contact', 'c' || g,
                       'success', '', '', ''
                FROM generate_series(1, 8760) g
                """).run()
            try await sql.raw("ANALYZE audit_events").run()
            let (from, to) = (now.addingTimeInterval(-170 * 3600), now.addingTimeInterval(-160 * 3600))
            let recent = try await Self.plans(in: app) { db in
                _ = try await EvidenceQueries(db: db).contactAccess(by: "20010002", from: from, to: to, limit: 500)
            }
            let statement = try #require(recent.first).statement
            let planned = try await Self.plan(of: statement, on: sql, values: ["20010002", CaseworkTime.iso8601Millis(from), CaseworkTime.iso8601Millis(to)])
            // Found in the holder's index with the type and time tested there (PostgreSQL may then sort the few it
            // finds rather than walk them in order: what it reads is the same).
            #expect(planned.contains("on audit_events_actor_seq_kind_at") && !planned.contains("Filter:"), "\(statement)\n\(planned)")
        }
    }

    /// The SELECT statements `read` sends, each with its plan.
    static func plans(in app: Application, _ read: (any Database) async throws -> Void) async throws -> [(statement: String, plan: String)] {
        let capture = StatementCapture()
        let logger = Logger(label: "hot-query-plans") { _ in capture }
        try await read(app.databases.database(logger: logger, on: app.eventLoopGroup.any())!)
        var plans: [(statement: String, plan: String)] = []
        for statement in capture.statements where statement.uppercased().hasPrefix("SELECT") {
            plans.append((statement, try await plan(of: statement, on: app.db as! any SQLDatabase)))
        }
        return plans
    }

    /// A read that walks one of `indexes` in the order it asks for, sorting nothing.
    static func expectWalkedInOrder(_ read: (statement: String, plan: String), through indexes: [String], _ what: String) {
        #expect(indexes.contains { read.plan.contains($0) }, "\(read.statement)\n\(read.plan)")
        #expect(!read.plan.contains("TEMP B-TREE") && !read.plan.contains("Sort"), "\(what) are sorted rather than walked in order:\n\(read.plan)")
    }

    /// The plan as text, one line per step. On PostgreSQL the plan for any values (the generic plan), or, given
    /// `values` (text for each `$n`), the plan PostgreSQL makes for those values from its statistics.
    static func plan(of statement: String, on sql: any SQLDatabase, values: [String]? = nil) async throws -> String {
        if sql.dialect.name == "sqlite" {
            struct Step: Decodable { let detail: String }
            return try await sql.raw("EXPLAIN QUERY PLAN \(unsafeRaw: statement)").all(decoding: Step.self).map(\.detail).joined(separator: "\n")
        }
        // One connection for the settings, the prepared statement and its plan.
        return try await (sql as! any Database).withConnection { connection in
            let sql = connection as! any SQLDatabase
            try await sql.raw("SET enable_seqscan = off").run()
            try await sql.raw("SET plan_cache_mode = \(unsafeRaw: values == nil ? "force_generic_plan" : "force_custom_plan")").run()
            try await sql.raw("DEALLOCATE ALL").run()
            try await sql.raw("PREPARE hot_query AS \(unsafeRaw: statement)").run()
            let parameters = statement.matches(of: /\$[0-9]+/).count
            let arguments = (values?.map { "'\($0.replacingOccurrences(of: "'", with: "''"))'" } ?? Array(repeating: "NULL", count: parameters))
                .joined(separator: ", ")
            struct Line: Decodable {
                let plan: String
                enum CodingKeys: String, CodingKey { case plan = "QUERY PLAN" }
            }
            let lines = try await sql.raw("EXPLAIN EXECUTE hot_query\(unsafeRaw: parameters == 0 ? "" : "(\(arguments))")").all(decoding: Line.self)
            try await sql.raw("DEALLOCATE hot_query").run()
            return lines.map(\.plan).joined(separator: "\n")
        }
    }

    /// The large table a plan reads in full, if any. A limited statement may walk an index in the order it asks
    /// for (SQLite: "SCAN t USING INDEX", with no sort of the whole result): it stops at the limit.
    static func fullScan(in plan: String, limited: Bool) -> String? {
        let orderedWalk = limited && !plan.contains("USE TEMP B-TREE FOR ORDER BY")
        for line in plan.split(separator: "\n").map(String.init) {
            if orderedWalk && line.hasPrefix("SCAN ") && line.contains(" INDEX ") { continue }
            // SQLite: "SCAN grants" (or "SCAN g"), a whole table or a whole index of one; PostgreSQL: "Seq Scan on grants g".
            if let match = line.firstMatch(of: /Seq Scan on ([a-z_]+)/), largeTables.contains(String(match.1)) { return String(match.1) }
            if let match = line.firstMatch(of: /^SCAN ([a-z_]+)(?: AS [a-z_]+)?(?: USING| |$)/), !line.contains("VIRTUAL TABLE") {
                let name = String(match.1)
                if largeTables.contains(name) || aliases[name].map(largeTables.contains) == true { return aliases[name] ?? name }
            }
        }
        return nil
    }

    /// The short names the raw queries give their tables.
    static let aliases = ["s": "service_requests", "r": "access_requests", "g": "grants", "d": "access_decisions", "c": "contacts", "f": "contacts_name_fts"]
}

/// Keeps the SQL of every statement the database logs.
final class StatementCapture: LogHandler, @unchecked Sendable {
    private let lock = NSLock()
    private var captured: [String] = []
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    var statements: [String] { lock.withLock { captured } }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
        guard case .string(let sql)? = metadata?["sql"] else { return }
        lock.withLock { captured.append(sql) }
    }
}
