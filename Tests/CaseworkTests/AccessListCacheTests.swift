@testable import Casework
import CaseworkCore
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

/// The lists a role shares are kept by each server (`AccessListCache`) only while nothing they show has changed, on
/// any server: the change stamp's triggers (`StampAccessRequestChanges`) see every change, however it is made.
@Suite("Shared lists of access requests")
struct AccessListCacheTests {
    static func awaiting(_ app: Application, token: String) async throws -> [AccessRequestDTO] {
        let response = try await app.sendJSON(.GET, "/api/v1/access-requests?awaitingMe=true", token: token)
        try #require(response.status == .ok, "\(response.body.string)")
        return try response.content.decode(ListDTO<AccessRequestDTO>.self).items
    }

    @Test func anSCRManagersListShowsEveryChangeAtOnceOnEitherServer() async throws {
        try await withCasework(records: true) { first in
            try await SessionAcrossServersTests().withSecondServer(like: first) { second in
                let (one, _) = try await first.submitAccessRequest()
                let (two, _) = try await first.submitAccessRequest()
                let sarah = try await first.token("20010001", role: .teamLeader)
                let robert = try await first.token("30000002", role: .scrManager)
                #expect(try await Self.awaiting(first, token: robert).isEmpty)
                #expect(try await Self.awaiting(second, token: robert).isEmpty)

                // Countersigned on the first server: both servers list it, each having kept the empty list before.
                #expect(try await first.decide(one.id, "approve", token: sarah).status == .ok)
                #expect(try await Self.awaiting(first, token: robert).map(\.id) == [one.id])
                #expect(try await Self.awaiting(second, token: robert).map(\.id) == [one.id])
                #expect(first.casework.accessLists.count >= 1 && second.casework.accessLists.count >= 1)
                // Read again with nothing changed: the kept page, the same answer.
                #expect(try await Self.awaiting(second, token: robert).map(\.id) == [one.id])

                // Countersigned on the second server: the first server's kept page is not answered again.
                #expect(try await second.decide(two.id, "approve", token: sarah).status == .ok)
                #expect(Set(try await Self.awaiting(first, token: robert).map(\.id)) == [one.id, two.id])

                // Decided on the first: gone from the second's list, and a second decision is a 409.
                #expect(try await first.decide(one.id, "approve", token: robert).status == .ok)
                #expect(try await Self.awaiting(second, token: robert).map(\.id) == [two.id])
                #expect(try await second.decide(one.id, "approve", token: robert).status == .conflict)

                // The requester's name changed in the directory, here by SQL as a provisioning sync might: the list
                // shows the new name on both servers.
                try await (first.db as! any SQLDatabase).raw("UPDATE staff SET name = 'Tom Renamed' WHERE staff_id = '20010002'").run()
                #expect(try await Self.awaiting(second, token: robert).first?.requester.name == "Tom Renamed")
                let page = Browser(first)
                try await page.signIn("30000002")
                try await page.post("/choose-role", form: ["role": "scrManager"])
                #expect(try await page.get("/access-requests").body.string.contains("Tom Renamed"))

                // Provisioning's list is kept apart from the SCR managers'.
                let marcus = try await first.token("40000002")
                #expect(try await Self.awaiting(first, token: marcus).map(\.id) == [one.id])
            }
        }
    }

    @Test func theStampMovesWithWhatTheListsShowAndNothingElse() async throws {
        try await withCasework(records: true) { app in
            let sql = app.db as! any SQLDatabase
            let stamp = try await ChangeStampWatch(app, .accessRequests)
            func moved() async throws -> Bool { try await stamp.moved() }
            let (request, _) = try await app.submitAccessRequest()
            #expect(try await moved())
            try await sql.raw("UPDATE staff SET phone = '0113 496 9999' WHERE staff_id = '20010001'").run()
            #expect(try await moved())
            try await sql.raw("DELETE FROM staff_roles WHERE staff_id = '20010004' AND role = 'caseworker'").run()
            #expect(try await moved())
            // A failed sign-in updates the person's row, but nothing a list shows.
            #expect(try await app.sendJSON(.POST, "/api/v1/auth/tokens", ["staffId": "20010002", "password": "not the password"]).status == .unauthorized)
            let failures = try await sql.raw("SELECT failed_sign_ins FROM staff WHERE staff_id = '20010002'").first()?.decode(column: "failed_sign_ins", as: Int.self)
            #expect(failures == 1)
            #expect(try await !moved())
            let sarah = try await app.token("20010001", role: .teamLeader)
            #expect(try await app.decide(request.id, "approve", token: sarah).status == .ok)
            #expect(try await moved())
            // A grant's end is not on any list of requests.
            try await sql.raw("UPDATE grants SET end_processed_at = \(bind: Date())").run()
            #expect(try await !moved())
        }
    }
}
