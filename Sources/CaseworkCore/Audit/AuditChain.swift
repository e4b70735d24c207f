import Crypto
import Foundation

/// One audit event's content: what the hash covers.
public struct AuditRecord: Sendable, Equatable, Codable {
    /// Position in the chain, starting at 1 with no gaps.
    public var seq: Int
    public var id: String
    /// UTC instant, as `CaseworkTime.iso8601Millis`: stored as text so it hashes identically on every database.
    public var at: String
    public var actorStaffId: String?
    public var actorRole: String?
    public var action: String
    public var subjectType: String
    public var subjectId: String
    public var outcome: AuditOutcome
    public var detail: String

    public init(
        seq: Int, id: String, at: String, actorStaffId: String?, actorRole: String?, action: String,
        subjectType: String, subjectId: String, outcome: AuditOutcome, detail: String
    ) {
        self.seq = seq
        self.id = id
        self.at = at
        self.actorStaffId = actorStaffId
        self.actorRole = actorRole
        self.action = action
        self.subjectType = subjectType
        self.subjectId = subjectId
        self.outcome = outcome
        self.detail = detail
    }
}

/// Whether the audited action happened or was refused.
public enum AuditOutcome: String, Sendable, Codable, CaseIterable {
    case success
    case denied
    case failure
}

/// A stored event: its content, the hash of the event before it, and its own hash.
public struct ChainedAuditRecord: Sendable, Equatable {
    public var record: AuditRecord
    public var previousHash: String
    public var hash: String

    public init(record: AuditRecord, previousHash: String, hash: String) {
        self.record = record
        self.previousHash = previousHash
        self.hash = hash
    }
}

/// The hash chain that makes the audit trail tamper-evident.
public enum AuditChain {
    /// The previous hash of the first event.
    public static let genesisHash = String(repeating: "0", count: 64)

    /// SHA-256 over the previous hash and every field, each length-prefixed (an absent one as `-1:`) so no two contents collide.
    public static func hash(_ record: AuditRecord, previousHash: String) -> String {
        let fields: [String?] = [
            previousHash, String(record.seq), record.id, record.at, record.actorStaffId,
            record.actorRole, record.action, record.subjectType, record.subjectId,
            record.outcome.rawValue, record.detail,
        ]
        var hasher = SHA256()
        for field in fields {
            guard let field else {
                // An absent field has no length: "-1:" can never be the prefix of a present one.
                hasher.update(data: Array("-1:".utf8))
                continue
            }
            let bytes = Array(field.utf8)
            hasher.update(data: Array("\(bytes.count):".utf8))
            hasher.update(data: bytes)
        }
        return Hex.encode(hasher.finalize())
    }

    /// Chains a new record onto the previous hash.
    public static func chain(_ record: AuditRecord, previousHash: String) -> ChainedAuditRecord {
        ChainedAuditRecord(record: record, previousHash: previousHash, hash: hash(record, previousHash: previousHash))
    }

    /// The first thing wrong with a stored chain.
    public enum Break: Sendable, Equatable, CustomStringConvertible {
        /// The event's content no longer matches its hash.
        case edited(seq: Int, id: String)
        /// The event does not follow the one before it: one was deleted, inserted or reordered before it.
        case brokenLink(seq: Int, id: String, expectedSeq: Int)
        /// The chain ends before the head says it should: the newest events were deleted.
        case truncated(lastSeq: Int, expectedLastSeq: Int)
        /// The last event does not match the chain head: it was edited and rehashed, or added outside Casework.
        case headMismatch(seq: Int, id: String)

        public var description: String {
            switch self {
            case .edited(let seq, let id):
                "event \(seq) (\(id)) was edited: its content no longer matches its hash"
            case .brokenLink(let seq, let id, let expectedSeq):
                expectedSeq == seq
                    ? "event \(seq) (\(id)) does not follow event \(seq - 1): the event before it was edited, deleted or reordered"
                    : "event \(seq) (\(id)) is out of place: expected event \(expectedSeq) here, so events were deleted or reordered"
            case .truncated(let lastSeq, let expectedLastSeq):
                "the trail ends at event \(lastSeq) but \(expectedLastSeq) events were written: events after \(lastSeq) were deleted"
            case .headMismatch(let seq, let id):
                "event \(seq) (\(id)) does not match the chain head: it was edited and rehashed, or added outside Casework"
            }
        }
    }

    /// Walks the chain incrementally, so a long trail can be verified in pages.
    public struct Verifier: Sendable {
        public private(set) var expectedSeq = 1
        public private(set) var previousHash = AuditChain.genesisHash
        private var lastId = ""

        public init() {}

        /// Checks the next stored event, in `seq` order.
        public mutating func check(_ event: ChainedAuditRecord) -> Break? {
            let record = event.record
            if record.seq != expectedSeq || event.previousHash != previousHash {
                return .brokenLink(seq: record.seq, id: record.id, expectedSeq: expectedSeq)
            }
            if AuditChain.hash(record, previousHash: previousHash) != event.hash {
                return .edited(seq: record.seq, id: record.id)
            }
            previousHash = event.hash
            lastId = record.id
            expectedSeq += 1
            return nil
        }

        /// Checks that the chain ends where the head says it does.
        public func finish(headSeq: Int, headHash: String) -> Break? {
            let lastSeq = expectedSeq - 1
            if lastSeq < headSeq {
                return .truncated(lastSeq: lastSeq, expectedLastSeq: headSeq)
            }
            if lastSeq > 0 && (lastSeq > headSeq || headHash != previousHash) {
                return .headMismatch(seq: lastSeq, id: lastId)
            }
            return nil
        }
    }

    /// Verifies a whole chain in memory.
    public static func verify(_ events: [ChainedAuditRecord], headSeq: Int, headHash: String) -> Break? {
        var verifier = Verifier()
        for event in events {
            if let problem = verifier.check(event) { return problem }
        }
        return verifier.finish(headSeq: headSeq, headHash: headHash)
    }
}
