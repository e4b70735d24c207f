import Crypto
import Foundation

/// The rules for signing in with the organisation's identity provider (OpenID Connect Core 1.0, RFC 7636): what an
/// ID token must say before Casework believes it, and the PKCE pair. Fetching and signature checking are the app's;
/// what the claims must be is decided here, once, for the browser sign-in and the API alike.
public enum OpenIDConnect {
    /// The claims of an ID token that Casework reads.
    public struct Claims: Sendable, Equatable {
        public var issuer: String?
        public var audience: [String]
        public var authorizedParty: String?
        public var expiresAt: Date?
        public var issuedAt: Date?
        public var nonce: String?
        /// The claim naming the member of staff (`CASEWORK_OIDC_STAFF_ID_CLAIM`), as text.
        public var staffId: String?

        public init(issuer: String?, audience: [String], authorizedParty: String? = nil, expiresAt: Date?, issuedAt: Date?,
                    nonce: String?, staffId: String?) {
            self.issuer = issuer
            self.audience = audience
            self.authorizedParty = authorizedParty
            self.expiresAt = expiresAt
            self.issuedAt = issuedAt
            self.nonce = nonce
            self.staffId = staffId
        }
    }

    /// What Casework expects of a token: who issued it, for whom, and (for a sign-in Casework started) its nonce.
    public struct Expectation: Sendable {
        public var issuer: String
        public var clientId: String
        /// Nil for a token brought to the API: Casework did not start that sign-in, so there is no nonce to match.
        public var nonce: String?
        public var now: Date
        /// Clock difference tolerated between Casework and the provider.
        public var leeway: TimeInterval

        public init(issuer: String, clientId: String, nonce: String?, now: Date, leeway: TimeInterval = 60) {
            self.issuer = issuer
            self.clientId = clientId
            self.nonce = nonce
            self.now = now
            self.leeway = leeway
        }
    }

    /// Why a token (or a sign-in) is refused. Each says what happened in words a person, or the audit trail, can use.
    public enum Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        case wrongIssuer(String?)
        case wrongAudience([String])
        case expired(Date)
        case issuedInTheFuture(Date)
        case missingTimes
        case wrongNonce
        case noStaffId(claim: String)
        case badSignature(String)
        case unknownState
        case replayedState
        case staleState
        case providerError(String)
        case unknownStaff(String)
        case inactiveStaff(String)

        public var description: String {
            switch self {
            case .wrongIssuer(let issuer): "the token was issued by \(issuer.map { "\"\($0)\"" } ?? "nobody named"), not our identity provider"
            case .wrongAudience(let audience): "the token is meant for \(audience.isEmpty ? "nobody named" : audience.joined(separator: ", ")), not Casework"
            case .expired(let at): "the token expired at \(CaseworkTime.iso8601(at))"
            case .issuedInTheFuture(let at): "the token says it was issued at \(CaseworkTime.iso8601(at)), which has not come yet"
            case .missingTimes: "the token does not say when it was issued and when it expires"
            case .wrongNonce: "the token answers a different sign-in (its nonce does not match)"
            case .noStaffId(let claim): "the token has no \(claim) claim naming a member of staff"
            case .badSignature(let why): "the token's signature cannot be trusted: \(why)"
            case .unknownState: "this sign-in was not started here (unknown state)"
            case .replayedState: "this sign-in has already been used (the state was replayed)"
            case .staleState: "this sign-in took too long: start again"
            case .providerError(let why): "the identity provider refused: \(why)"
            case .unknownStaff(let id): "no member of staff has the staff ID \(id) that your organisation account names"
            case .inactiveStaff(let id): "the account of staff ID \(id) is deactivated"
            }
        }
    }

    /// The first thing wrong with a token whose signature has been checked, or nil when it may be believed.
    public static func refusal(_ claims: Claims, expected: Expectation, staffIdClaim: String) -> Refusal? {
        guard claims.issuer == expected.issuer else { return .wrongIssuer(claims.issuer) }
        guard claims.audience.contains(expected.clientId),
              claims.audience.count == 1 || claims.authorizedParty == nil || claims.authorizedParty == expected.clientId
        else { return .wrongAudience(claims.audience) }
        guard let expiresAt = claims.expiresAt, let issuedAt = claims.issuedAt else { return .missingTimes }
        guard expected.now < expiresAt.addingTimeInterval(expected.leeway) else { return .expired(expiresAt) }
        guard issuedAt <= expected.now.addingTimeInterval(expected.leeway) else { return .issuedInTheFuture(issuedAt) }
        if let nonce = expected.nonce, claims.nonce != nonce { return .wrongNonce }
        guard let staffId = claims.staffId, !staffId.isEmpty else { return .noStaffId(claim: staffIdClaim) }
        return nil
    }

    /// How long a started sign-in may take before its state is refused.
    public static let signInLifetime: TimeInterval = 10 * 60

    /// Whether a started sign-in's state may still be used.
    public static func stateRefusal(startedAt: Date?, usedAt: Date?, now: Date) -> Refusal? {
        guard let startedAt else { return .unknownState }
        if usedAt != nil { return .replayedState }
        if now.timeIntervalSince(startedAt) > signInLifetime { return .staleState }
        return nil
    }

    /// RFC 7636's S256 challenge for a code verifier: base64url(SHA-256(verifier)), unpadded.
    public static func pkceChallenge(for verifier: String) -> String {
        base64URL(Data(SHA256.hash(data: Data(verifier.utf8))))
    }

    /// A random value for a state, nonce or code verifier: 32 bytes, base64url (43 characters, within RFC 7636's 43-128).
    public static func randomValue() -> String {
        var generator = SystemRandomNumberGenerator()
        return base64URL(Data((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }))
    }

    public static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
