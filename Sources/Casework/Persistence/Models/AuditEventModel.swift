import CaseworkCore
import Fluent
import Foundation
import SQLKit

/// One stored audit event. The app only ever creates these: nothing updates or deletes them.
final class AuditEventModel: Model, @unchecked Sendable {
    static let schema = "audit_events"

    @ID(key: .id) var id: UUID?
    @Field(key: "seq") var seq: Int
    @Field(key: "at") var at: String
    @OptionalField(key: "actor_staff_id") var actorStaffId: String?
    @OptionalField(key: "actor_role") var actorRole: String?
    @Field(key: "action") var action: String
    @Field(key: "subject_type") var subjectType: String
    @Field(key: "subject_id") var subjectId: String
    @Field(key: "outcome") var outcome: String
    @Field(key: "detail") var detail: String
    @Field(key: "prev_hash") var previousHash: String
    @Field(key: "hash") var hash: String

    init() {}

    init(_ chained: ChainedAuditRecord) {
        let record = chained.record
        id = UUID(uuidString: record.id)
        seq = record.seq
        at = record.at
        actorStaffId = record.actorStaffId
        actorRole = record.actorRole
        action = record.action
        subjectType = record.subjectType
        subjectId = record.subjectId
        outcome = record.outcome.rawValue
        detail = record.detail
        previousHash = chained.previousHash
        hash = chained.hash
    }

    /// A row read through `StoredAuditEvent`, the one column reader (pages of the trail, home pages and evidence read
    /// that struct itself); `PointReadTests` compares what it reads with Fluent's decoding.
    convenience init(row: any SQLRow) throws {
        self.init(try StoredAuditEvent(row: row))
    }

    convenience init(_ stored: StoredAuditEvent) {
        self.init()
        id = stored.id
        $id.exists = true
        seq = stored.seq
        at = stored.at
        actorStaffId = stored.actorStaffId
        actorRole = stored.actorRole
        action = stored.action
        subjectType = stored.subjectType
        subjectId = stored.subjectId
        outcome = stored.outcome
        detail = stored.detail
        previousHash = stored.previousHash
        hash = stored.hash
    }

    /// The domain view, for verification. An outcome text the domain does not know reads as edited.
    var chained: ChainedAuditRecord {
        ChainedAuditRecord(
            record: AuditRecord(
                seq: seq, id: id?.text ?? "", at: at, actorStaffId: actorStaffId, actorRole: actorRole,
                action: action, subjectType: subjectType, subjectId: subjectId,
                outcome: AuditOutcome(rawValue: outcome) ?? .failure, detail: detail),
            previousHash: previousHash,
            hash: AuditOutcome(rawValue: outcome) == nil ? "" : hash)
    }
}

/// The chain's head: the last sequence number and hash written. One row, id 1.
final class AuditChainHeadModel: Model, @unchecked Sendable {
    static let schema = "audit_chain_head"

    @ID(custom: "id", generatedBy: .user) var id: Int?
    @Field(key: "last_seq") var lastSeq: Int
    @Field(key: "last_hash") var lastHash: String

    init() {}

    init(lastSeq: Int, lastHash: String) {
        id = 1
        self.lastSeq = lastSeq
        self.lastHash = lastHash
    }
}

/// Chained audit events written as rows: the one multi-row insert the write lane and the scale seeder share.
enum AuditEventRows {
    static let columns = ["id", "seq", "at", "actor_staff_id", "actor_role", "action", "subject_type", "subject_id",
                          "outcome", "detail", "prev_hash", "hash"]

    /// Inserts the events in order, `perStatement` to an insert (keep it within the database's limit on binds:
    /// 12 a row).
    static func insert(_ events: some Collection<ChainedAuditRecord>, perStatement: Int, on sql: any SQLDatabase) async throws {
        let rows: [[any Encodable & Sendable]] = try events.map { event in
            let r = event.record
            return [try UUID.stored(r.id, what: "audit event id"), r.seq, r.at, r.actorStaffId, r.actorRole, r.action, r.subjectType, r.subjectId,
                    r.outcome.rawValue, r.detail, event.previousHash, event.hash]
        }
        try await MultiRowInsert(table: AuditEventModel.schema, columns: columns).run(rows, perStatement: perStatement, on: sql)
    }
}

/// A row of `audit_events` as plain values, for reading pages of the trail, a home page's activity and a request's
/// evidence: every property of a Fluent model is an object of its own whose every use asks the runtime for generic
/// metadata (a fifth of the audit trail API's time in its profile).
struct StoredAuditEvent: Sendable {
    let id: UUID
    let seq: Int
    let at: String
    let actorStaffId: String?
    let actorRole: String?
    let action: String
    let subjectType: String
    let subjectId: String
    /// As stored: an outcome the domain does not know must still read (the verifier reports it), not fail the read.
    let outcome: String
    let detail: String
    let previousHash: String
    let hash: String

    init(row: any SQLRow) throws {
        id = try row.decode(column: "id", as: UUID.self)
        seq = try row.decode(column: "seq", as: Int.self)
        at = try row.decode(column: "at", as: String.self)
        actorStaffId = try row.decode(column: "actor_staff_id", as: String?.self)
        actorRole = try row.decode(column: "actor_role", as: String?.self)
        action = try row.decode(column: "action", as: String.self)
        subjectType = try row.decode(column: "subject_type", as: String.self)
        subjectId = try row.decode(column: "subject_id", as: String.self)
        outcome = try row.decode(column: "outcome", as: String.self)
        detail = try row.decode(column: "detail", as: String.self)
        previousHash = try row.decode(column: "prev_hash", as: String.self)
        hash = try row.decode(column: "hash", as: String.self)
    }
}

/// Lists of audit events one page shows, read in one statement: on PostgreSQL each statement is a round trip
/// (100–150 µs of the server's time and some 50 µs of PostgreSQL's), and an SCR manager's or an administrator's home
/// asks two lists, as does the evidence of a request. Each list is a whole `SELECT * FROM audit_events ...` with its
/// own order and limit, run as it would be alone (a subquery of a `UNION ALL`, so each keeps its own index and stops
/// at its own limit). A row says which list it came from, and each list is put back in its own order here: SQL
/// promises no order for a union's rows.
enum AuditEventLists {
    struct List: Sendable {
        let query: SQLQueryString
        /// The list's order, as its query's `ORDER BY` has it.
        let inOrder: @Sendable (StoredAuditEvent, StoredAuditEvent) -> Bool
    }

    /// Newest first, by sequence.
    static let newestFirst: @Sendable (StoredAuditEvent, StoredAuditEvent) -> Bool = { $0.seq > $1.seq }
    /// Oldest first, by sequence.
    static let oldestFirst: @Sendable (StoredAuditEvent, StoredAuditEvent) -> Bool = { $0.seq < $1.seq }

    /// Each list's events, in the order of `lists`.
    static func read(_ lists: [List], on point: PointReads) async throws -> [[StoredAuditEvent]] {
        var union: SQLQueryString = ""
        for (index, list) in lists.enumerated() {
            if index > 0 { union = union + " UNION ALL " }
            union = union + "SELECT \(literal: index) AS list_index, e.* FROM (" + list.query + ") e"
        }
        var found = Array(repeating: [StoredAuditEvent](), count: lists.count)
        for row in try await point.all(union) {
            found[try row.decode(column: "list_index", as: Int.self)].append(try StoredAuditEvent(row: row))
        }
        return zip(found, lists).map { events, list in events.sorted(by: list.inOrder) }
    }
}
