import CaseworkCore
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
@testable import Casework

/// Services hold a `ServiceContext` (who is asking, the database, the lane and the clock), not a `Request`: the same
/// rules run for a command or a test as for a route.
@Suite("Services without a request")
struct ServiceContextTests {
    static func context(_ app: Application, as staffId: String?, role: Role?) async throws -> ServiceContext {
        let nobody = ServiceContext(caller: nil, db: app.db, lane: app.casework.lane, clock: app.casework.clock, passwords: app.password.async,
                                    readers: app.casework.readers)
        let caller = try await staffId.asyncMap { id in
            CurrentUser(profile: try await nobody.directory.requireProfile(id), role: role, sessionId: UUID(), csrfToken: "", kind: .api, mustChangePassword: false)
        }
        return ServiceContext(caller: caller, db: nobody.db, lane: nobody.lane, clock: nobody.clock, passwords: nobody.passwords, readers: nobody.readers)
    }

    @Test func theRecordsRulesRunForACallerWithoutARequest() async throws {
        try await withCasework(records: true) { app in
            // An SCR caseworker sees the sensitive contact, and the read is audited, as through the API.
            let scr = Contacts(context: try await Self.context(app, as: "30000002", role: .scrCaseworker))
            let found = try await scr.search(hollowayNINO, limit: 5)
            let listed = try #require(found.first?.id)
            let contactId = try #require(UUID(uuidString: listed))
            let before = try await AuditEventModel.query(on: app.db).filter(\.$action == "contact.view").count()
            #expect(try await scr.view(contactId).nino == hollowayNINO)
            #expect(try await AuditEventModel.query(on: app.db).filter(\.$action == "contact.view").count() == before + 1)
            // A caseworker without a grant is refused; nobody signed in is asked to sign in.
            await #expect(throws: DomainError.self) { try await Contacts(context: try await Self.context(app, as: "20010002", role: .caseworker)).view(contactId) }
            let nobody = try await Self.context(app, as: nil, role: nil)
            #expect(throws: DomainError.self) { try nobody.requireUser() }
        }
    }

    /// The change stamps read with the session serve a request that changes nothing; a request that may change what it
    /// then shows reads them afresh, after its change (a stamp read before it would keep the list from before it).
    @Test func onlyARequestThatChangesNothingIsGivenTheStampsItsSessionRead() async throws {
        try await withCasework { app in
            let sql = app.db as! any SQLDatabase
            let directory = try await PointReads(db: app.db, readers: app.casework.readers).changeStamp(.directory)
            let token = try await app.token("20010001", role: .teamLeader)
            let now = app.casework.clock.now()
            let user = try #require(try await SessionStore.resolve(token: token, kind: .api, now: now, idle: 3_600, on: app.db, withStamps: true))
            #expect(user.stamps?.directory == directory)
            // Only the pages that show kept answers ask for them with the session.
            #expect(try await SessionStore.resolve(token: token, kind: .api, now: now, idle: 3_600, on: app.db)?.stamps == nil)
            #expect(ChangeStamps.wanted(method: .GET, path: "/hoppers/scr") && ChangeStamps.wanted(method: .GET, path: "/api/v1/access-requests"))
            #expect(!ChangeStamps.wanted(method: .POST, path: "/hoppers/scr/assignment") && !ChangeStamps.wanted(method: .GET, path: "/access-requests/new"))
            #expect(!ChangeStamps.wanted(method: .GET, path: "/api/v1/contacts"))
            for (method, given) in [(HTTPMethod.GET, true), (.HEAD, true), (.POST, false), (.PUT, false), (.DELETE, false)] {
                let request = Request(application: app, method: method, on: app.eventLoopGroup.next())
                request.currentUser = user
                #expect((request.service.stamps != nil) == given, "\(method)")
            }
            // Asked for a stamp without those, the service reads it as it is now.
            try await sql.raw("UPDATE staff SET name = 'Renamed' WHERE staff_id = '20010002'").run()
            let post = Request(application: app, method: .POST, on: app.eventLoopGroup.next())
            post.currentUser = user
            let read = try await post.service.changeStamp(.directory) { try await PointReads(db: app.db, readers: app.casework.readers).changeStamp(.directory) }
            #expect(read > directory)
        }
    }
}
