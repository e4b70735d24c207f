import CaseworkCore
import Crypto
import Fluent
import Foundation
import JWTKit
import SQLKit
import Vapor

/// The organisation's identity provider as Casework talks to it: its discovery document, its signing keys (cached,
/// and fetched again when a token names a key not yet seen, as providers rotate them), and the code exchange.
/// What a token must say is `OpenIDConnect.refusal`'s; this checks its signature and reads its claims.
actor OIDCProvider {
    let settings: OIDCSettings
    private let client: any Client
    private var discovered: Discovery?
    private var keys: JWTKeyCollection?
    private var knownKeyIds: Set<String> = []
    /// When the keys were last fetched again for a token naming a key not seen: at most every ten seconds, so a
    /// stream of tokens with made-up key IDs cannot make Casework hammer the provider.
    private var refetchedForUnknownKeyAt: Date?

    /// The parts of `{issuer}/.well-known/openid-configuration` Casework uses.
    struct Discovery: Codable, Sendable {
        let issuer: String
        let authorization_endpoint: String
        let token_endpoint: String
        let jwks_uri: String
    }

    init(settings: OIDCSettings, client: any Client) {
        self.settings = settings
        self.client = client
    }

    /// The discovery document, fetched once. Its issuer must be the configured one (OpenID Connect Discovery 4.3).
    func discovery() async throws -> Discovery {
        if let discovered { return discovered }
        let url = settings.issuer.hasSuffix("/") ? settings.issuer + ".well-known/openid-configuration" : settings.issuer + "/.well-known/openid-configuration"
        let answer = try await fetch(URI(string: url), what: "its discovery document")
        let document: Discovery
        do { document = try answer.content.decode(Discovery.self, using: JSONDecoder()) } catch {
            throw OpenIDConnect.Refusal.providerError("its discovery document at \(url) is not one")
        }
        // OpenID Connect Discovery asks for the same issuer; a trailing slash typed in the setting is forgiven, and the
        // provider's own spelling is the one its tokens carry.
        guard Self.withoutTrailingSlash(document.issuer) == Self.withoutTrailingSlash(settings.issuer) else {
            throw OpenIDConnect.Refusal.providerError("its discovery document names the issuer \(document.issuer), not \(settings.issuer)")
        }
        discovered = document
        return document
    }

    /// The issuer as the provider spells it (in its discovery document, and so in its tokens' `iss`).
    func issuer() async throws -> String { try await discovery().issuer }

    private static func withoutTrailingSlash(_ text: String) -> String { text.hasSuffix("/") ? String(text.dropLast()) : text }

    /// Checks an ID token's signature against the provider's keys and returns its claims; `OpenIDConnect.refusal`
    /// then says whether they may be believed. A token signed with `alg: none` or by a key the provider does not
    /// publish is refused.
    func claims(of idToken: String) async throws -> OpenIDConnect.Claims {
        guard let header = Self.header(of: idToken), header.alg != nil, header.alg?.lowercased() != "none" else {
            throw OpenIDConnect.Refusal.badSignature("it is not a signed JWT")
        }
        if keys == nil { try await fetchKeys() }
        if let kid = header.kid, !knownKeyIds.contains(kid) {
            // A key not seen yet: the provider may have rotated its keys. Fetch them again, at most every ten seconds.
            // (jwt-kit would otherwise try its default key, and report a bad signature rather than an unknown key.)
            if refetchedForUnknownKeyAt.map({ Date().timeIntervalSince($0) >= 10 }) ?? true {
                refetchedForUnknownKeyAt = Date()
                try await fetchKeys()
            }
            guard knownKeyIds.contains(kid) else { throw OpenIDConnect.Refusal.badSignature("it names a key the provider does not publish") }
        }
        do {
            return try await keys!.verify(idToken, as: IDTokenPayload.self).claims(staffIdClaim: settings.staffIdClaim)
        } catch {
            throw Self.refusal(error)
        }
    }

    private struct Header: Decodable { let alg: String?; let kid: String? }

    /// A token's header, read before any key is chosen.
    private static func header(of token: String) -> Header? {
        guard let first = token.split(separator: ".", omittingEmptySubsequences: false).first else { return nil }
        var text = first.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        text += String(repeating: "=", count: (4 - text.count % 4) % 4)
        return Data(base64Encoded: text).flatMap { try? JSONDecoder().decode(Header.self, from: $0) }
    }

    /// Any failure to verify, as a refusal: a provider's own refusal passes through; anything else (jwt-kit's
    /// errors, a token that does not even parse) means its signature cannot be trusted.
    private static func refusal(_ error: any Error) -> OpenIDConnect.Refusal {
        switch error {
        case let refusal as OpenIDConnect.Refusal: refusal
        case let jwt as JWTError: .badSignature(explain(jwt))
        default: .badSignature("it is not a signed JWT")
        }
    }

    /// The provider's published keys (its JWKS), replacing those held.
    private func fetchKeys() async throws {
        let document = try await discovery()
        let answer = try await fetch(URI(string: document.jwks_uri), what: "its signing keys")
        let json = answer.body.map { String(buffer: $0) } ?? ""
        struct KeyIds: Decodable { struct Key: Decodable { let kid: String? }; let keys: [Key] }
        let collection = JWTKeyCollection()
        do {
            try await collection.add(jwksJSON: json)
            knownKeyIds = Set(try JSONDecoder().decode(KeyIds.self, from: Data(json.utf8)).keys.compactMap(\.kid))
        } catch {
            throw OpenIDConnect.Refusal.providerError("its signing keys at \(document.jwks_uri) cannot be read")
        }
        keys = collection
    }

    /// Exchanges an authorization code for the ID token (client_secret_basic, with the PKCE code verifier).
    func exchange(code: String, verifier: String, redirectURI: String) async throws -> String {
        let document = try await discovery()
        struct TokenRequest: Content {
            let grant_type = "authorization_code"
            let code: String
            let redirect_uri: String
            let client_id: String
            let code_verifier: String
        }
        struct TokenAnswer: Decodable { let id_token: String? }
        struct ErrorAnswer: Decodable { let error: String?; let error_description: String? }
        let answer: ClientResponse
        let basic = BasicAuthorization(username: Self.formEncoded(settings.clientId), password: Self.formEncoded(settings.clientSecret))
        let form = TokenRequest(code: code, redirect_uri: redirectURI, client_id: settings.clientId, code_verifier: verifier)
        do {
            answer = try await client.post(URI(string: document.token_endpoint)) { @Sendable req in
                req.headers.basicAuthorization = basic
                try req.content.encode(form, as: .urlEncodedForm)
            }
        } catch {
            throw OpenIDConnect.Refusal.providerError("its token endpoint could not be reached")
        }
        guard answer.status == .ok else {
            let refusal = try? answer.content.decode(ErrorAnswer.self, using: JSONDecoder())
            throw OpenIDConnect.Refusal.providerError("the code was not accepted (\(refusal?.error_description ?? refusal?.error ?? "HTTP \(answer.status.code)"))")
        }
        guard let idToken = (try? answer.content.decode(TokenAnswer.self, using: JSONDecoder()))?.id_token else {
            throw OpenIDConnect.Refusal.providerError("its token answer has no id_token")
        }
        return idToken
    }

    private func fetch(_ uri: URI, what: String) async throws -> ClientResponse {
        do {
            let answer = try await client.get(uri)
            guard answer.status == .ok else { throw OpenIDConnect.Refusal.providerError("\(what) at \(uri) answered HTTP \(answer.status.code)") }
            return answer
        } catch let refusal as OpenIDConnect.Refusal {
            throw refusal
        } catch {
            throw OpenIDConnect.Refusal.providerError("\(what) at \(uri) could not be fetched")
        }
    }

    /// RFC 6749 2.3.1: the client ID and secret are form-encoded before Basic authentication.
    private static func formEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
    }

    private static func explain(_ error: JWTError) -> String {
        switch error.errorType {
        case .unknownKID, .missingKIDHeader: "it names a key the provider does not publish"
        case .unsupportedAlgorithm, .invalidHeaderField: "it is not a signed JWT"
        case .signatureVerificationFailed: "its signature does not match the provider's key"
        case .malformedToken: "it is not a signed JWT"
        default: "it is not signed by the provider (\(error.errorType))"
        }
    }
}

