import CaseworkCore
import Crypto
import Foundation
import Testing

@Suite("Signed audit checkpoints")
struct AuditAnchorsTests {
    let key = Curve25519.Signing.PrivateKey()
    /// A chain of ten events, as hashes by seq.
    let hashes = Dictionary(uniqueKeysWithValues: (1...10).map { ($0, String(repeating: String($0 % 10), count: 64)) })

    func checkpoint(_ seq: Int, signedBy signer: Curve25519.Signing.PrivateKey? = nil) throws -> AuditCheckpoint {
        try AuditCheckpoint.sign(seq: seq, hash: hashes[seq] ?? String(repeating: "f", count: 64), at: "2026-12-03T10:0\(seq % 10):00.000Z", with: signer ?? key)
    }

    @Test func aChainThatHoldsEveryCheckpointedEventPasses() throws {
        let anchors = [(try checkpoint(4), AuditAnchors.Source.anchorFile), (try checkpoint(10), .database)]
        #expect(AuditAnchors.check(anchors, key: key.publicKey, lastSeq: 10, hashes: hashes) == nil)
        #expect(AuditAnchors.check([], key: key.publicKey, lastSeq: 10, hashes: hashes) == nil)
    }

    @Test func aCutTailIsNamedAsTheRangeTheFurthestCheckpointCovers() throws {
        let anchors = [(try checkpoint(4), AuditAnchors.Source.anchorFile), (try checkpoint(9), .anchorFile)]
        let problem = AuditAnchors.check(anchors, key: key.publicKey, lastSeq: 6, hashes: hashes)
        #expect(problem == .missing(from: 7, through: 9, checkpointAt: "2026-12-03T10:09:00.000Z"))
        #expect(problem?.description == "events 7 to 9 are missing: the checkpoint signed at 2026-12-03T10:09:00.000Z covers them")
        #expect(AuditAnchors.check([(try checkpoint(7), .database)], key: key.publicKey, lastSeq: 6, hashes: hashes)?.description
                == "event 7 is missing: the checkpoint signed at 2026-12-03T10:07:00.000Z covers it")
    }

    @Test func aRewrittenEventUnderACheckpointIsCaught() throws {
        var rewritten = hashes
        rewritten[5] = String(repeating: "a", count: 64)
        let problem = AuditAnchors.check([(try checkpoint(5), .anchorFile)], key: key.publicKey, lastSeq: 10, hashes: rewritten)
        #expect(problem == .rewritten(seq: 5, checkpointAt: "2026-12-03T10:05:00.000Z"))
    }

    @Test func aCheckpointForgedWithAnotherKeyOrAlteredAfterSigningIsRefused() throws {
        let forged = try checkpoint(10, signedBy: Curve25519.Signing.PrivateKey())
        #expect(AuditAnchors.check([(forged, .database)], key: key.publicKey, lastSeq: 10, hashes: hashes)
                == .forged(seq: 10, at: forged.at, source: .database))
        var altered = try checkpoint(8)
        altered.seq = 6
        altered.hash = hashes[6]!
        #expect(AuditAnchors.check([(altered, .anchorFile)], key: key.publicKey, lastSeq: 10, hashes: hashes)
                == .forged(seq: 6, at: altered.at, source: .anchorFile))
        var garbled = try checkpoint(3)
        garbled.signature = "not base64!"
        #expect(!garbled.isSigned(by: key.publicKey))
    }

    @Test func keysRoundTripThroughPEMInTheFormOpenSSLReads() throws {
        let pem = Ed25519PEM.pem(key)
        #expect(pem.hasPrefix("-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI"))
        #expect(try Ed25519PEM.privateKey(pem: pem).rawRepresentation == key.rawRepresentation)
        let publicPEM = Ed25519PEM.pem(key.publicKey)
        #expect(publicPEM.hasPrefix("-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA"))
        #expect(try Ed25519PEM.publicKey(pem: publicPEM).rawRepresentation == key.publicKey.rawRepresentation)
        #expect(throws: Ed25519PEM.Invalid.self) { try Ed25519PEM.privateKey(pem: publicPEM) }
        #expect(throws: Ed25519PEM.Invalid.self) { try Ed25519PEM.publicKey(pem: "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n") }
    }
}
