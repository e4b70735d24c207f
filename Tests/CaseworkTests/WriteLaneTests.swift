@testable import Casework
import CaseworkCore
import Fluent
import SQLKit
import Testing
import Vapor

@Suite("The write lane: group commit for audited changes")
struct WriteLaneTests {
    @Test func concurrentWritesShareCommitsAndKeepTheChainIntact() async throws {
        try await withCasework(seed: false) { app in
            let lane = app.casework.lane
            let commitsBefore = lane.commits
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<200 {
                    group.addTask {
                        try await lane.perform { ctx in
                            try await ctx.audit(AuditEntry(.system, "test.write", subjectType: "test", subjectId: String(index)))
                        }
                    }
                }
                try await group.waitForAll()
            }
            let events = try await app.auditEvents()
            #expect(events.count == 200)
            #expect(Set(events.map(\.subjectId)).count == 200)
            #expect(events.map(\.seq) == Array(1...200))
            #expect(try await AuditTrail(db: app.db).verify().problem == nil)
            let commits = lane.commits - commitsBefore
            // 200 writers queued at once must not pay 200 commits.
            #expect(commits < 200)
        }
    }

    @Test func aFailingJobRollsBackAloneAndItsNeighboursCommit() async throws {
        try await withCasework(seed: false) { app in
            let lane = app.casework.lane
            struct Refused: Error {}
            let results = try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
                for index in 0..<40 {
                    group.addTask {
                        do {
                            try await lane.perform { ctx in
                                try await ctx.audit(AuditEntry(.system, "test.write", subjectType: "test", subjectId: String(index)))
                                if index % 5 == 0 { throw Refused() }
                            }
                            return (index, true)
                        } catch is Refused {
                            return (index, false)
                        }
                    }
                }
                var all: [Int: Bool] = [:]
                for try await (index, ok) in group { all[index] = ok }
                return all
            }
            #expect(results.filter { !$0.value }.keys.sorted() == stride(from: 0, to: 40, by: 5).map { $0 })
            let events = try await app.auditEvents()
            #expect(events.count == 32)
            #expect(!events.contains { Int($0.subjectId)! % 5 == 0 })
            #expect(events.map(\.seq) == Array(1...32))
            #expect(try await AuditTrail(db: app.db).verify().problem == nil)
        }
    }

    @Test func rowsQueuedForTheCommitAreWrittenOnceSettledAndDroppedWithAFailedJob() async throws {
        try await withCasework { app in
            let lane = app.casework.lane
            struct Refused: Error {}
            // Queued, then settled by the same job before any insert: it is stored already read.
            let request = UUID()
            let link = "/access-requests/\(request.uuidString)"
            try await lane.perform { ctx in
                try await Inbox.notify(ctx, to: "20010001", kind: .awaitingYou, text: "CSUA-TEST awaits you", link: link, request: request)
                try await Inbox.settle(ctx, request: request, link: link)
            }
            let settled = try await NotificationModel.query(on: app.db).filter(\.$accessRequestId == request).all()
            #expect(settled.count == 1 && settled[0].readAt != nil)
            #expect(try await OutboxMessageModel.query(on: app.db).filter(\.$accessRequestId == request).count() == 1)
            // Many jobs at once, a third failing after queueing: only the others' rows are written.
            let tagged = UUID()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<30 {
                    group.addTask {
                        do {
                            try await lane.perform { ctx in
                                try await Inbox.notify(ctx, to: "20010002", kind: .awaitingYou, text: "note \(index)", link: nil, request: tagged)
                                if index % 3 == 0 { throw Refused() }
                            }
                        } catch is Refused {}
                    }
                }
                try await group.waitForAll()
            }
            let notes = try await NotificationModel.query(on: app.db).filter(\.$accessRequestId == tagged).all()
            #expect(notes.count == 20)
            #expect(!notes.contains { Int($0.text.dropFirst(5))! % 3 == 0 })
            #expect(try await OutboxMessageModel.query(on: app.db).filter(\.$accessRequestId == tagged).count() == 20)
        }
    }

    @Test func auditedReadsShareABatchWithWritersAndSurviveAFailingNeighbour() async throws {
        try await withCasework(seed: false) { app in
            let lane = app.casework.lane
            struct Refused: Error {}
            let commitsBefore = lane.commits
            let refused = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<60 {
                    group.addTask {
                        if index % 2 == 0 {
                            try await lane.record([AuditEntry(.system, "test.read", subjectType: "test", subjectId: "read \(index)")])
                            return false
                        }
                        do {
                            try await lane.perform { ctx in
                                try await ctx.audit(AuditEntry(.system, "test.write", subjectType: "test", subjectId: "write \(index)"))
                                if index % 3 == 0 { throw Refused() }
                            }
                            return false
                        } catch is Refused {
                            return true
                        }
                    }
                }
                var count = 0
                for try await wasRefused in group where wasRefused { count += 1 }
                return count
            }
            let events = try await app.auditEvents()
            // Every read is recorded; of the 30 writers, the 10 whose index is an odd multiple of 3 rolled back.
            #expect(refused == 10)
            #expect(events.filter { $0.action == "test.read" }.count == 30)
            #expect(events.filter { $0.action == "test.write" }.count == 20)
            #expect(events.map(\.seq) == Array(1...50))
            #expect(try await AuditTrail(db: app.db).verify().problem == nil)
            #expect(lane.commits - commitsBefore < 60)
            // Nothing to record costs no commit at all.
            let commits = lane.commits
            try await lane.record([])
            #expect(lane.commits == commits)
        }
    }
}

