@testable import Casework
import CaseworkCore
import Fluent
import SQLKit
import Testing
import Vapor
import VaporTesting

/// Each hopper's count of waiting SRs is kept by the database (`CountWaitingWork`'s triggers), so the home pages
/// read it instead of counting. Whatever writes an SR, the kept count is the count.
@Suite("Hopper counts")
struct HopperCountTests {
    /// The counts as kept, hoppers with none waiting left out.
    static func kept(_ app: Application) async throws -> [String: Int] {
        struct Row: Decodable { let segment: String; let waiting: Int }
        let rows = try await (app.db as! any SQLDatabase).raw("SELECT segment, waiting FROM hopper_counts").all(decoding: Row.self)
        return Dictionary(uniqueKeysWithValues: rows.filter { $0.waiting != 0 }.map { ($0.segment, $0.waiting) })
    }

    /// The counts as the SRs are now.
    static func counted(_ app: Application) async throws -> [String: Int] {
        struct Row: Decodable { let segment: String; let waiting: Int }
        let rows = try await (app.db as! any SQLDatabase).raw("""
            SELECT segment, COUNT(*) AS waiting FROM service_requests WHERE status = 'pendingAssignment' AND segment IS NOT NULL GROUP BY segment
            """).all(decoding: Row.self)
        return Dictionary(uniqueKeysWithValues: rows.map { ($0.segment, $0.waiting) })
    }

    static func hopperLine(_ app: Application, token: String) async throws -> String? {
        let home = try await app.sendJSON(.GET, "/api/v1/home", token: token).content.decode(HomeDTO.self)
        return home.sections.first { $0.id == "hoppers" }?.items.first { $0.href == "/hoppers/birmingham-casework-2" }?.text
    }

    @Test func theKeptCountFollowsEverySRThatComesMovesAndGoes() async throws {
        try await withCasework(records: true) { app in
            // The demo's SRs were written after the migration: the triggers counted them.
            #expect(try await Self.kept(app) == Self.counted(app))
            let caseworker = try await app.token("20020002")
            let leader = try await app.token("20020001")
            let before = try await Self.counted(app)["birmingham-casework-2"] ?? 0
            var ids: [String] = []
            for _ in 0..<3 {
                let sr = try await app.newServiceRequest(caseworker)
                #expect(try await app.sendJSON(.POST, "/api/v1/service-requests/\(sr.id)/status", ["status": "pendingAssignment"], token: caseworker).status == .ok)
                ids.append(sr.id)
            }
            #expect(try await Self.kept(app)["birmingham-casework-2"] == before + 3)
            #expect(try await Self.hopperLine(app, token: leader)?.contains("\(before + 3) to assign") == true)
            // With the count, how long the oldest has waited, from the same hopper the page lists.
            let waiting = try await app.sendJSON(.GET, "/api/v1/hoppers/birmingham-casework-2/items", token: leader).content.decode(ListDTO<HopperItemDTO>.self)
            let oldest = try #require(waiting.items.first)
            #expect(try await Self.hopperLine(app, token: leader) == "Birmingham Casework 2 hopper: \(before + 3) to assign (oldest waiting \(ServiceRequests.describeAge(minutes: oldest.ageMinutes)))")

            // Assigned: it leaves the hopper.
            #expect(try await app.sendJSON(.POST, "/api/v1/service-requests/\(ids[0])/assignment", ["staffId": "20020003"], token: leader).status == .ok)
            #expect(try await Self.hopperLine(app, token: leader)?.contains("\(before + 2) to assign") == true)
            // Written outside the app (a repair by hand): the database still keeps the count.
            let sql = app.db as! any SQLDatabase
            try await sql.raw("DELETE FROM service_request_history WHERE service_request_id = \(bind: UUID(uuidString: ids[1])!)").run()
            try await sql.raw("DELETE FROM service_request_contacts WHERE service_request_id = \(bind: UUID(uuidString: ids[1])!)").run()
            try await sql.raw("DELETE FROM service_requests WHERE id = \(bind: UUID(uuidString: ids[1])!)").run()
            try await sql.raw("UPDATE service_requests SET segment = 'cfat' WHERE id = \(bind: UUID(uuidString: ids[2])!)").run()
            #expect(try await Self.kept(app) == Self.counted(app))
            #expect(try await Self.kept(app)["birmingham-casework-2"] ?? 0 == before)

            // Many SRs in one statement, as the expiry returns work: each hopper moves by all of them.
            var moved: [String] = []
            for _ in 0..<4 { moved.append(try await app.newServiceRequest(caseworker).id) }
            let movedIds = moved.map { UUID(uuidString: $0)! }
            try await sql.raw("UPDATE service_requests SET status = 'pendingAssignment', segment = 'birmingham-casework-2' WHERE id IN (\(binds: movedIds))").run()
            #expect(try await Self.kept(app)["birmingham-casework-2"] ?? 0 == before + 4)
            // Half move hoppers, half only change their description, in one statement: only the move counts.
            try await sql.raw("""
                UPDATE service_requests SET segment = CASE WHEN id IN (\(binds: Array(movedIds.prefix(2)))) THEN 'cfat' ELSE segment END,
                description = description || ' (checked)' WHERE id IN (\(binds: movedIds))
                """).run()
            #expect(try await Self.kept(app)["birmingham-casework-2"] ?? 0 == before + 2)
            #expect(try await Self.kept(app) == Self.counted(app))
            if before == 0 { #expect(try await Self.hopperLine(app, token: leader) == "Birmingham Casework 2 hopper: 0 to assign") }
        }
    }

    /// The migration counts what is already there, and its revert leaves no trigger behind to fail a later write.
    @Test func theMigrationCountsWhatIsThereAndRevertsCleanly() async throws {
        try await withCasework(records: true) { app in
            // Migration 027 replaced 020's trigger on PostgreSQL: reverted first, prepared after.
            try await app.db.transaction {
                try await CountWaitingWorkByStatement().revert(on: $0)
                try await CountWaitingWork().revert(on: $0)
            }
            let caseworker = try await app.token("20020002")
            let sr = try await app.newServiceRequest(caseworker)
            #expect(try await app.sendJSON(.POST, "/api/v1/service-requests/\(sr.id)/status", ["status": "pendingAssignment"], token: caseworker).status == .ok)
            try await app.db.transaction {
                try await CountWaitingWork().prepare(on: $0)
                try await CountWaitingWorkByStatement().prepare(on: $0)
            }
            #expect(try await Self.kept(app) == Self.counted(app))
            #expect(try await Self.counted(app)["birmingham-casework-2"] ?? 0 > 0)
        }
    }
}
