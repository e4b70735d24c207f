@testable import Casework
import CaseworkCore
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

/// The SCR and CFAT hoppers offer everyone who works the segment to assign to. Each server keeps that list
/// (`SegmentMembersCache`) only while the directory has not changed on any server: the `directory` stamp's triggers
/// (`StampDirectoryChanges`) see every change to a person's name, team, roles or whether they are active, however it
/// is made.
@Suite("Segment members kept for the hopper pages")
struct SegmentMembersCacheTests {
    static func offered(_ app: Application, by staffId: String) async throws -> String {
        let page = Browser(app)
        try await page.signIn(staffId)
        try await page.post("/choose-role", form: ["role": "scrManager"])
        let response = try await page.get("/hoppers/scr")
        try #require(response.status == .ok, "\(response.body.string)")
        return response.body.string
    }

    @Test func theSCRHopperOffersEveryChangeToItsMembersAtOnceOnEitherServer() async throws {
        try await withCasework(records: true) { first in
            try await SessionAcrossServersTests().withSecondServer(like: first) { second in
                let sql = first.db as! any SQLDatabase
                let before = try await Self.offered(second, by: "30000002")
                #expect(before.contains("value=\"30000004\"") && !before.contains("value=\"20010003\""))
                #expect(try await Self.offered(first, by: "30000002").contains("value=\"30000004\""))
                #expect(first.casework.segmentMembers.count == 1 && second.casework.segmentMembers.count == 1)

                // A caseworker given the SCR caseworker role, as the identity provider's sync would: both servers offer
                // them, each having kept the list before.
                try await sql.raw("INSERT INTO staff_roles (id, staff_id, role) VALUES (\(bind: UUID()), '20010003', \(bind: Role.scrCaseworker.rawValue))").run()
                #expect(try await Self.offered(first, by: "30000002").contains("value=\"20010003\""))
                #expect(try await Self.offered(second, by: "30000002").contains("value=\"20010003\""))

                // Renamed, then deactivated: the new name, then not offered at all.
                try await sql.raw("UPDATE staff SET name = 'Renamed Caseworker' WHERE staff_id = '30000004'").run()
                #expect(try await Self.offered(second, by: "30000002").contains("Renamed Caseworker"))
                try await sql.raw("UPDATE staff SET active = \(bind: false) WHERE staff_id = '30000004'").run()
                #expect(try await !Self.offered(second, by: "30000002").contains("value=\"30000004\""))
                #expect(try await !Self.offered(first, by: "30000002").contains("value=\"30000004\""))
            }
        }
    }

    /// A team's hopper, opened by its team leader: kept too (its page then reads neither the stamp, which came with
    /// the session, nor the people), and every change to the team shown at once on either server.
    @Test func aTeamsHopperOffersEveryChangeToItsTeamAtOnceOnEitherServer() async throws {
        func offered(_ app: Application) async throws -> String {
            let page = Browser(app)
            try await page.signIn("20010001")
            try await page.post("/choose-role", form: ["role": "teamLeader"])
            let response = try await page.get("/hoppers/newcastle-casework-1")
            try #require(response.status == .ok, "\(response.body.string)")
            return response.body.string
        }
        try await withCasework(records: true) { first in
            try await SessionAcrossServersTests().withSecondServer(like: first) { second in
                let sql = first.db as! any SQLDatabase
                // Something waiting in the team's hopper, so that its page offers whom to assign it to.
                let caseworker = try await first.token("20010002")
                let waiting = try await first.newServiceRequest(caseworker, contact: reidNINO)
                let routed = try await first.sendJSON(.POST, "/api/v1/service-requests/\(waiting.id)/status", ["status": "pendingAssignment"], token: caseworker)
                try #require(try routed.content.decode(ServiceRequestDTO.self).segment == "newcastle-casework-1")
                let before = try await offered(second)
                #expect(before.contains(#"<option value="20010004">20010004 - Liam O&#39;Connor</option>"#) && before.contains("value=\"20010003\""))
                #expect(try await offered(first).contains("value=\"20010004\""))
                #expect(try await offered(first).contains("value=\"20010004\""))
                #expect(first.casework.segmentMembers.count == 1 && second.casework.segmentMembers.count == 1)

                try await sql.raw("UPDATE staff SET name = 'Liam Renamed' WHERE staff_id = '20010004'").run()
                #expect(try await offered(first).contains("20010004 - Liam Renamed"))
                #expect(try await offered(second).contains("20010004 - Liam Renamed"))
                // Moved to another team: no longer offered by either server.
                try await sql.raw("UPDATE staff SET team = 'Leeds Casework 1' WHERE staff_id = '20010003'").run()
                #expect(try await !offered(second).contains("value=\"20010003\""))
                #expect(try await !offered(first).contains("value=\"20010003\""))
            }
        }
    }

    @Test func theStampMovesWithWhoWorksASegmentAndNothingElse() async throws {
        try await withCasework(records: true) { app in
            let sql = app.db as! any SQLDatabase
            let stamp = try await ChangeStampWatch(app, .directory)
            func moved() async throws -> Bool { try await stamp.moved() }
            try await sql.raw("UPDATE staff SET team = 'Leeds Casework 1' WHERE staff_id = '20010003'").run()
            #expect(try await moved())
            try await sql.raw("DELETE FROM staff_roles WHERE staff_id = '20010004' AND role = 'caseworker'").run()
            #expect(try await moved())
            // A phone number, a failed sign-in and a request for access change nothing a hopper offers.
            try await sql.raw("UPDATE staff SET phone = '0113 496 9999' WHERE staff_id = '20010001'").run()
            #expect(try await !moved())
            #expect(try await app.sendJSON(.POST, "/api/v1/auth/tokens", ["staffId": "20010002", "password": "not the password"]).status == .unauthorized)
            #expect(try await !moved())
            _ = try await app.submitAccessRequest()
            #expect(try await !moved())
        }
    }
}