@Suite("Operations: health, settings, test clock, OpenAPI")
struct OperationsTests {
    @Test func healthSaysOk() async throws {
        try await withCasework(seed: false) { app in
            let response = try await app.sendJSON(.GET, "/health")
            #expect(response.status == .ok)
            #expect(response.body.string.contains(#""status":"ok""#))
        }
    }

    @Test func sqliteIsDurable() async throws {
        guard !usingPostgres else { return }
        try await withCasework(seed: false) { app in
            for loop in app.eventLoopGroup.makeIterator() {
                let db = app.databases.database(.sqlite, logger: app.logger, on: loop)! as! any SQLDatabase
                let mode = try await db.raw("PRAGMA journal_mode").first()?.decode(column: "journal_mode", as: String.self)
                let sync = try await db.raw("PRAGMA synchronous").first()?.decode(column: "synchronous", as: Int.self)
                let keys = try await db.raw("PRAGMA foreign_keys").first()?.decode(column: "foreign_keys", as: Int.self)
                #expect(mode == "wal")
                #expect(sync == 2)
                #expect(keys == 1)
            }
        }
    }

    @Test func onceTheCheckpointerRunsTheLanesCommitsLeaveTheWALToIt() async throws {
        guard !usingPostgres else { return }
        try await withCasework(seed: false) { app in
            let checkpointer = try #require(app.casework.walCheckpointer)
            try checkpointer.takeOverFromTheLane()
            // Eight commits of about 400 pages each (a detail keeps 500 characters). Were the lane still
            // checkpointing, its commit at 1,000 pages or more would copy the WAL, and the next would start it again:
            // never past about 1,400 pages (it was 327 without the takeover).
            let filler = String(repeating: "x", count: 500)
            for batch in 0..<8 {
                try await app.casework.lane.perform { ctx in
                    try await ctx.audit((0..<1_000).map { AuditEntry(.system, "test.fill", subjectType: "test", subjectId: "\(batch)-\($0)", detail: filler) })
                }
            }
            let checkpoint = try checkpointer.checkpoint()
            #expect(checkpoint.walPages > 2_000, "the lane checkpointed the WAL itself: \(checkpoint)")
            #expect(checkpoint.copied == checkpoint.walPages, "every page is copied, as no reader is in the WAL")
            #expect(try await AuditTrail(db: app.db).verify().problem == nil)
        }
    }

    @Test func testClockMovesOnlyInTestMode() async throws {
        try await withCasework(seed: false) { app in
            let start = app.clockForTests.now()
            let moved = try await app.sendJSON(.POST, "/api/v1/test-clock", body: ["advanceMinutes": 90])
            #expect(moved.status == .ok)
            #expect(abs(app.clockForTests.now().timeIntervalSince(start) - 5400) < 1)
            let set = try await app.sendJSON(.POST, "/api/v1/test-clock", ["now": "2027-01-02T03:04:05Z"])
            #expect(set.body.string.contains("2027-01-02T03:04:05Z"))
            #expect(try await app.sendJSON(.POST, "/api/v1/test-clock", ["now": "soon"]).status == .unprocessableEntity)
        }
        var settings = testSettings(directory: NSTemporaryDirectory() + "casework-noclock-" + UUID().uuidString)
        settings.testClock = false
        try FileManager.default.createDirectory(atPath: NSTemporaryDirectory(), withIntermediateDirectories: true)
        if case .sqlite(let path) = settings.storage {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        }
        try await withCasework(settings: settings, seed: false) { app in
            let response = try await app.sendJSON(.POST, "/api/v1/test-clock", body: ["advanceMinutes": 90])
            #expect(response.status == .notFound)
        }
    }

