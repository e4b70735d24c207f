import CaseworkCore
import Fluent
import Foundation

/// A user of the receipts and payments tool: the directory person plus the phone number typed in the tool.
/// Their profiles are their tool roles in the staff directory.
final class ToolUserModel: Model, @unchecked Sendable {
    static let schema = "tool_users"

    @ID(custom: "staff_id", generatedBy: .user) var id: String?
    @Field(key: "phone") var phone: String
    @Field(key: "created_at") var createdAt: Date

    init() {}

    init(staffId: String, phone: String, now: Date) {
        id = staffId
        self.phone = phone
        createdAt = now
    }
}

/// An exceptional case handled off the main system.
final class ExceptionalCaseModel: Model, @unchecked Sendable {
    static let schema = "exceptional_cases"

    @ID(key: .id) var id: UUID?
    @Field(key: "reference") var reference: String
    @Field(key: "type") var type: ExceptionalCaseType
    @OptionalField(key: "incident_reference") var incidentReference: String?
    @Field(key: "receiving_parent") var receivingParent: String
    @Field(key: "paying_parent") var payingParent: String
    @Field(key: "status") var status: ExceptionalCaseStatus
    @Field(key: "notes") var notes: String
    @Field(key: "created_by") var createdBy: String
    @Field(key: "created_at") var createdAt: Date

    init() {}

    init(_ valid: ExceptionalCaseInput.Valid, reference: String, by staffId: String, now: Date) {
        id = UUID()
        self.reference = reference
        type = valid.type
        incidentReference = valid.incidentReference
        receivingParent = valid.receivingParent
        payingParent = valid.payingParent
        status = .open
        notes = valid.notes
        createdBy = staffId
        createdAt = now
    }
}

/// One ledger line; never updated or deleted.
final class LedgerEntryModel: Model, @unchecked Sendable {
    static let schema = "ledger_entries"

    @ID(key: .id) var id: UUID?
    @Parent(key: "case_id") var exceptionalCase: ExceptionalCaseModel
    @Field(key: "seq") var seq: Int
    @Field(key: "kind") var kind: EntryKind
    @Field(key: "amount_pence") var amountPence: Int
    @Field(key: "on_date") var onDate: String
    @Field(key: "method") var method: PaymentMethod
    @OptionalField(key: "payer") var payer: String?
    @Field(key: "reference") var reference: String
    @OptionalField(key: "reverses_entry_id") var reversesEntryId: UUID?
    @OptionalField(key: "reason") var reason: String?
    @OptionalField(key: "idempotency_key") var idempotencyKey: String?
    @Field(key: "created_by") var createdBy: String
    @Field(key: "created_at") var createdAt: Date

    init() {}

    init(_ entry: LedgerEntry, caseId: UUID, seq: Int, idempotencyKey: String?, by staffId: String, now: Date) {
        id = UUID(uuidString: entry.id)
        $exceptionalCase.id = caseId
        self.seq = seq
        kind = entry.kind
        amountPence = entry.amount.value
        onDate = entry.on
        method = entry.method
        payer = entry.payer
        reference = entry.reference
        reversesEntryId = entry.reversesId.flatMap(UUID.init(uuidString:))
        reason = entry.reason
        self.idempotencyKey = idempotencyKey
        createdBy = staffId
        createdAt = now
    }

    /// The domain view.
    var entry: LedgerEntry {
        LedgerEntry(id: id!.text, kind: kind, amount: Pence(amountPence), on: onDate,
                    method: method, payer: payer, reference: reference,
                    reversesId: reversesEntryId?.text, reason: reason)
    }
}
