@testable import Casework
import CaseworkCore
import Foundation
import JWTKit
import NIOConcurrencyHelpers
import Testing
import Vapor
import VaporTesting

/// An identity provider on 127.0.0.1 for the tests: discovery, a JWKS of the keys it publishes, and a token endpoint
/// that checks the client secret and the PKCE verifier against the challenge the authorization request carried.
final class MockIdentityProvider: Sendable {
    let app: Application
    let issuer: String
    let signing = JWTKeyCollection()
    /// Keys that sign tokens but are not (yet) published.
    let unpublished = JWTKeyCollection()
    private let published = NIOLockedValueBox<[String]>([])
    /// code -> (the PKCE challenge sent to /authorize, the ID token to answer with)
    private let codes = NIOLockedValueBox<[String: (challenge: String, idToken: String)]>([:])
    /// What the token endpoint was sent, for the tests that check PKCE.
    let verifiersSeen = NIOLockedValueBox<[String]>([])
    static let clientId = "casework-tests"
    static let clientSecret = "a secret: with & odd characters"

    private init(app: Application, issuer: String) {
        self.app = app
        self.issuer = issuer
    }

    static func start() async throws -> MockIdentityProvider {
        let app = try await Application.make(.testing)
        app.http.server.configuration.hostname = "127.0.0.1"
        app.http.server.configuration.port = 0
        let box = NIOLockedValueBox<MockIdentityProvider?>(nil)
        app.get(".well-known", "openid-configuration") { _ -> Response in
            let issuer = box.withLockedValue { $0!.issuer }
            return Response(status: .ok, headers: ["Content-Type": "application/json"], body: .init(string: """
                {"issuer":"\(issuer)","authorization_endpoint":"\(issuer)/authorize","token_endpoint":"\(issuer)/token","jwks_uri":"\(issuer)/jwks"}
                """))
        }
        app.get("jwks") { _ -> Response in
            let keys = box.withLockedValue { $0!.published.withLockedValue { $0 } }
            return Response(status: .ok, headers: ["Content-Type": "application/json"], body: .init(string: #"{"keys":[\#(keys.joined(separator: ","))]}"#))
        }
        app.post("token") { req -> Response in
            let provider = box.withLockedValue { $0! }
            struct Form: Content { let code: String; let code_verifier: String?; let grant_type: String; let redirect_uri: String }
            let form = try req.content.decode(Form.self)
            let basic = req.headers.basicAuthorization
            guard basic?.username == clientId, basic?.password.removingPercentEncoding == clientSecret else {
                return Response(status: .unauthorized, body: .init(string: #"{"error":"invalid_client"}"#))
            }
            provider.verifiersSeen.withLockedValue { $0.append(form.code_verifier ?? "") }
            guard let issued = provider.codes.withLockedValue({ $0.removeValue(forKey: form.code) }),
                  let verifier = form.code_verifier, OpenIDConnect.pkceChallenge(for: verifier) == issued.challenge else {
                return Response(status: .badRequest, headers: ["Content-Type": "application/json"],
                                body: .init(string: #"{"error":"invalid_grant","error_description":"the code or its PKCE verifier is wrong"}"#))
            }
            return Response(status: .ok, headers: ["Content-Type": "application/json"], body: .init(string: #"{"id_token":"\#(issued.idToken)","token_type":"Bearer"}"#))
        }
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        let port = try #require(app.http.server.shared.localAddress?.port)
        let provider = MockIdentityProvider(app: app, issuer: "http://127.0.0.1:\(port)")
        box.withLockedValue { $0 = provider }
        try await provider.addKey(kid: "key-1", publish: true)
        return provider
    }

    func stop() async throws {
        await app.server.shutdown()
        try await app.asyncShutdown()
    }

    /// A new ES256 key, published in the JWKS or not.
    func addKey(kid: String, publish: Bool) async throws {
        let key = ES256PrivateKey()
        await (publish ? signing : unpublished).add(ecdsa: key, kid: JWKIdentifier(string: kid))
        if publish {
            let (x, y) = key.publicKey.parameters!
            published.withLockedValue { $0.append(#"{"kty":"EC","crv":"P-256","alg":"ES256","use":"sig","kid":"\#(kid)","x":"\#(x)","y":"\#(y)"}"#) }
        }
    }

    /// Claims as a well-behaved provider would send them for this member of staff.
    func claims(staffId: String, nonce: String?, now: Date, _ change: (inout [String: JSONValue]) -> Void = { _ in }) -> [String: JSONValue] {
        var claims: [String: JSONValue] = [
            "iss": .string(issuer), "aud": .string(Self.clientId), "sub": .string("user-\(staffId)"), "staff_id": .string(staffId),
            "iat": .number(now.timeIntervalSince1970.rounded(.down)), "exp": .number(now.timeIntervalSince1970.rounded(.down) + 600),
        ]
        if let nonce { claims["nonce"] = .string(nonce) }
        change(&claims)
        return claims
    }

    func sign(_ claims: [String: JSONValue], kid: String = "key-1", unpublishedKey: Bool = false) async throws -> String {
        try await (unpublishedKey ? unpublished : signing).sign(IDTokenPayload(values: claims), kid: JWKIdentifier(string: kid))
    }

    /// Issues a code for the authorization request at `url`, answering with the ID token `token` makes from its nonce.
    /// With `otherChallenge`, the code is bound to a challenge other than the one sent, as if the request had been
    /// tampered with on the way: no verifier Casework holds can then redeem it.
    func authorize(_ url: String, otherChallenge: Bool = false, token: (String) async throws -> String) async throws -> (code: String, state: String) {
        let query = Dictionary(uniqueKeysWithValues: (URLComponents(string: url)?.queryItems ?? []).map { ($0.name, $0.value ?? "") })
        #expect(query["code_challenge_method"] == "S256" && query["code_challenge"]?.count == 43, "no PKCE S256 challenge in \(url)")
        #expect(query["client_id"] == Self.clientId && query["response_type"] == "code")
        let code = OpenIDConnect.randomValue()
        let idToken = try await token(try #require(query["nonce"]))
        let challenge = otherChallenge ? OpenIDConnect.pkceChallenge(for: OpenIDConnect.randomValue()) : query["code_challenge"] ?? ""
        codes.withLockedValue { $0[code] = (challenge, idToken) }
        return (code, try #require(query["state"]))
    }
}

@Suite("Signing in with the organisation's identity provider", .serialized)
struct OrganisationSignInTests {
    func withProvider(passwordSignIn: Bool? = nil, issuerSuffix: String = "", _ test: (Application, MockIdentityProvider) async throws -> Void) async throws {
        let provider = try await MockIdentityProvider.start()
        do {
            var settings = try freshSettings()
            settings.oidc = OIDCSettings(issuer: provider.issuer + issuerSuffix, clientId: MockIdentityProvider.clientId, clientSecret: MockIdentityProvider.clientSecret)
            settings.passwordSignIn = passwordSignIn ?? false
            try await withCasework(settings: settings) { app in try await test(app, provider) }
        } catch {
            try await provider.stop()
            throw error
        }
        try await provider.stop()
    }

    /// The browser's round trip: start, the provider's code, the callback. Returns the callback's answer.
    func signIn(_ browser: Browser, provider: MockIdentityProvider, next: String = "",
                token: (String) async throws -> String) async throws -> TestingHTTPResponse {
        let started = try await browser.get("/auth/oidc/start" + (next.isEmpty ? "" : "?next=\(next)"))
        #expect(started.status == .seeOther)
        let location = try #require(started.headers.first(name: .location))
        #expect(location.hasPrefix(provider.issuer + "/authorize?"))
        let (code, state) = try await provider.authorize(location, token: token)
        return try await browser.get("/auth/oidc/callback?code=\(code)&state=\(state)")
    }

    func refusals(_ app: Application) async throws -> [String] {
        try await app.auditEvents().filter { $0.action == "signIn" && $0.outcome == AuditOutcome.denied.rawValue }.map(\.detail)
    }

    @Test func aCaseworkerSignsInWithTheirOrganisationAccountAndPKCEIsSentAndChecked() async throws {
        try await withProvider { app, provider in
            let browser = Browser(app)
            let page = try await browser.get("/sign-in")
            #expect(page.body.string.contains("Sign in with your organisation account") && !page.body.string.contains(#"id="password""#))
            let now = app.casework.clock.now()
            let answer = try await signIn(browser, provider: provider, next: "/contacts") { nonce in
                try await provider.sign(provider.claims(staffId: "20010002", nonce: nonce, now: now))
            }
            #expect(answer.status == .seeOther && answer.headers.first(name: .location) == "/contacts")
            let home = try await browser.get("/")
            #expect(home.status == .ok)
            // The provider keeps passwords: no Casework password to change.
            #expect(!home.body.string.contains("/account/password"))
            // The verifier sent to the token endpoint is the one whose S256 challenge went to /authorize.
            #expect(provider.verifiersSeen.withLockedValue { $0 }.count == 1)
            let event = try #require(try await app.auditEvents().last { $0.action == "signIn" })
            #expect(event.actorStaffId == "20010002" && event.detail.contains("organisation account"))

            // A person with several roles chooses one, as after a password.
            let sarah = Browser(app)
            let chosen = try await signIn(sarah, provider: provider) { try await provider.sign(provider.claims(staffId: "20010001", nonce: $0, now: now)) }
            #expect(chosen.headers.first(name: .location) == "/choose-role")
        }
    }

    @Test func aCodeRedeemedWithoutItsPKCEVerifierIsRefused() async throws {
        try await withProvider { app, provider in
            let browser = Browser(app)
            let started = try await browser.get("/auth/oidc/start")
            let location = try #require(started.headers.first(name: .location))
            // The provider holds a different challenge than the one Casework sent: the verifier cannot match it.
            let (code, state) = try await provider.authorize(location, otherChallenge: true) { _ in "unused" }
            let answer = try await browser.get("/auth/oidc/callback?code=\(code)&state=\(state)")
            #expect(answer.status == .unauthorized && answer.body.string.contains("PKCE verifier is wrong"))
            #expect(try await refusals(app).contains { $0.contains("the code was not accepted") })
        }
    }

    @Test func badAndReplayedStatesAreRefused() async throws {
        try await withProvider { app, provider in
            let now = app.casework.clock.now()
            let browser = Browser(app)
            let started = try await browser.get("/auth/oidc/start")
            let (code, state) = try await provider.authorize(try #require(started.headers.first(name: .location))) {
                try await provider.sign(provider.claims(staffId: "20010002", nonce: $0, now: now))
            }
            // Another browser (no state cookie) following the same link is not signed in.
            let other = Browser(app)
            let stolen = try await other.get("/auth/oidc/callback?code=\(code)&state=\(state)")
            #expect(stolen.status == .unauthorized && stolen.body.string.contains("was not started here"))
            // An unknown state, then the real one, then the real one again.
            #expect(try await browser.get("/auth/oidc/callback?code=\(code)&state=forged").status == .unauthorized)
            #expect(try await browser.get("/auth/oidc/callback?code=\(code)&state=\(state)").status == .seeOther)
            let replayed = Browser(app)
            replayed.cookies[OIDCSignIn.stateCookie] = state
            let again = try await replayed.get("/auth/oidc/callback?code=\(code)&state=\(state)")
            #expect(again.status == .unauthorized && again.body.string.contains("already been used"))
            #expect(try await refusals(app).filter { $0.contains("state") }.count == 3)
        }
    }

    @Test(arguments: [
        ("a wrong nonce", "its nonce does not match"),
        ("a wrong audience", "not Casework"),
        ("a wrong issuer", "not our identity provider"),
        ("an expired token", "the token expired"),
        ("an unknown key", "a key the provider does not publish"),
        ("alg none", "not a signed JWT"),
        ("an unknown person", "no member of staff has the staff ID 99999999"),
        ("a deactivated person", "is deactivated"),
    ])
    func aTokenThatMayNotBeBelievedIsRefusedAndAudited(what: String, reason: String) async throws {
        try await withProvider { app, provider in
            let now = app.casework.clock.now()
            if what == "a deactivated person" {
                let liam = try #require(try await StaffModel.find("20010004", on: app.db))
                liam.active = false
                try await liam.save(on: app.db)
            }
            if what == "an unknown key" { try await provider.addKey(kid: "key-rogue", publish: false) }
            let answer = try await signIn(Browser(app), provider: provider) { nonce in
                switch what {
                case "a wrong nonce": return try await provider.sign(provider.claims(staffId: "20010002", nonce: "not-the-nonce", now: now))
                case "a wrong audience": return try await provider.sign(provider.claims(staffId: "20010002", nonce: nonce, now: now) { $0["aud"] = .string("another-app") })
                case "a wrong issuer": return try await provider.sign(provider.claims(staffId: "20010002", nonce: nonce, now: now) { $0["iss"] = .string("https://evil.example") })
                case "an expired token": return try await provider.sign(provider.claims(staffId: "20010002", nonce: nonce, now: now.addingTimeInterval(-3600)))
                case "an unknown key": return try await provider.sign(provider.claims(staffId: "20010002", nonce: nonce, now: now), kid: "key-rogue", unpublishedKey: true)
                case "alg none":
                    let body = try JSONEncoder().encode(provider.claims(staffId: "20010002", nonce: nonce, now: now))
                    return OpenIDConnect.base64URL(Data(#"{"alg":"none","typ":"JWT"}"#.utf8)) + "." + OpenIDConnect.base64URL(body) + "."
                case "an unknown person": return try await provider.sign(provider.claims(staffId: "99999999", nonce: nonce, now: now))
                default: return try await provider.sign(provider.claims(staffId: "20010004", nonce: nonce, now: now))
                }
            }
            #expect(answer.status == .unauthorized, "\(what): \(answer.status)")
            #expect(answer.body.string.contains(reason), "\(what): \(answer.body.string)")
            #expect(answer.headers.setCookie?[SessionStore.cookieName] == nil, "\(what) was given a session")
            #expect(try await refusals(app).contains { $0.contains(reason) }, "\(what) was not audited")
        }
    }

    @Test func withNoProviderAnIDTokenIsABadRequestAndThePagesOfferPasswordsOnly() async throws {
        try await withCasework { app in
            let answer = try await app.sendJSON(.POST, "/api/v1/auth/tokens", ["idToken": "eyJ.x.y", "role": "caseworker"])
            #expect(answer.status == .badRequest && answer.body.string.contains("not set up here"))
            let page = try await Browser(app).get("/sign-in")
            #expect(!page.body.string.contains("organisation-sign-in") && page.body.string.contains(#"id="password""#))
            #expect(try await Browser(app).get("/auth/oidc/start").status == .notFound)
        }
    }

    @Test func anIssuerTypedWithATrailingSlashStillMatchesTheProvider() async throws {
        try await withProvider(issuerSuffix: "/") { app, provider in
            let now = app.casework.clock.now()
            let answer = try await signIn(Browser(app), provider: provider) { try await provider.sign(provider.claims(staffId: "20010002", nonce: $0, now: now)) }
            #expect(answer.status == .seeOther, "\(answer.body.string)")
        }
    }

    @Test func keysTheProviderRotatesInAreFetchedAgain() async throws {
        try await withProvider { app, provider in
            let now = app.casework.clock.now()
            let first = try await signIn(Browser(app), provider: provider) { try await provider.sign(provider.claims(staffId: "20010002", nonce: $0, now: now)) }
            #expect(first.status == .seeOther)
            try await provider.addKey(kid: "key-2", publish: true)
            let rotated = try await signIn(Browser(app), provider: provider) {
                try await provider.sign(provider.claims(staffId: "20010002", nonce: $0, now: now), kid: "key-2")
            }
            #expect(rotated.status == .seeOther, "\(rotated.body.string)")
        }
    }

    @Test func theAPITakesAnIDTokenWithoutANonceAndPasswordsAreOffUnlessAskedFor() async throws {
        try await withProvider { app, provider in
            let now = app.casework.clock.now()
            let idToken = try await provider.sign(provider.claims(staffId: "20010001", nonce: nil, now: now))
            let created = try await app.sendJSON(.POST, "/api/v1/auth/tokens", ["idToken": idToken, "role": "teamLeader"])
            #expect(created.status == .created)
            let token = try created.content.decode(Application.TokenBody.self).token
            #expect(try await app.sendJSON(.GET, "/api/v1/home", token: token).status == .ok)
            // Several roles and none chosen: a clear 422, as with a password.
            #expect(try await app.sendJSON(.POST, "/api/v1/auth/tokens", ["idToken": idToken]).status == .unprocessableEntity)
            let expired = try await provider.sign(provider.claims(staffId: "20010001", nonce: nil, now: now.addingTimeInterval(-7200)))
            #expect(try await app.sendJSON(.POST, "/api/v1/auth/tokens", ["idToken": expired, "role": "teamLeader"]).status == .unauthorized)

            let password = try await app.sendJSON(.POST, "/api/v1/auth/tokens", ["staffId": "20010002", "password": DemoOrganisation.defaultPassword])
            #expect(password.status == .forbidden && password.body.string.contains("organisation account"))
        }
        try await withProvider(passwordSignIn: true) { app, _ in
            let page = try await Browser(app).get("/sign-in")
            #expect(page.body.string.contains("Sign in with your organisation account") && page.body.string.contains(#"id="password""#))
            #expect(try await app.sendJSON(.POST, "/api/v1/auth/tokens", ["staffId": "20010002", "password": DemoOrganisation.defaultPassword]).status == .created)
        }
    }
}