    @Test func testClockIsRefusedInProduction() throws {
        #expect(throws: Settings.Invalid.self) {
            try Settings.fromEnvironment(["CASEWORK_TEST_CLOCK": "1", "CASEWORK_DATA_DIR": NSTemporaryDirectory()], environment: .production)
        }
        #expect(throws: Settings.Invalid.self) {
            try Settings.fromEnvironment(["CASEWORK_DEMO_PASSWORD": "short", "CASEWORK_DATA_DIR": NSTemporaryDirectory()], environment: .testing)
        }
        #expect(throws: Settings.Invalid.self) {
            try Settings.fromEnvironment(["DATABASE_URL": "mysql://x", "CASEWORK_DATA_DIR": NSTemporaryDirectory()], environment: .testing)
        }
        #expect(throws: Settings.Invalid.self) {
            try Settings.fromEnvironment(["CASEWORK_WRITE_BATCH": "0", "CASEWORK_DATA_DIR": NSTemporaryDirectory()], environment: .testing)
        }
        #expect(try Settings.fromEnvironment(["CASEWORK_WRITE_BATCH": "1", "CASEWORK_DATA_DIR": NSTemporaryDirectory()], environment: .testing).maxWriteBatch == 1)
        let settings = try Settings.fromEnvironment(["CASEWORK_DATA_DIR": NSTemporaryDirectory()], environment: .testing)
        #expect(settings.maxWriteBatch == 64)
        #expect(settings.demoPassword == DemoOrganisation.defaultPassword)
        #expect(settings.testClock == false)
    }

    @Test func openAPIDescribesEveryAPIRouteThatExists() async throws {
        try await withCasework(seed: false) { app in
            let response = try await app.sendJSON(.GET, "/openapi.json")
            #expect(response.status == .ok)
            let document = try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
            #expect(document["openapi"] as? String == "3.1.0")
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            var documented = Set<String>()
            for (path, operations) in paths where path.hasPrefix("/api/v1") {
                for method in operations.keys { documented.insert("\(method.uppercased()) \(path)") }
            }
            var served = Set<String>()
            for route in app.routes.all {
                let path = "/" + route.path.map { component -> String in
                    if case .parameter(let name) = component { return "{\(name)}" }
                    return component.description
                }.joined(separator: "/")
                if path.hasPrefix("/api/v1") { served.insert("\(route.method.rawValue) \(path)") }
            }
            #expect(documented == served)
        }
    }

    /// The document's enums are the code's own cases: a status, kind or stage added to the code appears in the
    /// contract without anyone typing it twice.
    @Test func openAPIEnumsAreTheCodesOwnCases() async throws {
        try await withCasework(seed: false) { app in
            let response = try await app.sendJSON(.GET, "/openapi.json")
            let document = try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
            let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: [String: Any]])
            func values(_ schema: String, _ property: String) -> [String]? {
                let properties = schemas[schema]?["properties"] as? [String: [String: Any]]
                return (properties?[property]?["enum"] as? [Any])?.compactMap { $0 as? String }
            }
            #expect(values("AccessRequest", "status") == AccessRequestStatus.allCases.map(\.rawValue))
            #expect(values("Grant", "status") == GrantState.allCases.map(\.rawValue))
            #expect(values("GrantChange", "kind") == GrantChangeKind.allCases.map(\.rawValue))
            #expect(values("GrantChange", "status") == GrantChangeStatus.allCases.map(\.rawValue))
            #expect(values("Decision", "stage") == AccessStage.allCases.map(\.rawValue))
            #expect(values("ServiceRequest", "status") == ServiceRequestStatus.allCases.map(\.rawValue))
            #expect(values("NewServiceRequest", "type") == ServiceRequestType.allCases.map(\.rawValue))
            #expect(values("LedgerEntry", "method") == PaymentMethod.allCases.map(\.rawValue))
            let history = (schemas["AccessRequest"]?["properties"] as? [String: [String: Any]])?["history"]?["items"] as? [String: Any]
            let actions = ((history?["properties"] as? [String: [String: Any]])?["action"]?["enum"] as? [Any])?.compactMap { $0 as? String }
            #expect(actions?.contains("scrManager.reject") == true && actions?.count == AccessHistoryAction.allCases.count)
        }
    }

    @Test func unknownPagesAndRoutesAnswerClearly() async throws {
        try await withCasework(seed: false) { app in
            let api = try await app.sendJSON(.GET, "/api/v1/nothing-here")
            #expect(api.status == .notFound)
            #expect(api.headers.contentType?.description.contains("problem+json") == true)
            let malformed = try await app.testing().sendRequest(.POST, "/api/v1/auth/tokens") { req in
                req.headers.contentType = .json
                req.body = ByteBuffer(string: "{not json")
            }
            #expect(malformed.status == .badRequest)
            let noBody = try await app.testing().sendRequest(.POST, "/api/v1/auth/tokens")
            #expect(noBody.status == .badRequest)
            #expect(try noBody.content.decode(Problem.self).detail.contains("Content-Type: application/json"))
            let wrongMethod = try await app.sendJSON(.PUT, "/api/v1/staff")
            #expect(wrongMethod.status == .methodNotAllowed)
            #expect(wrongMethod.headers.first(name: .allow) == "GET, POST")
            let pagePost = try await app.testing().sendRequest(.POST, "/health")
            #expect(pagePost.status == .methodNotAllowed)
            let missing = try await app.sendJSON(.POST, "/api/v1/auth/tokens", ["staffId": "20010002"])
            #expect(missing.status == .badRequest)
            #expect(try missing.content.decode(Problem.self).detail.contains("password"))
        }
    }
}
