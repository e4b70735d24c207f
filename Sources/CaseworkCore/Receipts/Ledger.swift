import Foundation

/// How money arrived or left.
public enum PaymentMethod: String, Sendable, Codable, CaseIterable {
    case cheque
    case bankTransfer
    case card
    case cash
    case postalOrder

    public var displayName: String {
        switch self {
        case .cheque: "Cheque"
        case .bankTransfer: "Bank transfer"
        case .card: "Card"
        case .cash: "Cash"
        case .postalOrder: "Postal order"
        }
    }
}

/// Money in (a receipt) or out to the receiving parent (a payment).
public enum EntryKind: String, Sendable, Codable, CaseIterable {
    case receipt
    case payment

    public var displayName: String {
        switch self {
        case .receipt: "Receipt"
        case .payment: "Payment"
        }
    }
}

/// One line of a case's ledger. Entries are never edited or deleted: a mistake is corrected by a reversal,
/// an entry of the same kind with the opposite amount that names the entry it reverses and why.
public struct LedgerEntry: Sendable, Equatable, Identifiable {
    public var id: String
    public var kind: EntryKind
    /// Positive for an original entry, negative for a reversal.
    public var amount: Pence
    /// The day the money moved, `YYYY-MM-DD`.
    public var on: String
    public var method: PaymentMethod
    public var payer: String?
    public var reference: String
    public var reversesId: String?
    public var reason: String?

    public init(id: String, kind: EntryKind, amount: Pence, on: String, method: PaymentMethod, payer: String? = nil, reference: String,
                reversesId: String? = nil, reason: String? = nil) {
        self.id = id
        self.kind = kind
        self.amount = amount
        self.on = on
        self.method = method
        self.payer = payer
        self.reference = reference
        self.reversesId = reversesId
        self.reason = reason
    }

    /// What the entry does to the case's balance.
    public var effect: Pence { kind == .receipt ? amount : -amount }
}

/// A case's entries in the order they were recorded, and the rules any new entry must keep.
public struct Ledger: Sendable, Equatable {
    public private(set) var entries: [LedgerEntry]

    public init(_ entries: [LedgerEntry] = []) { self.entries = entries }

    public var receipts: Pence { entries.filter { $0.kind == .receipt }.reduce(.zero) { $0 + $1.amount } }
    public var payments: Pence { entries.filter { $0.kind == .payment }.reduce(.zero) { $0 + $1.amount } }
    /// What the case holds: receipts less payments, reversals included.
    public var balance: Pence { receipts - payments }

    /// Checks a new receipt or payment; a payment may not take out more than the case holds.
    public func check(_ entry: LedgerEntry) -> DomainError? {
        guard entry.reversesId == nil, entry.amount.value > 0 else {
            return .conflict("A new entry must be a positive amount; use a reversal to correct one")
        }
        if entry.kind == .payment && entry.amount > balance {
            return .conflict("The payment of \(entry.amount) is more than the case holds (\(balance))")
        }
        return nil
    }

    /// The reversal of an entry, or why it cannot be reversed: a reversal itself, one already reversed, or a receipt
    /// whose money has already been paid out (reversing it would leave the case owing).
    public func reversal(of id: String, newId: String, on day: String, reason: String) -> Result<LedgerEntry, DomainError> {
        guard let original = entries.first(where: { $0.id == id }) else {
            return .failure(.notFound("There is no entry \(id) on this case"))
        }
        if original.reversesId != nil { return .failure(.conflict("A reversal cannot itself be reversed: record a new entry instead")) }
        if entries.contains(where: { $0.reversesId == id }) { return .failure(.conflict("This entry has already been reversed")) }
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        if reason.isEmpty { return .failure(.conflict("Give the reason for the reversal")) }
        let reversal = LedgerEntry(id: newId, kind: original.kind, amount: -original.amount, on: day, method: original.method,
                                   payer: original.payer, reference: original.reference, reversesId: id, reason: reason)
        if (balance + reversal.effect).value < 0 {
            return .failure(.conflict("Reversing this receipt would leave the case \(-(balance + reversal.effect)) short: \(payments) has already been paid out"))
        }
        return .success(reversal)
    }

    /// Appends an entry that passed `check` or came from `reversal`.
    public mutating func append(_ entry: LedgerEntry) { entries.append(entry) }

    /// Each entry with the balance after it.
    public var statement: [(entry: LedgerEntry, balance: Pence)] {
        var running = Pence.zero
        return entries.map { entry in
            running = running + entry.effect
            return (entry, running)
        }
    }
}

/// Report figures that must always agree with the entries they summarise.
public enum LedgerReports {
    /// Totals by method and kind over the given entries.
    public static func totalsByMethod(_ entries: [LedgerEntry]) -> [(method: PaymentMethod, receipts: Pence, payments: Pence)] {
        PaymentMethod.allCases.map { method in
            let mine = entries.filter { $0.method == method }
            return (method,
                    mine.filter { $0.kind == .receipt }.reduce(.zero) { $0 + $1.amount },
                    mine.filter { $0.kind == .payment }.reduce(.zero) { $0 + $1.amount })
        }
    }

    /// Receipts and payments on each day from `from` to `to` (`YYYY-MM-DD`, both included), days without entries as
    /// zeros: each day's figures are the ledger's own, so they add up to the period's totals.
    public static func totalsByDay(_ entries: [LedgerEntry], from: String, to: String) -> [(day: String, receipts: Pence, payments: Pence)] {
        guard let first = CaseworkTime.parse(from), let last = CaseworkTime.parse(to), first <= last else { return [] }
        let byDay = Dictionary(grouping: entries, by: \.on)
        return DayPeriod(from: from, to: to).ukDays.map { day in
            let ledger = Ledger(byDay[day] ?? [])
            return (day, ledger.receipts, ledger.payments)
        }
    }
}
