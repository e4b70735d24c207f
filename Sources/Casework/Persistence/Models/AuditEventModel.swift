import CaseworkCore
import Fluent
import Foundation

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

    /// The domain view, for verification. An outcome text the domain does not know reads as edited.
    var chained: ChainedAuditRecord {
        ChainedAuditRecord(
            record: AuditRecord(
                seq: seq, id: id?.uuidString ?? "", at: at, actorStaffId: actorStaffId, actorRole: actorRole,
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
