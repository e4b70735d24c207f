import Foundation
import Testing
@testable import CaseworkCore

struct AuditChainTests {
    static let start = utcInstant(2026, 11, 22, 9, 0, 0)
    static let actions = ["signIn", "createStaff", "requestAccess", "countersign", "grantAccess", "signOut"]

    /// A realistic trail of `count` events, correctly chained from the genesis hash.
    static func makeChain(_ count: Int = 20) -> [ChainedAuditRecord] {
        var chain: [ChainedAuditRecord] = []
        var previous = AuditChain.genesisHash
        for seq in 1...count {
            let record = AuditRecord(
                seq: seq, id: "evt-\(seq)",
                at: CaseworkTime.iso8601Millis(start.addingTimeInterval(Double(seq) * 61.25)),
                actorStaffId: seq % 7 == 0 ? nil : "2001000\(seq % 5)",
                actorRole: seq % 7 == 0 ? nil : Role.allCases[seq % Role.allCases.count].rawValue,
                action: actions[seq % actions.count], subjectType: "staff", subjectId: "3000000\(seq % 4)",
                outcome: AuditOutcome.allCases[seq % AuditOutcome.allCases.count],
                detail: "event number \(seq)")
            let chained = AuditChain.chain(record, previousHash: previous)
            chain.append(chained)
            previous = chained.hash
        }
        return chain
    }

    static func verify(_ chain: [ChainedAuditRecord], head: ChainedAuditRecord) -> AuditChain.Break? {
        AuditChain.verify(chain, headSeq: head.record.seq, headHash: head.hash)
    }

    /// The fields an intruder might edit in place, and one way to edit each.
    enum Field: String, CaseIterable, CustomTestStringConvertible {
        case detail, actorStaffId, actorRole, outcome, at, action, subjectType, subjectId, id
        var testDescription: String { rawValue }

        func edit(_ record: inout AuditRecord) {
            switch self {
            case .detail: record.detail += "."
            case .actorStaffId: record.actorStaffId = record.actorStaffId == nil ? "90000001" : nil
            case .actorRole: record.actorRole = record.actorRole == "administrator" ? "caseworker" : "administrator"
            case .outcome: record.outcome = record.outcome == .success ? .denied : .success
            case .at: record.at = "2025" + record.at.dropFirst(4) // backdated by a year
            case .action: record.action = "deleteStaff"
            case .subjectType: record.subjectType = "session"
            case .subjectId: record.subjectId = "99999999"
            case .id: record.id = "evt-forged"
            }
        }
    }

    // MARK: Intact chains

    @Test func intactChainOfTwentyEventsVerifies() {
        let chain = Self.makeChain()
        #expect(chain.first?.previousHash == AuditChain.genesisHash)
        #expect(AuditChain.genesisHash == String(repeating: "0", count: 64))
        #expect(Self.verify(chain, head: chain[19]) == nil)
    }

    @Test func eachEventPointsAtTheHashOfTheOneBefore() {
        let chain = Self.makeChain()
        for (earlier, later) in zip(chain, chain.dropFirst()) {
            #expect(later.previousHash == earlier.hash)
        }
        #expect(Set(chain.map(\.hash)).count == chain.count)
    }

    @Test func verifyingInPagesGivesTheSameAnswer() {
        let chain = Self.makeChain()
        var verifier = AuditChain.Verifier()
        for page in stride(from: 0, to: chain.count, by: 7) {
            for event in chain[page..<min(page + 7, chain.count)] {
                #expect(verifier.check(event) == nil)
            }
        }
        #expect(verifier.expectedSeq == 21)
        #expect(verifier.previousHash == chain[19].hash)
        #expect(verifier.finish(headSeq: 20, headHash: chain[19].hash) == nil)
    }

    @Test func emptyTrailWithAnEmptyHeadVerifies() {
        #expect(AuditChain.verify([], headSeq: 0, headHash: AuditChain.genesisHash) == nil)
    }

    // MARK: Tampering

