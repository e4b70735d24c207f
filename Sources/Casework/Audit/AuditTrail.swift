import CaseworkCore
import Crypto
import Fluent
import Foundation
import SQLKit

/// Reading the audit trail: search and verification. Writing happens only through the write lane.
struct AuditTrail {
    let db: any Database
    /// Set for the search outside the write lane: a search for one person or one subject is then read in place (see
    /// `PointReads`).
    var readers: SQLiteReaders? = nil

    /// What to look for; every part optional.
    struct Query: Sendable {
        var actor: String?
        var subject: String?
        var from: Date?
        var to: Date?
        var limit: Int
        /// Events older than this sequence number (newest first paging).
        var beforeSeq: Int?
    }

    /// The kinds of subject events are about, as `AuditEntry` names them.
    static let subjectTypes: Set<String> = ["accessRequest", "case", "contact", "exceptionalCase", "grant", "outboxMessage", "serviceRequest", "staff"]

    /// Newest first.
    func search(_ query: Query) async throws -> (events: [StoredAuditEvent], nextBeforeSeq: Int?) {
        var conditions: [SQLQueryString] = []
        if let actor = query.actor { conditions.append("actor_staff_id = \(bind: actor)") }
        if let subject = query.subject {
            // A kind of subject ("contact", "grant") or one subject's id: never both, so each reads its own index.
            conditions.append(AuditTrail.subjectTypes.contains(subject) ? "subject_type = \(bind: subject)" : "subject_id = \(bind: subject)")
        }
        if let from = query.from { conditions.append("at >= \(bind: CaseworkTime.iso8601Millis(from))") }
        if let to = query.to { conditions.append("at < \(bind: CaseworkTime.iso8601Millis(to))") }
        if let before = query.beforeSeq { conditions.append("seq < \(bind: before)") }
        var sql: SQLQueryString = "SELECT * FROM audit_events"
        for (index, condition) in conditions.enumerated() { sql = sql + (index == 0 ? " WHERE " : " AND ") + condition }
        sql = sql + " ORDER BY seq DESC LIMIT \(bind: query.limit + 1)"
        // Read without Fluent's model decoding: a page of the trail is fifty events of twelve columns. One person's or
        // one subject's events are a walk of their own index, newest first, so bounded by what they did or had done
        // to them: read in place. A search of the whole trail by time alone may walk far, so it waits for the pool.
        let bounded = query.actor != nil || query.subject != nil
        let rows = try await PointReads(db: db, readers: bounded ? readers : nil).all(sql).map(StoredAuditEvent.init(row:))
        let page = Array(rows.prefix(query.limit))
        return (page, rows.count > query.limit ? page.last?.seq : nil)
    }

    /// Walks the whole chain in pages; returns the first break, or nil and the count of events checked.
    func verify(pageSize: Int = 2000) async throws -> (problem: AuditChain.Break?, checked: Int) {
        let walk = try await walk(pageSize: pageSize, keepingHashesAt: [])
        return (walk.problem, walk.checked)
    }

    /// What a walk of the chain found: its first break, how many events held, and the hashes asked for.
    struct Walk {
        var problem: AuditChain.Break?
        var checked: Int
        var hashes: [Int: String]
    }

    /// Walks the chain, keeping the hash of each event in `keepingHashesAt` (the checkpoints' events) on the way.
    func walk(pageSize: Int = 2000, keepingHashesAt seqs: Set<Int>) async throws -> Walk {
        var verifier = AuditChain.Verifier()
        var walk = Walk(problem: nil, checked: 0, hashes: [:])
        var after = 0
        while true {
            let page = try await AuditEventModel.query(on: db).filter(\.$seq > after).sort(\.$seq, .ascending).limit(pageSize).all()
            for row in page {
                if let problem = verifier.check(row.chained) {
                    walk.problem = problem
                    return walk
                }
                if seqs.contains(row.seq) { walk.hashes[row.seq] = row.hash }
                walk.checked += 1
            }
            guard let last = page.last, page.count == pageSize else { break }
            after = last.seq
        }
        guard let head = try await AuditChainHeadModel.find(1, on: db) else { throw AuditTrailMissing() }
        walk.problem = verifier.finish(headSeq: head.lastSeq, headHash: head.lastHash)
        return walk
    }

    /// The chain and its signed checkpoints (those in the database and, when given, the anchor file): the first
    /// problem, described for a person, or nil; and the counts checked.
    func verify(anchors: [AuditCheckpoint], key: Curve25519.Signing.PublicKey) async throws -> (problem: String?, events: Int, checkpoints: Int) {
        let all = anchors.map { ($0, AuditAnchors.Source.anchorFile) } + (try await AuditCheckpointer.stored(on: db)).map { ($0, AuditAnchors.Source.database) }
        let walk = try await walk(keepingHashesAt: Set(all.map(\.0.seq)))
        // An edited or reordered event is the chain's own finding, and the more precise. A cut tail is the anchors'
        // (they name the missing range, and see it even when the head was reset to hide it), as are forged
        // checkpoints and a rewritten chain.
        if let problem = walk.problem, !Self.isTruncation(problem) { return (problem.description, walk.checked, all.count) }
        if let problem = AuditAnchors.check(all, key: key, lastSeq: walk.checked, hashes: walk.hashes) {
            return (problem.description, walk.checked, all.count)
        }
        return (walk.problem?.description, walk.checked, all.count)
    }

    private static func isTruncation(_ problem: AuditChain.Break) -> Bool {
        if case .truncated = problem { return true }
        return false
    }
}
