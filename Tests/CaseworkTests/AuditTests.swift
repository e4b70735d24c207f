@testable import Casework
import CaseworkCore
import Fluent
import SQLKit
import Testing
import Vapor
import VaporTesting

@Suite("The audit trail")
struct AuditTests {
    @Test func signInsAndFailuresAreRecordedWithWhoAndRole() async throws {
        try await withCasework { app in
            _ = try await app.sendJSON(.POST, "/api/v1/auth/tokens", ["staffId": "20010002", "password": "wrong-password-1"])
            _ = try await app.sendJSON(.POST, "/api/v1/auth/tokens", ["staffId": "88888888", "password": "whatever-it-is"])
            _ = try await app.token("20010001", role: .teamLeader)
            let events = try await app.auditEvents().filter { $0.action == "signIn" }
            #expect(events.count == 3)
            #expect(events[0].subjectId == "20010002" && events[0].outcome == "failure" && events[0].detail.contains("wrong password"))
            #expect(events[1].subjectId == "88888888" && events[1].actorStaffId == nil && events[1].detail == "unknown staff ID")
            #expect(events[2].actorStaffId == "20010001" && events[2].actorRole == "teamLeader" && events[2].outcome == "success")
        }
    }

    @Test func administratorsAndSCRManagersSearchByActorSubjectAndPeriod() async throws {
        try await withCasework(seed: false) { app in
            _ = try await DemoSeeder(app: app).seed()
            app.clockForTests.set(CaseworkTime.parse("2030-01-15T10:00:00Z")!)
            let admin = try await app.token("90000001")
            _ = try await app.token("20010002")
            let manager = try await app.token("30000002", role: .scrManager)
            let byActor = try await app.sendJSON(.GET, "/api/v1/audit-events?actor=20010002", token: manager).content.decode(ListDTO<AuditEventDTO>.self)
            #expect(byActor.items.count == 1)
            #expect(byActor.items.allSatisfy { $0.actorStaffId == "20010002" })
            let bySubject = try await app.sendJSON(.GET, "/api/v1/audit-events?subject=30000002", token: admin).content.decode(ListDTO<AuditEventDTO>.self)
            #expect(!bySubject.items.isEmpty && bySubject.items.allSatisfy { $0.subjectId == "30000002" })
            let onDay = try await app.sendJSON(.GET, "/api/v1/audit-events?from=2030-01-15&to=2030-01-15", token: admin).content.decode(ListDTO<AuditEventDTO>.self)
            // The three sign-ins above; the demo organisation was seeded the day before.
            #expect(onDay.items.count == 3)
            #expect(onDay.items.allSatisfy { $0.at.hasPrefix("2030-01-15T10:00:00") })
            let bad = try await app.sendJSON(.GET, "/api/v1/audit-events?from=yesterday", token: admin)
            #expect(bad.status == .unprocessableEntity)
            #expect(try bad.content.decode(Problem.self).errors?["from"] != nil)
            let caseworker = try await app.token("20010003")
            #expect(try await app.sendJSON(.GET, "/api/v1/audit-events", token: caseworker).status == .forbidden)
            let browser = Browser(app)
            try await browser.signIn("20010003")
            #expect(try await browser.get("/audit").status == .forbidden)
        }
    }

    @Test func auditPagePagesThroughEventsNewestFirst() async throws {
        try await withCasework { app in
            let admin = try await app.token("90000001")
            let first = try await app.sendJSON(.GET, "/api/v1/audit-events?limit=10", token: admin).content.decode(ListDTO<AuditEventDTO>.self)
            #expect(first.items.count == 10)
            #expect(first.items.map(\.seq) == first.items.map(\.seq).sorted(by: >))
            let cursor = try #require(first.nextCursor)
            let second = try await app.sendJSON(.GET, "/api/v1/audit-events?limit=10&cursor=\(cursor)", token: admin).content.decode(ListDTO<AuditEventDTO>.self)
            #expect(second.items.first!.seq == first.items.last!.seq - 1)
            let browser = Browser(app)
            try await browser.signIn("90000001")
            let html = try await browser.get("/audit?actor=90000001").body.string
            #expect(html.contains("signIn"))
            #expect(html.contains(#"id="status-bar""#))
        }
    }

    @Test func theChainVerifiesAndNamesATamperedEvent() async throws {
        try await withCasework { app in
            let admin = try await app.token("90000001")
            struct Verification: Decodable { let intact: Bool; let eventsChecked: Int; let problem: String? }
            let good = try await app.sendJSON(.GET, "/api/v1/audit-events/verification", token: admin).content.decode(Verification.self)
            #expect(good.intact)
            #expect(good.eventsChecked == DemoOrganisation.staff.count + 1)
            let sql = app.db as! any SQLDatabase
            let target = try #require(try await app.auditEvents().first { $0.seq == 5 })
            // Tampering needs the database's own protection switched off first, as an attacker would.
            if usingPostgres {
                try await sql.raw("ALTER TABLE audit_events DISABLE TRIGGER USER").run()
            } else {
                try await sql.raw("DROP TRIGGER audit_events_no_update").run()
            }
            try await sql.raw("UPDATE audit_events SET detail = 'nothing to see' WHERE seq = 5").run()
            let bad = try await app.sendJSON(.GET, "/api/v1/audit-events/verification", token: admin).content.decode(Verification.self)
            #expect(!bad.intact)
            #expect(bad.eventsChecked == 4)
            #expect(bad.problem?.contains("event 5 (\(target.id!.uuidString)) was edited") == true)
        }
    }

    @Test func deletedAndTruncatedEventsAreNamed() async throws {
        try await withCasework { app in
            let sql = app.db as! any SQLDatabase
            if usingPostgres {
                try await sql.raw("ALTER TABLE audit_events DISABLE TRIGGER USER").run()
            } else {
                try await sql.raw("DROP TRIGGER audit_events_no_delete").run()
            }
            let count = try await app.auditEvents().count
            try await sql.raw("DELETE FROM audit_events WHERE seq = \(unsafeRaw: String(count))").run()
            var result = try await AuditTrail(db: app.db).verify()
            #expect(result.problem == .truncated(lastSeq: count - 1, expectedLastSeq: count))
            try await sql.raw("DELETE FROM audit_events WHERE seq = 3").run()
            result = try await AuditTrail(db: app.db).verify()
            guard case .brokenLink(let seq, _, let expected)? = result.problem else {
                Issue.record("expected a broken link, got \(String(describing: result.problem))")
                return
            }
            #expect(seq == 4 && expected == 3)
        }
    }

    @Test func theDatabaseRefusesToChangeOrDeleteAnEvent() async throws {
        try await withCasework { app in
            let sql = app.db as! any SQLDatabase
            await #expect(throws: (any Error).self) {
                try await sql.raw("UPDATE audit_events SET detail = 'x' WHERE seq = 1").run()
            }
            await #expect(throws: (any Error).self) {
                try await sql.raw("DELETE FROM audit_events WHERE seq = 1").run()
            }
            let result = try await AuditTrail(db: app.db).verify()
            #expect(result.problem == nil)
        }
    }
}