    @Test(arguments: Field.allCases)
    func editingAnyFieldOfAnyEventIsReportedAsEditedAtThatEvent(field: Field) {
        let chain = Self.makeChain()
        for index in chain.indices {
            var tampered = chain
            field.edit(&tampered[index].record)
            #expect(tampered[index].record != chain[index].record)
            #expect(
                Self.verify(tampered, head: chain[19]) == .edited(seq: index + 1, id: tampered[index].record.id),
                "editing \(field.rawValue) of event \(index + 1)")
        }
    }

    @Test func editedEventIsDescribedByNumberAndId() {
        let problem = AuditChain.Break.edited(seq: 7, id: "evt-7")
        #expect(problem.description == "event 7 (evt-7) was edited: its content no longer matches its hash")
    }

    @Test func deletingAMiddleEventBreaksTheLinkAtTheFollowingEvent() {
        let chain = Self.makeChain()
        var tampered = chain
        tampered.remove(at: 9) // event 10
        let problem = Self.verify(tampered, head: chain[19])
        #expect(problem == .brokenLink(seq: 11, id: "evt-11", expectedSeq: 10))
        #expect(problem?.description.contains("expected event 10 here") == true)
    }

    @Test func deletingTheFirstEventIsReported() {
        let chain = Self.makeChain()
        #expect(Self.verify(Array(chain.dropFirst()), head: chain[19]) == .brokenLink(seq: 2, id: "evt-2", expectedSeq: 1))
    }

    @Test func swappingTwoEventsIsReported() {
        let chain = Self.makeChain()
        var tampered = chain
        tampered.swapAt(4, 11) // events 5 and 12
        #expect(Self.verify(tampered, head: chain[19]) == .brokenLink(seq: 12, id: "evt-12", expectedSeq: 5))
    }

    @Test func swappingNeighboursIsReported() {
        let chain = Self.makeChain()
        var tampered = chain
        tampered.swapAt(6, 7) // events 7 and 8
        #expect(Self.verify(tampered, head: chain[19]) == .brokenLink(seq: 8, id: "evt-8", expectedSeq: 7))
    }

    @Test func renumberingAfterADeletionStillBreaksTheLink() {
        // Delete event 10 and renumber the later events so the sequence has no gap.
        let chain = Self.makeChain()
        var tampered = chain
        tampered.remove(at: 9)
        for index in 9..<tampered.count { tampered[index].record.seq -= 1 }
        let problem = Self.verify(tampered, head: chain[19])
        #expect(problem == .brokenLink(seq: 10, id: "evt-11", expectedSeq: 10))
        #expect(problem?.description.contains("does not follow event 9") == true)
    }

    @Test func editingAndRehashingAMiddleEventBreaksTheNextLink() {
        let chain = Self.makeChain()
        var tampered = chain
        tampered[9].record.detail = "nothing to see here"
        tampered[9] = AuditChain.chain(tampered[9].record, previousHash: tampered[9].previousHash)
        #expect(Self.verify(tampered, head: chain[19]) == .brokenLink(seq: 11, id: "evt-11", expectedSeq: 11))
    }

    @Test func deletingTheLastEventIsReportedAsTruncated() {
        let chain = Self.makeChain()
        let problem = Self.verify(Array(chain.dropLast()), head: chain[19])
        #expect(problem == .truncated(lastSeq: 19, expectedLastSeq: 20))
        #expect(problem?.description == "the trail ends at event 19 but 20 events were written: events after 19 were deleted")
    }

    @Test func deletingTheNewestEventsIsReportedAsTruncated() {
        let chain = Self.makeChain()
        #expect(Self.verify(Array(chain.prefix(17)), head: chain[19]) == .truncated(lastSeq: 17, expectedLastSeq: 20))
        #expect(Self.verify([], head: chain[19]) == .truncated(lastSeq: 0, expectedLastSeq: 20))
    }

    @Test func editingAndRehashingTheLastEventIsAHeadMismatch() {
        let chain = Self.makeChain()
        var tampered = chain
        tampered[19].record.outcome = .success
        tampered[19].record.detail = "rewritten"
        tampered[19] = AuditChain.chain(tampered[19].record, previousHash: tampered[19].previousHash)
        let problem = Self.verify(tampered, head: chain[19])
        #expect(problem == .headMismatch(seq: 20, id: "evt-20"))
        #expect(problem?.description.contains("does not match the chain head") == true)
    }

    @Test func eventAppendedOutsideCaseworkIsAHeadMismatch() {
        let chain = Self.makeChain()
        var record = chain[19].record
        record.seq = 21
        record.id = "evt-sneaky"
        let forged = AuditChain.chain(record, previousHash: chain[19].hash)
        #expect(Self.verify(chain + [forged], head: chain[19]) == .headMismatch(seq: 21, id: "evt-sneaky"))
    }

    // MARK: The hash

    static let sample = AuditRecord(
        seq: 1, id: "evt-1", at: "2026-11-22T09:30:00.123Z", actorStaffId: "35220900", actorRole: "toolCaseWorker",
        action: "signIn", subjectType: "staff", subjectId: "35220900", outcome: .success, detail: "Signed in as Case Worker")

    @Test func hashIsTheDocumentedLengthPrefixedSha256() {
        // Worked out independently: SHA-256 of "64:000…0" "1:1" "5:evt-1" "24:2026-11-22T09:30:00.123Z" …; an absent field is "-1:"
        #expect(AuditChain.hash(Self.sample, previousHash: AuditChain.genesisHash)
            == "be89efcdb7711cf06a7f39a8261aa78b962da01f350bcedee28a5079caaebddd")
    }

    @Test func hashOfAnEventWithoutAnActorAndWithUnicodeIsStable() {
        let record = AuditRecord(
            seq: 1, id: "evt-1", at: "2026-11-22T09:30:00.123Z", actorStaffId: nil, actorRole: nil,
            action: "systemStart", subjectType: "system", subjectId: "casework", outcome: .failure, detail: "Zoë — ünïcode")
        #expect(AuditChain.hash(record, previousHash: AuditChain.genesisHash)
            == "d92e5f44fab2a8e7dc295ed52ca66d11ee93e19b855a92369ae6dd10443aa793")
    }

    @Test func hashIsDeterministicLowercaseHex() {
        let first = AuditChain.hash(Self.sample, previousHash: AuditChain.genesisHash)
        let second = AuditChain.hash(Self.sample, previousHash: AuditChain.genesisHash)
        #expect(first == second)
        #expect(first.count == 64)
        #expect(first.allSatisfy { "0123456789abcdef".contains($0) })
    }

    @Test func hashChangesWhenAnySingleFieldChanges() {
        let original = AuditChain.hash(Self.sample, previousHash: AuditChain.genesisHash)
        var variants: [String: String] = [:]
        for field in Field.allCases {
            var record = Self.sample
            field.edit(&record)
            variants[field.rawValue] = AuditChain.hash(record, previousHash: AuditChain.genesisHash)
        }
        var renumbered = Self.sample
        renumbered.seq = 2
        variants["seq"] = AuditChain.hash(renumbered, previousHash: AuditChain.genesisHash)
        variants["previousHash"] = AuditChain.hash(Self.sample, previousHash: String(repeating: "1", count: 64))
        var emptyActor = Self.sample
        emptyActor.actorStaffId = ""
        variants["empty actor"] = AuditChain.hash(emptyActor, previousHash: AuditChain.genesisHash)

        for (name, hash) in variants {
            #expect(hash != original, "changing \(name) left the hash unchanged")
        }
        #expect(Set(variants.values).count == variants.count, "two different edits gave the same hash")
    }

    @Test func lengthPrefixingKeepsAdjacentFieldsApart() {
        var left = Self.sample
        left.action = "ab"
        left.subjectType = "c"
        var right = Self.sample
        right.action = "a"
        right.subjectType = "bc"
        #expect(AuditChain.hash(left, previousHash: AuditChain.genesisHash) != AuditChain.hash(right, previousHash: AuditChain.genesisHash))

        var idLeft = Self.sample
        idLeft.id = "evt-12"
        idLeft.at = "3"
        var idRight = Self.sample
        idRight.id = "evt-1"
        idRight.at = "23"
        #expect(AuditChain.hash(idLeft, previousHash: AuditChain.genesisHash) != AuditChain.hash(idRight, previousHash: AuditChain.genesisHash))

        var actorLeft = Self.sample
        actorLeft.actorStaffId = "123"
        actorLeft.actorRole = "4"
        var actorRight = Self.sample
        actorRight.actorStaffId = "12"
        actorRight.actorRole = "34"
        #expect(AuditChain.hash(actorLeft, previousHash: AuditChain.genesisHash) != AuditChain.hash(actorRight, previousHash: AuditChain.genesisHash))
    }
}