/// Every claim of an ID token, as JSON values (the core's `JSONValue`, as SCIM documents are): the staff ID claim's name is a setting, so no fixed struct will do.
/// Its `verify` checks nothing: the rules are `OpenIDConnect.refusal`'s.
struct IDTokenPayload: JWTPayload {
    let values: [String: JSONValue]

    init(values: [String: JSONValue]) { self.values = values }
    init(from decoder: any Decoder) throws { values = try [String: JSONValue](from: decoder) }
    func encode(to encoder: any Encoder) throws { try values.encode(to: encoder) }
    func verify(using algorithm: some JWTAlgorithm) async throws {}

    func claims(staffIdClaim: String) -> OpenIDConnect.Claims {
        let audience: [String] = switch values["aud"] {
        case .string(let one): [one]
        case .array(let many): many.compactMap { if case .string(let text) = $0 { text } else { nil } }
        default: []
        }
        return OpenIDConnect.Claims(
            issuer: values["iss"]?.claimText, audience: audience, authorizedParty: values["azp"]?.claimText,
            expiresAt: values["exp"]?.instant, issuedAt: values["iat"]?.instant, nonce: values["nonce"]?.claimText,
            staffId: values[staffIdClaim]?.claimText)
    }
}

extension JSONValue {
    /// A claim as text, or a whole number as text (a staff ID claim may be sent as a number; leading zeros are then
    /// lost, so providers should send it as a string).
    var claimText: String? {
        switch self {
        case .string(let text): text
        case .number(let number) where number == number.rounded() && abs(number) < 1e15: String(Int64(number))
        default: nil
        }
    }

