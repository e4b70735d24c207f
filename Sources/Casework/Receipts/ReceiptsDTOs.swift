import CaseworkCore
import Vapor

/// One row of the Maintain Users screen: one per profile (a user with no profile yet has one row without a role).
struct ToolUserRowDTO: Content {
    let staffId: String
    let name: String
    let phone: String
    let email: String
    let role: String?
    let roleName: String?
}

struct ExceptionalCaseDTO: Content {
    let id: String
    let reference: String
    let type: ExceptionalCaseType
    let incidentReference: String?
    let receivingParent: String
    let payingParent: String
    let status: ExceptionalCaseStatus
    let notes: String
    let balancePence: Int
    let createdAt: String

    init(_ record: ExceptionalCaseModel, balance: Pence) {
        id = record.id!.text
        reference = record.reference
        type = record.type
        incidentReference = record.incidentReference
        receivingParent = record.receivingParent
        payingParent = record.payingParent
        status = record.status
        notes = record.notes
        balancePence = balance.value
        createdAt = CaseworkTime.iso8601(record.createdAt)
    }
}

struct LedgerEntryDTO: Content {
    let id: String
    let kind: EntryKind
    let amountPence: Int
    let amount: String
    let on: String
    let method: PaymentMethod
    let methodName: String
    let payer: String?
    let reference: String
    let reversesEntryId: String?
    let reason: String?
    let reversed: Bool
    let balancePence: Int?
    let balance: String?

    init(_ entry: LedgerEntry, reversed: Bool, balance: Pence?) {
        id = entry.id
        kind = entry.kind
        amountPence = entry.amount.value
        amount = entry.amount.description
        on = entry.on
        method = entry.method
        methodName = entry.method.displayName
        payer = entry.payer
        reference = entry.reference
        reversesEntryId = entry.reversesId
        reason = entry.reason
        self.reversed = reversed
        balancePence = balance?.value
        self.balance = balance?.description
    }
}

/// A case statement: every entry with its running balance, the receipts and payments, and the totals.
struct StatementDTO: Content {
    let caseId: String
    let reference: String
    let entries: [LedgerEntryDTO]
    let receipts: [LedgerEntryDTO]
    let payments: [LedgerEntryDTO]
    let receiptsPence: Int
    let paymentsPence: Int
    let balancePence: Int
}

/// Receipts and payments over a period, with totals that are the sums of the lines.
struct PeriodReportDTO: Content {
    struct Line: Content {
        let caseReference: String
        let entryId: String
        let kind: EntryKind
        let on: String
        let method: PaymentMethod
        let reference: String
        let amountPence: Int
        let reversesEntryId: String?
    }
    /// One day of the period: what was received and paid that day.
    struct Day: Content {
        let day: String
        let receiptsPence: Int
        let paymentsPence: Int
    }
    let from: String
    let to: String
    let items: [Line]
    let receiptsPence: Int
    let paymentsPence: Int
    /// Every day of the period, oldest first (the reports page draws them).
    var days: [Day] = []
}

struct BalanceReportDTO: Content {
    struct Line: Content {
        let caseId: String
        let caseReference: String
        let receiptsPence: Int
        let paymentsPence: Int
        let balancePence: Int
    }
    let items: [Line]
    let totalPence: Int
}

struct MethodReportDTO: Content {
    struct Line: Content {
        let method: String
        let methodName: String
        let receiptsPence: Int
        let paymentsPence: Int
    }
    let from: String
    let to: String
    let items: [Line]
    let receiptsPence: Int
    let paymentsPence: Int
}
