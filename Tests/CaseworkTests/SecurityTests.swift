@testable import Casework
import CaseworkCore
import Foundation
import Testing
import Vapor
import VaporTesting

@Suite("Security headers and session lifetimes")
struct SecurityTests {
    static let headers = ["X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"]

    @Test func everyAnswerCarriesTheSecurityHeadersErrorPagesIncluded() async throws {
        try await withCasework { app in
            let browser = Browser(app)
            let answers = [
                ("a page", try await browser.get("/sign-in")),
                ("a page that does not exist", try await browser.get("/no-such-page")),
                ("a page that needs sign-in", try await browser.get("/access-requests")),
                ("an API refusal", try await app.sendJSON(.GET, "/api/v1/home")),
                ("a static file", try await browser.get("/styles/casework.css")),
            ]
            for (what, answer) in answers {
                for (name, value) in Self.headers {
                    #expect(answer.headers.first(name: name) == value, "\(what) (\(answer.status.code)) lacks \(name): \(value)")
                }
                let policy = try #require(answer.headers.first(name: "Content-Security-Policy"), "\(what) has no CSP")
                #expect(policy.contains("script-src 'self'") && !policy.contains("unsafe-inline"), "\(what): \(policy)")
                #expect(answer.headers.first(name: "Strict-Transport-Security") == nil, "\(what) over plain HTTP claims HSTS")
            }
            #expect(answers[1].1.status == .notFound && answers[3].1.status == .unauthorized)
        }
    }

    @Test func behindHTTPSBrowsersAreToldToUseNothingElse() async throws {
        try await withCasework { app in
            let proxied = try await app.testing().sendRequest(.GET, "/no-such-page") { req in
                req.headers.replaceOrAdd(name: "X-Forwarded-Proto", value: "https")
            }
            #expect(proxied.headers.first(name: "Strict-Transport-Security")?.hasPrefix("max-age=31536000") == true)
        }
        var settings = try freshSettings()
        settings.mail.publicURL = "https://casework.example.gov.uk"
        try await withCasework(settings: settings) { app in
            let page = try await Browser(app).get("/sign-in")
            #expect(page.headers.first(name: "Strict-Transport-Security") != nil)
        }
    }

    @Test func aSessionLeftIdleEndsWhateverItsLifetimeLeft() async throws {
        var settings = try freshSettings()
        settings.sessionIdle = 30 * 60
        try await withCasework(settings: settings) { app in
            let token = try await app.token("20010002")
            // Used every 29 minutes, it lasts far beyond the idle time.
            for _ in 0..<4 {
                app.clockForTests.advance(by: 29 * 60)
                #expect(try await app.sendJSON(.GET, "/api/v1/home", token: token).status == .ok)
            }
            // Left for 31 minutes, it has ended.
            app.clockForTests.advance(by: 31 * 60)
            #expect(try await app.sendJSON(.GET, "/api/v1/home", token: token).status == .unauthorized)

            let browser = Browser(app)
            try await browser.signIn("20010002")
            #expect(try await browser.get("/").status == .ok)
            app.clockForTests.advance(by: 31 * 60)
            let page = try await browser.get("/")
            #expect(page.status == .seeOther && page.headers.first(name: .location)?.hasPrefix("/sign-in") == true)
        }
    }

    @Test func theSessionTokenIsRenewedAtSignInAndAtARoleChange() async throws {
        try await withCasework { app in
            let browser = Browser(app)
            try await browser.signIn("20010001")
            let first = try #require(browser.cookies[SessionStore.cookieName])

            // A role change: the token before it opens nothing afterwards.
            #expect(try await browser.post("/choose-role", form: ["role": "teamLeader"]).status == .seeOther)
            let second = try #require(browser.cookies[SessionStore.cookieName])
            #expect(second != first)
            #expect(try await browser.get("/").status == .ok)
            let stale = Browser(app)
            stale.cookies[SessionStore.cookieName] = first
            #expect(try await stale.get("/").status == .seeOther, "the token from before the role change still opens the session")

            // Signing in again in a browser that holds a session (one planted there, say): a new token, the old ends.
            try await browser.signIn("20010001")
            let third = try #require(browser.cookies[SessionStore.cookieName])
            #expect(third != second)
            let planted = Browser(app)
            planted.cookies[SessionStore.cookieName] = second
            #expect(try await planted.get("/").status == .seeOther, "the session held before sign-in still works")
        }
    }
}