    /// A NumericDate claim (seconds since 1970).
    var instant: Date? {
        if case .number(let seconds) = self { return Date(timeIntervalSince1970: seconds) }
        return nil
    }
}

/// Signing in through the identity provider: the browser's redirect there and back (authorization code with PKCE,
/// state and nonce), and an ID token brought to the API. Both end in `SignIn.startSession`, as a password does.
struct OIDCSignIn {
    /// Signing in once the provider has proven who someone is: the same sessions as a password's.
    let signIn: SignIn
    /// The organisation's identity provider; nil when it is not set up.
    let configured: OIDCProvider?
    /// Where the provider sends the browser back.
    let redirectURI: String

    init(signIn: SignIn, provider: OIDCProvider?, publicURL: String) {
        (self.signIn, self.configured, self.redirectURI) = (signIn, provider, publicURL + "/auth/oidc/callback")
    }

    init(request: Request) {
        self.init(signIn: SignIn(request: request), provider: request.casework.oidc, publicURL: request.casework.settings.mail.publicURL)
    }

    private var context: ServiceContext { signIn.context }

    /// Binds a started sign-in to the browser that started it, so a link to the callback cannot sign someone else in.
    static let stateCookie = "casework_oidc_state"

    private var provider: OIDCProvider {
        get throws {
            guard let configured else { throw DomainError.notFound("Sign-in with an organisation account is not set up here") }
            return configured
        }
    }

    /// Where to send the browser: the provider's authorization endpoint, with a new state, nonce and PKCE challenge.
    /// Only the state's hash, the nonce and the code verifier are kept, for ten minutes.
    func start(next: String) async throws -> (url: String, state: String) {
        let provider = try provider
        let document = try await provider.discovery()
        let state = OpenIDConnect.randomValue(), nonce = OpenIDConnect.randomValue(), verifier = OpenIDConnect.randomValue()
        let stateHash = SessionStore.hash(state)
        let repository = signIn.repository
        try await context.write { ctx in
            let stored = repository(ctx.db)
            // Sign-ins long finished or abandoned are of no more use: they go as new ones start.
            try await stored.dropOrganisationSignIns(startedBefore: ctx.now.addingTimeInterval(-24 * 3600))
            try await stored.startOrganisationSignIn(stateHash: stateHash, nonce: nonce, verifier: verifier, next: next, at: ctx.now)
        }
        var components = URLComponents(string: document.authorization_endpoint)
        let existing = components?.queryItems ?? []
        components?.queryItems = existing + [
            URLQueryItem(name: "response_type", value: "code"),
            URLQueryItem(name: "client_id", value: provider.settings.clientId),
            URLQueryItem(name: "redirect_uri", value: redirectURI),
            URLQueryItem(name: "scope", value: "openid profile email"),
            URLQueryItem(name: "state", value: state),
            URLQueryItem(name: "nonce", value: nonce),
            URLQueryItem(name: "code_challenge", value: OpenIDConnect.pkceChallenge(for: verifier)),
            URLQueryItem(name: "code_challenge_method", value: "S256"),
        ]
        guard let url = components?.url?.absoluteString else {
            throw OpenIDConnect.Refusal.providerError("its authorization endpoint \(document.authorization_endpoint) is not a URL")
        }
        return (url, state)
    }

