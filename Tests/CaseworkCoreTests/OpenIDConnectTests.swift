import CaseworkCore
import Foundation
import Testing

@Suite("OpenID Connect: what an ID token must say")
struct OpenIDConnectTests {
    static let now = Date(timeIntervalSince1970: 1_796_000_000)
    static let expected = OpenIDConnect.Expectation(issuer: "https://login.example.gov.uk", clientId: "casework", nonce: "n-123", now: now)

    static func claims(_ change: (inout OpenIDConnect.Claims) -> Void = { _ in }) -> OpenIDConnect.Claims {
        var claims = OpenIDConnect.Claims(issuer: "https://login.example.gov.uk", audience: ["casework"], expiresAt: now.addingTimeInterval(300),
                                          issuedAt: now.addingTimeInterval(-5), nonce: "n-123", staffId: "20010002")
        change(&claims)
        return claims
    }

    @Test func aTokenFromOurProviderForUsWithTheNonceWeSentIsBelieved() {
        #expect(OpenIDConnect.refusal(Self.claims(), expected: Self.expected, staffIdClaim: "staff_id") == nil)
        // A clock a little behind the provider's is tolerated.
        #expect(OpenIDConnect.refusal(Self.claims { $0.issuedAt = Self.now.addingTimeInterval(30) }, expected: Self.expected, staffIdClaim: "staff_id") == nil)
    }

    @Test(arguments: [
        (Self.claims { $0.issuer = "https://evil.example" }, OpenIDConnect.Refusal.wrongIssuer("https://evil.example")),
        (Self.claims { $0.issuer = nil }, .wrongIssuer(nil)),
        (Self.claims { $0.audience = ["someone-else"] }, .wrongAudience(["someone-else"])),
        (Self.claims { $0.audience = ["casework", "other"]; $0.authorizedParty = "other" }, .wrongAudience(["casework", "other"])),
        (Self.claims { $0.expiresAt = now.addingTimeInterval(-61) }, .expired(now.addingTimeInterval(-61))),
        (Self.claims { $0.issuedAt = now.addingTimeInterval(3600) }, .issuedInTheFuture(now.addingTimeInterval(3600))),
        (Self.claims { $0.expiresAt = nil }, .missingTimes),
        (Self.claims { $0.nonce = "n-999" }, .wrongNonce),
        (Self.claims { $0.nonce = nil }, .wrongNonce),
        (Self.claims { $0.staffId = nil }, .noStaffId(claim: "staff_id")),
    ])
    func everyOtherTokenIsRefusedSayingWhy(claims: OpenIDConnect.Claims, refusal: OpenIDConnect.Refusal) {
        #expect(OpenIDConnect.refusal(claims, expected: Self.expected, staffIdClaim: "staff_id") == refusal)
    }

    @Test func aTokenBroughtToTheAPIHasNoNonceToMatch() {
        var api = Self.expected
        api.nonce = nil
        #expect(OpenIDConnect.refusal(Self.claims { $0.nonce = nil }, expected: api, staffIdClaim: "staff_id") == nil)
    }

    @Test func aStartedSignInIsUsedOnceAndWithinTenMinutes() {
        #expect(OpenIDConnect.stateRefusal(startedAt: Self.now, usedAt: nil, now: Self.now.addingTimeInterval(60)) == nil)
        #expect(OpenIDConnect.stateRefusal(startedAt: nil, usedAt: nil, now: Self.now) == .unknownState)
        #expect(OpenIDConnect.stateRefusal(startedAt: Self.now, usedAt: Self.now, now: Self.now) == .replayedState)
        #expect(OpenIDConnect.stateRefusal(startedAt: Self.now, usedAt: nil, now: Self.now.addingTimeInterval(601)) == .staleState)
    }

    @Test func thePKCEChallengeIsRFC7636sS256() {
        // RFC 7636, appendix B.
        #expect(OpenIDConnect.pkceChallenge(for: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
        let value = OpenIDConnect.randomValue()
        #expect(value.count == 43 && value.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        #expect(OpenIDConnect.randomValue() != value)
    }
}
