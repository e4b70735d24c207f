@testable import Casework
import CaseworkCore
import Fluent
import Testing
import Vapor
import VaporTesting

@Suite("Signing in, roles and sessions")
struct SignInTests {
    @Test func signInPageCarriesACSRFTokenAndTheFields() async throws {
        try await withCasework { app in
            let browser = Browser(app)
            let page = try await browser.get("/sign-in")
            #expect(page.status == .ok)
            #expect(page.body.string.contains(#"id="staffId""#))
            #expect(page.body.string.contains(#"id="password""#))
            #expect(Browser.csrfToken(in: page.body.string)?.isEmpty == false)
            #expect(browser.cookies["casework_csrf"] == Browser.csrfToken(in: page.body.string))
        }
    }

    @Test func wrongPasswordShowsTheErrorAndKeepsTheStaffId() async throws {
        try await withCasework { app in
            let browser = Browser(app)
            let page = try await browser.signIn("20010002", password: "not-the-password")
            #expect(page.status == .unauthorized)
            #expect(page.body.string.contains("govuk-error-summary"))
            #expect(page.body.string.contains("Enter a correct staff ID and password"))
            #expect(page.body.string.contains(#"value="20010002""#))
            #expect(browser.cookies["casework_session"] == nil)
        }
    }

    @Test func malformedStaffIdIsNamedInTheErrorSummary() async throws {
        try await withCasework { app in
            let page = try await Browser(app).signIn("12ab", password: "x")
            #expect(page.status == .unprocessableEntity)
            #expect(page.body.string.contains(##"href="#staffId""##))
            #expect(page.body.string.contains("Staff ID must be 1 to 9 digits"))
            #expect(page.body.string.contains(#"value="12ab""#))
        }
    }

    @Test func singleRoleSignInLandsOnHomeWithTheStatusBar() async throws {
        try await withCasework { app in
            let browser = Browser(app)
            let signedIn = try await browser.signIn("20010002")
            #expect(signedIn.status == .seeOther)
            #expect(signedIn.headers.first(name: .location) == "/")
            let cookie = try #require(signedIn.headers[.setCookie].first { $0.hasPrefix("casework_session=") })
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Lax"))
            #expect(!cookie.contains("Secure"))
            let home = try await browser.get("/")
            let html = home.body.string
            #expect(text(ofId: "status-user", in: html) == "20010002 - Tom Baxter")
            #expect(text(ofId: "status-role", in: html) == "Caseworker")
            #expect(text(ofId: "status-system", in: html) == "Casework")
            #expect(text(ofId: "status-date", in: html) == CaseworkTime.longDate(app.clockForTests.now()))
            #expect(html.contains("Caseworker home"))
        }
    }

    @Test func sessionCookieIsSecureOverHTTPS() async throws {
        try await withCasework { app in
            let browser = Browser(app)
            try await browser.get("/sign-in")
            let response = try await browser.post("/sign-in", form: ["staffId": "20010002", "password": DemoOrganisation.defaultPassword],
                                                  extraHeaders: ["X-Forwarded-Proto": "https"])
            let cookie = try #require(response.headers[.setCookie].first { $0.hasPrefix("casework_session=") })
            #expect(cookie.contains("Secure"))
        }
    }

    @Test func formWithoutTheCSRFTokenIsRefused() async throws {
        try await withCasework { app in
            let browser = Browser(app)
            try await browser.get("/sign-in")
            let response = try await browser.post("/sign-in", form: ["staffId": "20010002", "password": DemoOrganisation.defaultPassword], csrf: false)
            #expect(response.status == .forbidden)
            #expect(browser.cookies["casework_session"] == nil)
            let forged = try await browser.post("/sign-in", form: ["staffId": "20010002", "password": DemoOrganisation.defaultPassword, "csrfToken": "forged"])
            #expect(forged.status == .forbidden)
        }
    }

    @Test func personWithSeveralRolesChoosesOneAndCanSwitch() async throws {
        try await withCasework { app in
            let browser = Browser(app)
            let signedIn = try await browser.signIn("20010001")
            #expect(signedIn.headers.first(name: .location) == "/choose-role")
            let before = try await browser.get("/")
            #expect(before.headers.first(name: .location) == "/choose-role")
            let choose = try await browser.get("/choose-role")
            #expect(choose.body.string.contains(#"id="role-teamLeader""#))
            #expect(choose.body.string.contains(#"id="role-caseworker""#))
            let missing = try await browser.post("/choose-role", form: [:])
            #expect(missing.status == .unprocessableEntity)
            #expect(missing.body.string.contains("Choose the role you want to work in"))
            try await browser.post("/choose-role", form: ["role": "teamLeader"])
            var home = try await browser.get("/").body.string
            #expect(text(ofId: "status-role", in: home) == "Team leader")
            #expect(home.contains("Team leader home"))
            #expect(home.contains(#"id="switch-role""#))
            try await browser.post("/choose-role", form: ["role": "caseworker"])
            home = try await browser.get("/").body.string
            #expect(text(ofId: "status-role", in: home) == "Caseworker")
            let notHeld = try await browser.post("/choose-role", form: ["role": "administrator"])
            #expect(notHeld.status == .unprocessableEntity)
            home = try await browser.get("/").body.string
            #expect(text(ofId: "status-role", in: home) == "Caseworker")
        }
    }