    /// The provider sent the browser back: the state must be this browser's, unused and fresh; the code is exchanged
    /// with the PKCE verifier; the ID token must carry our nonce. Returns the session and where to go next.
    func finish(state: String?, code: String?, providerError: String?, browserState: String?) async throws -> (SignIn.Result, next: String) {
        guard let state, !state.isEmpty, state == browserState else { try await refuse(.unknownState, staffId: nil) }
        let started = try await claimState(state)
        let nonce: String, verifier: String, next: String
        switch started {
        case .refused(let refusal): try await refuse(refusal, staffId: nil)
        case .started(let n, let v, let x): (nonce, verifier, next) = (n, v, x)
        }
        if let providerError { try await refuse(.providerError(providerError), staffId: nil) }
        guard let code, !code.isEmpty else { try await refuse(.providerError("it sent no authorization code"), staffId: nil) }
        let claims = try await checked { try await $0.claims(of: try await $0.exchange(code: code, verifier: verifier, redirectURI: redirectURI)) }
        let staff = try await person(for: claims, nonce: nonce)
        return (try await signIn.startSession(for: staff, requestedRole: nil, kind: .browser, method: "organisation account"), next)
    }

    /// An ID token brought to `POST /api/v1/auth/tokens`: checked as at the callback, but with no nonce, since
    /// Casework did not start that sign-in.
    func token(idToken: String, role: Role?) async throws -> SignIn.Result {
        guard configured != nil else {
            // The body is one this service cannot take, not a missing page.
            throw Abort(.badRequest, reason: "Sign-in with an organisation account is not set up here: send staffId and password")
        }
        let claims = try await checked { try await $0.claims(of: idToken) }
        let staff = try await person(for: claims, nonce: nil)
        return try await signIn.startSession(for: staff, requestedRole: role, kind: .api, method: "organisation account")
    }

    private enum Started: Sendable {
        case started(nonce: String, verifier: String, next: String)
        case refused(OpenIDConnect.Refusal)
    }

    /// Marks the state used, once, on every server (the write lane serialises the check and the mark).
    private func claimState(_ state: String) async throws -> Started {
        let stateHash = SessionStore.hash(state)
        let repository = signIn.repository
        return try await context.write { ctx -> Started in
            let stored = repository(ctx.db)
            let row = try await stored.organisationSignIn(stateHash: stateHash)
            if let refusal = OpenIDConnect.stateRefusal(startedAt: row?.started_at, usedAt: row?.used_at, now: ctx.now) { return .refused(refusal) }
            try await stored.markOrganisationSignInUsed(stateHash: stateHash, at: ctx.now)
            return .started(nonce: row!.nonce, verifier: row!.code_verifier, next: row!.next)
        }
    }

    /// Runs a step that talks to the provider; a refusal it meets is audited and answered like any other.
    private func checked(_ step: (OIDCProvider) async throws -> OpenIDConnect.Claims) async throws -> OpenIDConnect.Claims {
        do {
            return try await step(try provider)
        } catch let refusal as OpenIDConnect.Refusal {
            try await refuse(refusal, staffId: nil)
        }
    }

    /// The active member of staff the token names, once its claims pass `OpenIDConnect.refusal`.
    private func person(for claims: OpenIDConnect.Claims, nonce: String?) async throws -> StaffModel {
        let provider = try provider
        let expected = OpenIDConnect.Expectation(issuer: try await provider.issuer(), clientId: provider.settings.clientId, nonce: nonce, now: context.now)
        if let refusal = OpenIDConnect.refusal(claims, expected: expected, staffIdClaim: provider.settings.staffIdClaim) {
            try await refuse(refusal, staffId: claims.staffId)
        }
        let staffId = claims.staffId!
        guard let staff = try await context.directory.find(staffId) else { try await refuse(.unknownStaff(staffId), staffId: nil) }
        guard staff.active else { try await refuse(.inactiveStaff(staffId), staffId: staffId) }
        return staff
    }

    /// Audits the refusal, then answers 401 with its reason.
    private func refuse(_ refusal: OpenIDConnect.Refusal, staffId: String?) async throws -> Never {
        CaseworkMetrics.signInFailed(.identityProvider)
        try await context.audit([AuditEntry(Actor(staffId: staffId, role: nil), "signIn", subjectType: "staff", subjectId: staffId ?? "unknown",
                                            outcome: .denied, detail: "organisation account refused: \(refusal.description)")])
        throw DomainError.unauthenticated("Sign-in refused: \(refusal.description)")
    }
}
