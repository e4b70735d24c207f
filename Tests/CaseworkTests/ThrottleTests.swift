@testable import Casework
import CaseworkCore
import Fluent
import Testing
import Vapor
import VaporTesting

@Suite("Wrong passwords slow down, then lock")
struct ThrottleTests {
    func attempt(_ app: Application, password: String) async throws -> TestingHTTPResponse {
        try await app.sendJSON(.POST, "/api/v1/auth/tokens", ["staffId": "20010002", "password": password])
    }

    @Test func thirdWrongPasswordMakesTheNextAttemptWait() async throws {
        try await withCasework { app in
            for _ in 1...2 { #expect(try await attempt(app, password: "wrong-password-1").status == .unauthorized) }
            let third = try await attempt(app, password: "wrong-password-1")
            #expect(third.status == .tooManyRequests)
            #expect(third.headers.first(name: .retryAfter) == "5")
            // Even the right password waits.
            let early = try await attempt(app, password: DemoOrganisation.defaultPassword)
            #expect(early.status == .tooManyRequests)
            #expect(try early.content.decode(Problem.self).detail.contains("Wait 5 seconds"))
            app.clockForTests.advance(by: 5)
            #expect(try await attempt(app, password: DemoOrganisation.defaultPassword).status == .created)
        }
    }

    @Test func sixWrongPasswordsLockTheAccountForFifteenMinutes() async throws {
        try await withCasework { app in
            for _ in 1...6 {
                _ = try await attempt(app, password: "wrong-password-1")
                app.clockForTests.advance(by: 60)
            }
            let locked = try await attempt(app, password: DemoOrganisation.defaultPassword)
            #expect(locked.status == .tooManyRequests)
            #expect(try locked.content.decode(Problem.self).detail.contains("locked"))
            let page = try await Browser(app).signIn("20010002")
            #expect(page.status == .tooManyRequests)
            #expect(page.body.string.contains("locked"))
            app.clockForTests.advance(by: 15 * 60)
            #expect(try await attempt(app, password: DemoOrganisation.defaultPassword).status == .created)
            let events = try await app.auditEvents().filter { $0.action == "signIn" && $0.subjectId == "20010002" }
            #expect(events.filter { $0.outcome == "failure" }.count == 6)
            #expect(events.contains { $0.detail.contains("account locked") })
            #expect(events.contains { $0.outcome == "denied" })
        }
    }

    @Test func administratorSeesLockedAccountsAndAResetUnlocks() async throws {
        try await withCasework { app in
            for _ in 1...6 {
                _ = try await attempt(app, password: "wrong-password-1")
                app.clockForTests.advance(by: 60)
            }
            let admin = try await app.token("90000001")
            let home = try await app.sendJSON(.GET, "/api/v1/home", token: admin).content.decode(HomeDTO.self)
            let locked = try #require(home.sections.first { $0.id == "locked-accounts" })
            #expect(locked.items.contains { $0.text.contains("20010002") })
            struct Reset: Decodable { let temporaryPassword: String }
            let reset = try await app.sendJSON(.POST, "/api/v1/staff/20010002/password-reset", token: admin).content.decode(Reset.self)
            let token = try await app.token("20010002", password: reset.temporaryPassword)
            // A temporary password only lets them change it.
            let blocked = try await app.sendJSON(.GET, "/api/v1/home", token: token)
            #expect(blocked.status == .forbidden)
            let changed = try await app.sendJSON(.PUT, "/api/v1/account/password",
                                                 ["currentPassword": reset.temporaryPassword, "newPassword": "a brand new passphrase"], token: token)
            #expect(changed.status == .noContent)
            #expect(try await app.sendJSON(.GET, "/api/v1/home", token: token).status == .ok)
        }
    }
}