    @Test func toolRolesShowTheToolsSystemName() async throws {
        try await withCasework { app in
            let browser = Browser(app)
            try await browser.signIn("35220900")
            try await browser.post("/choose-role", form: ["role": "toolSystemAdministrator"])
            let home = try await browser.get("/").body.string
            #expect(text(ofId: "status-system", in: home) == "Transfer of Receipts to Future Scheme")
            #expect(text(ofId: "status-user", in: home) == "35220900 - Paul Cox")
            #expect(text(ofId: "status-role", in: home) == "System Administrator")
        }
    }

    @Test func signOutEndsTheSession() async throws {
        try await withCasework { app in
            let browser = Browser(app)
            try await browser.signIn("20010002")
            let session = try #require(browser.cookies["casework_session"])
            try await browser.post("/sign-out", form: [:])
            #expect(browser.cookies["casework_session"] == nil)
            browser.cookies["casework_session"] = session
            let after = try await browser.get("/")
            #expect(after.headers.first(name: .location) == "/sign-in")
            #expect(try await AuthSessionModel.query(on: app.db).count() == 0)
        }
    }

    @Test func apiTokenNeedsARoleFromSomeoneWithSeveral() async throws {
        try await withCasework { app in
            let missing = try await app.sendJSON(.POST, "/api/v1/auth/tokens", ["staffId": "20010001", "password": DemoOrganisation.defaultPassword])
            #expect(missing.status == .unprocessableEntity)
            #expect(missing.headers.contentType?.description.contains("problem+json") == true)
            let problem = try missing.content.decode(Problem.self)
            #expect(problem.errors?["role"]?.contains("teamLeader") == true)
            let wrong = try await app.sendJSON(.POST, "/api/v1/auth/tokens", ["staffId": "20010001", "password": DemoOrganisation.defaultPassword, "role": "scrManager"])
            #expect(wrong.status == .unprocessableEntity)
            let created = try await app.sendJSON(.POST, "/api/v1/auth/tokens", ["staffId": "20010001", "password": DemoOrganisation.defaultPassword, "role": "teamLeader"])
            #expect(created.status == .created)
            struct Token: Decodable { let token: String; let expiresAt: String; let staffId: String; let role: String }
            let token = try created.content.decode(Token.self)
            #expect(token.staffId == "20010001")
            #expect(token.role == "teamLeader")
            #expect(CaseworkTime.parse(token.expiresAt)! > app.clockForTests.now())
        }
    }

    @Test func apiSignOutRevokesTheToken() async throws {
        try await withCasework { app in
            let token = try await app.token("20010002")
            #expect(try await app.sendJSON(.GET, "/api/v1/home", token: token).status == .ok)
            #expect(try await app.sendJSON(.DELETE, "/api/v1/auth/tokens/current", token: token).status == .noContent)
            let after = try await app.sendJSON(.GET, "/api/v1/home", token: token)
            #expect(after.status == .unauthorized)
            #expect(try after.content.decode(Problem.self).status == 401)
        }
    }

    @Test func apiSwitchesRoleOnTheSameToken() async throws {
        try await withCasework { app in
            let token = try await app.token("30000002", role: .scrManager)
            let switched = try await app.sendJSON(.POST, "/api/v1/auth/tokens/current/role", ["role": "scrCaseworker"], token: token)
            #expect(switched.status == .ok)
            let home = try await app.sendJSON(.GET, "/api/v1/home", token: token)
            #expect(try home.content.decode(HomeDTO.self).role == "scrCaseworker")
        }
    }

    @Test func tokenExpiresAtItsInstant() async throws {
        try await withCasework { app in
            let token = try await app.token("20010002")
            app.clockForTests.advance(by: app.casework.settings.sessionLifetime - 1)
            #expect(try await app.sendJSON(.GET, "/api/v1/home", token: token).status == .ok)
            app.clockForTests.advance(by: 1)
            #expect(try await app.sendJSON(.GET, "/api/v1/home", token: token).status == .unauthorized)
        }
    }

    @Test func sessionsSurviveARestart() async throws {
        let directory = NSTemporaryDirectory() + "casework-restart-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let settings = testSettings(directory: directory)
        var token = ""
        let first = try await Application.make(.testing)
        first.directory = DirectoryConfiguration(workingDirectory: packageRoot)
        try await configure(first, settings: settings)
        try await first.autoMigrate()
        _ = try await DemoSeeder(app: first).seed()
        token = try await first.token("20010002")
        try await first.asyncShutdown()

        try await withCasework(settings: settings, seed: false) { second in
            let home = try await second.sendJSON(.GET, "/api/v1/home", token: token)
            #expect(home.status == .ok)
            if let schema = settings.postgresSchema {
                _ = schema // dropped by withCasework's clean-up
            }
        }
    }
}
