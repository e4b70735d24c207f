import CaseworkCore
import Fluent
import Foundation

/// Reading the audit trail: search and verification. Writing happens only through the write lane.
struct AuditTrail {
    let db: any Database

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
    func search(_ query: Query) async throws -> (events: [AuditEventModel], nextBeforeSeq: Int?) {
        var builder = AuditEventModel.query(on: db)
        if let actor = query.actor { builder = builder.filter(\.$actorStaffId == actor) }
        if let subject = query.subject {
            // A kind of subject ("contact", "grant") or one subject's id: never both, so each reads its own index.
            if AuditTrail.subjectTypes.contains(subject) {
                builder = builder.filter(\.$subjectType == subject)
            } else {
                builder = builder.filter(\.$subjectId == subject)
            }
        }
        if let from = query.from { builder = builder.filter(\.$at >= CaseworkTime.iso8601Millis(from)) }
        if let to = query.to { builder = builder.filter(\.$at < CaseworkTime.iso8601Millis(to)) }
        if let before = query.beforeSeq { builder = builder.filter(\.$seq < before) }
        let rows = try await builder.sort(\.$seq, .descending).limit(query.limit + 1).all()
        let page = Array(rows.prefix(query.limit))
        return (page, rows.count > query.limit ? page.last?.seq : nil)
    }

    /// Walks the whole chain in pages; returns the first break, or nil and the count of events checked.
    func verify(pageSize: Int = 2000) async throws -> (problem: AuditChain.Break?, checked: Int) {
        var verifier = AuditChain.Verifier()
        var checked = 0
        var after = 0
        while true {
            let page = try await AuditEventModel.query(on: db).filter(\.$seq > after).sort(\.$seq, .ascending).limit(pageSize).all()
            for row in page {
                if let problem = verifier.check(row.chained) { return (problem, checked) }
                checked += 1
            }
            guard let last = page.last, page.count == pageSize else { break }
            after = last.seq
        }
        guard let head = try await AuditChainHeadModel.find(1, on: db) else { throw AuditTrailMissing() }
        return (verifier.finish(headSeq: head.lastSeq, headHash: head.lastHash), checked)
    }
}
