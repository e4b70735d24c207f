import Foundation
import Testing
@testable import CaseworkCore

struct LedgerTests {
    static func receipt(_ id: String, _ pence: Int, method: PaymentMethod = .cheque, payer: String? = "Paul Dixon", reference: String? = nil) -> LedgerEntry {
        LedgerEntry(id: id, kind: .receipt, amount: Pence(pence), on: "2026-11-02", method: method, payer: payer, reference: reference ?? "REF-\(id)")
    }

    static func payment(_ id: String, _ pence: Int, method: PaymentMethod = .bankTransfer, reference: String? = nil) -> LedgerEntry {
        LedgerEntry(id: id, kind: .payment, amount: Pence(pence), on: "2026-11-05", method: method, reference: reference ?? "REF-\(id)")
    }

    /// Appends after asserting the ledger allows the entry, so a test never builds a ledger the rules forbid.
    static func record(_ entry: LedgerEntry, in ledger: inout Ledger, sourceLocation: SourceLocation = #_sourceLocation) {
        let refusal = ledger.check(entry)
        #expect(refusal == nil, "\(entry.id) refused: \(refusal?.message ?? "")", sourceLocation: sourceLocation)
        ledger.append(entry)
    }

    static func reverse(_ id: String, newId: String, reason: String = "Keyed in error", in ledger: inout Ledger) throws -> LedgerEntry {
        let reversal = try ledger.reversal(of: id, newId: newId, on: "2026-11-10", reason: reason).get()
        ledger.append(reversal)
        return reversal
    }

    static func isConflict(_ error: DomainError?) -> Bool {
        if case .conflict = error { return true }
        return false
    }

    // MARK: Balance

    @Test func totalsByDayCoverEveryDayAndAddUpToThePeriod() {
        let entries = [Self.receipt("r1", 5_000), Self.receipt("r2", 250), Self.payment("p1", 1_200)]
        let days = LedgerReports.totalsByDay(entries, from: "2026-11-01", to: "2026-11-05")
        #expect(days.map(\.day) == ["2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05"])
        #expect(days[1].receipts == Pence(5_250) && days[1].payments == .zero)
        #expect(days[4].payments == Pence(1_200))
        #expect(days.reduce(Pence.zero) { $0 + $1.receipts } == Ledger(entries).receipts)
        #expect(LedgerReports.totalsByDay(entries, from: "2026-11-05", to: "2026-11-01").isEmpty)
    }

    @Test func anEmptyLedgerHoldsNothing() {
        let ledger = Ledger()
        #expect(ledger.entries.isEmpty)
        #expect(ledger.receipts == .zero)
        #expect(ledger.payments == .zero)
        #expect(ledger.balance == .zero)
        #expect(ledger.statement.isEmpty)
    }

    @Test func balanceIsReceiptsLessPayments() {
        var ledger = Ledger()
        Self.record(Self.receipt("r1", 10_000), in: &ledger)
        Self.record(Self.receipt("r2", 2_550, method: .cash), in: &ledger)
        Self.record(Self.payment("p1", 7_000), in: &ledger)
        Self.record(Self.payment("p2", 1), in: &ledger)
        #expect(ledger.receipts == Pence(12_550))
        #expect(ledger.payments == Pence(7_001))
        #expect(ledger.balance == Pence(5_549))
    }

    @Test func entryEffectIsPositiveForReceiptsAndNegativeForPayments() {
        #expect(Self.receipt("r", 500).effect == Pence(500))
        #expect(Self.payment("p", 500).effect == Pence(-500))
        var reversedReceipt = Self.receipt("r", -500)
        reversedReceipt.reversesId = "x"
        #expect(reversedReceipt.effect == Pence(-500))
        var reversedPayment = Self.payment("p", -500)
        reversedPayment.reversesId = "y"
        #expect(reversedPayment.effect == Pence(500))
    }

    // MARK: New entries

    @Test func aPaymentMoreThanTheBalanceIsRefusedAsAConflictNamingBothAmounts() throws {
        var ledger = Ledger()
        Self.record(Self.receipt("r1", 10_000), in: &ledger)
        let refusal = try #require(ledger.check(Self.payment("p1", 10_001)))
        #expect(Self.isConflict(refusal))
        #expect(refusal.message == "The payment of £100.01 is more than the case holds (£100.00)")
    }

    @Test func aPaymentEqualToTheBalanceIsAllowedAndEmptiesTheCase() {
        var ledger = Ledger()
        Self.record(Self.receipt("r1", 10_000), in: &ledger)
        Self.record(Self.payment("p1", 4_000), in: &ledger)
        #expect(ledger.check(Self.payment("p2", 6_000)) == nil)
        ledger.append(Self.payment("p2", 6_000))
        #expect(ledger.balance == .zero)
        #expect(Self.isConflict(ledger.check(Self.payment("p3", 1))))
    }

    @Test func aPaymentFromAnEmptyCaseIsRefused() {
        #expect(Self.isConflict(Ledger().check(Self.payment("p1", 1))))
    }

    @Test func aReceiptIsAllowedWhateverTheBalance() {
        #expect(Ledger().check(Self.receipt("r1", 1)) == nil)
        #expect(Ledger().check(Self.receipt("r1", Pence.maximumEntry.value)) == nil)
    }

    @Test(arguments: [EntryKind.receipt, .payment])
    func aNewEntryMustBeAPositiveAmount(kind: EntryKind) throws {
        var ledger = Ledger()
        Self.record(Self.receipt("r0", 50_000), in: &ledger)
        for pence in [0, -1, -500] {
            let entry = LedgerEntry(id: "n", kind: kind, amount: Pence(pence), on: "2026-11-02", method: .card, reference: "X")
            let refusal = try #require(ledger.check(entry))
            #expect(Self.isConflict(refusal))
            #expect(refusal.message == "A new entry must be a positive amount; use a reversal to correct one")
        }
    }

    @Test(arguments: [EntryKind.receipt, .payment])
    func aNewEntryMayNotClaimToBeAReversal(kind: EntryKind) {
        var ledger = Ledger()
        Self.record(Self.receipt("r0", 50_000), in: &ledger)
        let entry = LedgerEntry(id: "n", kind: kind, amount: Pence(100), on: "2026-11-02", method: .card, reference: "X", reversesId: "r0", reason: "sneaky")
        #expect(Self.isConflict(ledger.check(entry)))
    }

    @Test func checkingAnEntryDoesNotRecordIt() {
        var ledger = Ledger()
        Self.record(Self.receipt("r1", 1_000), in: &ledger)
        _ = ledger.check(Self.payment("p1", 500))
        #expect(ledger.entries.map(\.id) == ["r1"])
        #expect(ledger.balance == Pence(1_000))
    }

    // MARK: Reversals

    @Test func reversingAReceiptGivesAReceiptWithTheOppositeAmountThatNamesTheOriginalAndWhy() throws {
        var ledger = Ledger()
        Self.record(Self.receipt("r1", 12_345, method: .postalOrder, payer: "Gary Lowe", reference: "PO-771"), in: &ledger)
        let reversal = try ledger.reversal(of: "r1", newId: "r2", on: "2026-11-09", reason: "  Cheque bounced \n").get()
        #expect(reversal.id == "r2")
        #expect(reversal.kind == .receipt)
        #expect(reversal.amount == Pence(-12_345))
        #expect(reversal.on == "2026-11-09")
        #expect(reversal.method == .postalOrder)
        #expect(reversal.payer == "Gary Lowe")
        #expect(reversal.reference == "PO-771")
        #expect(reversal.reversesId == "r1")
        #expect(reversal.reason == "Cheque bounced")
        #expect(reversal.effect == Pence(-12_345))
        #expect(ledger.entries.count == 1, "asking for a reversal does not record it")
        ledger.append(reversal)
        #expect(ledger.balance == .zero)
        #expect(ledger.receipts == .zero)
    }

    @Test func reversingAPaymentGivesAPaymentWithTheOppositeAmountAndPutsTheMoneyBack() throws {
        var ledger = Ledger()
        Self.record(Self.receipt("r1", 20_000), in: &ledger)
        Self.record(Self.payment("p1", 15_000, method: .card, reference: "BACS-0091"), in: &ledger)
        let reversal = try ledger.reversal(of: "p1", newId: "p2", on: "2026-11-12", reason: "Paid to the wrong account").get()
        #expect(reversal.kind == .payment)
        #expect(reversal.amount == Pence(-15_000))
        #expect(reversal.method == .card)
        #expect(reversal.reference == "BACS-0091")
        #expect(reversal.payer == nil)
        #expect(reversal.reversesId == "p1")
        #expect(reversal.reason == "Paid to the wrong account")
        ledger.append(reversal)
        #expect(ledger.payments == .zero)
        #expect(ledger.balance == Pence(20_000))
    }

    @Test func anEntryCannotBeReversedTwice() throws {
        var ledger = Ledger()
        Self.record(Self.receipt("r1", 5_000), in: &ledger)
        _ = try Self.reverse("r1", newId: "r2", in: &ledger)
        let second = ledger.reversal(of: "r1", newId: "r3", on: "2026-11-11", reason: "Again")
        #expect(second == .failure(.conflict("This entry has already been reversed")))
    }

    @Test func aReversalCannotItselfBeReversed() throws {
        var ledger = Ledger()
        Self.record(Self.receipt("r1", 5_000), in: &ledger)
        _ = try Self.reverse("r1", newId: "r2", in: &ledger)
        let result = ledger.reversal(of: "r2", newId: "r3", on: "2026-11-11", reason: "Undo the undo")
        #expect(result == .failure(.conflict("A reversal cannot itself be reversed: record a new entry instead")))
    }

    @Test func reversingAnUnknownEntryIsNotFound() {
        var ledger = Ledger()
        Self.record(Self.receipt("r1", 5_000), in: &ledger)
        let result = ledger.reversal(of: "nope", newId: "r2", on: "2026-11-11", reason: "Wrong case")
        #expect(result == .failure(.notFound("There is no entry nope on this case")))
        #expect(Ledger().reversal(of: "r1", newId: "r2", on: "2026-11-11", reason: "x") == .failure(.notFound("There is no entry r1 on this case")))
    }

    @Test(arguments: ["", "   ", "\n\t "])
    func aReversalNeedsAReason(reason: String) {
        var ledger = Ledger()
        Self.record(Self.receipt("r1", 5_000), in: &ledger)
        #expect(ledger.reversal(of: "r1", newId: "r2", on: "2026-11-11", reason: reason) == .failure(.conflict("Give the reason for the reversal")))
    }

    @Test func reversingAReceiptWhoseMoneyWasPaidOutIsRefusedAndSaysHowShortTheCaseWouldBe() throws {
        var ledger = Ledger()
        Self.record(Self.receipt("r1", 10_000), in: &ledger)
        Self.record(Self.receipt("r2", 3_000), in: &ledger)
        Self.record(Self.payment("p1", 12_000), in: &ledger)
        // Balance is £10.00: reversing r1 (£100.00) would leave the case £90.00 short.
        let result = ledger.reversal(of: "r1", newId: "x", on: "2026-11-11", reason: "Bounced")
        #expect(result == .failure(.conflict("Reversing this receipt would leave the case £90.00 short: £120.00 has already been paid out")))
        // Reversing r2 (£30.00) would also take the case below zero.
        #expect(Self.isConflict(ledger.reversal(of: "r2", newId: "x", on: "2026-11-11", reason: "Bounced").failureValue))
        #expect(ledger.entries.count == 3)
    }

    @Test func reversingAReceiptThatExactlyEmptiesTheCaseIsAllowed() throws {
        var ledger = Ledger()
        Self.record(Self.receipt("r1", 10_000), in: &ledger)
        Self.record(Self.receipt("r2", 3_000), in: &ledger)
        Self.record(Self.payment("p1", 10_000), in: &ledger)
        _ = try Self.reverse("r2", newId: "r3", in: &ledger)
        #expect(ledger.balance == .zero)
    }

    @Test func onceThePaymentIsReversedTheReceiptCanBeReversed() throws {
        var ledger = Ledger()
        Self.record(Self.receipt("r1", 10_000), in: &ledger)
        Self.record(Self.payment("p1", 10_000), in: &ledger)
        #expect(Self.isConflict(ledger.reversal(of: "r1", newId: "r2", on: "2026-11-11", reason: "Bounced").failureValue))
        _ = try Self.reverse("p1", newId: "p2", in: &ledger)
        _ = try Self.reverse("r1", newId: "r2", in: &ledger)
        #expect(ledger.balance == .zero)
        #expect(ledger.receipts == .zero && ledger.payments == .zero)
    }

    @Test func aReceiptAndItsReversalStillShowOnTheLedger() throws {
        var ledger = Ledger()
        Self.record(Self.receipt("r1", 2_000), in: &ledger)
        _ = try Self.reverse("r1", newId: "r2", in: &ledger)
        #expect(ledger.entries.map(\.id) == ["r1", "r2"])
        #expect(ledger.entries[0].amount == Pence(2_000))
        #expect(ledger.entries[0].reversesId == nil)
    }

    // MARK: Statement

    @Test func statementGivesTheRunningBalanceAfterEachEntryInTheOrderRecorded() throws {
        var ledger = Ledger()
        Self.record(Self.receipt("r1", 10_000), in: &ledger)
        Self.record(Self.payment("p1", 2_500), in: &ledger)
        Self.record(Self.receipt("r2", 1_234), in: &ledger)
        _ = try Self.reverse("p1", newId: "p2", in: &ledger)
        Self.record(Self.payment("p3", 11_234), in: &ledger)
        _ = try Self.reverse("p3", newId: "p4", in: &ledger)
        _ = try Self.reverse("r2", newId: "r3", in: &ledger)
        let statement = ledger.statement
        #expect(statement.map(\.entry.id) == ["r1", "p1", "r2", "p2", "p3", "p4", "r3"])
        #expect(statement.map(\.balance.value) == [10_000, 7_500, 8_734, 11_234, 0, 11_234, 10_000])
        #expect(statement.last?.balance == ledger.balance)
        #expect(statement.map(\.entry) == ledger.entries)
    }

    @Test func aLedgerBuiltFromStoredEntriesKeepsTheirOrder() {
        let entries = [Self.receipt("a", 300), Self.payment("b", 100), Self.receipt("c", 50)]
        let ledger = Ledger(entries)
        #expect(ledger.entries == entries)
        #expect(ledger.balance == Pence(250))
        #expect(ledger.statement.map(\.balance.value) == [300, 200, 250])
    }

    // MARK: Methods

    @Test func thereAreFivePaymentMethodsWithNamesPeopleRead() {
        #expect(PaymentMethod.allCases.map(\.rawValue) == ["cheque", "bankTransfer", "card", "cash", "postalOrder"])
        #expect(PaymentMethod.allCases.map(\.displayName) == ["Cheque", "Bank transfer", "Card", "Cash", "Postal order"])
        #expect(EntryKind.allCases.map(\.rawValue) == ["receipt", "payment"])
    }

    @Test func totalsByMethodListsEveryMethodOnceInOrderEvenWithNoEntries() {
        let totals = LedgerReports.totalsByMethod([])
        #expect(totals.map(\.method) == PaymentMethod.allCases)
        #expect(totals.allSatisfy { $0.receipts == .zero && $0.payments == .zero })
    }

    @Test func totalsByMethodSplitsReceiptsAndPaymentsByMethodIncludingReversals() throws {
        var ledger = Ledger()
        Self.record(Self.receipt("r1", 10_000, method: .cheque), in: &ledger)
        Self.record(Self.receipt("r2", 4_000, method: .cash), in: &ledger)
        Self.record(Self.receipt("r3", 1_500, method: .cheque), in: &ledger)
        Self.record(Self.payment("p1", 6_000, method: .bankTransfer), in: &ledger)
        Self.record(Self.payment("p2", 500, method: .cash), in: &ledger)
        _ = try Self.reverse("r3", newId: "r4", in: &ledger)
        let totals = Dictionary(uniqueKeysWithValues: LedgerReports.totalsByMethod(ledger.entries).map { ($0.method, ($0.receipts, $0.payments)) })
        #expect(totals[.cheque]?.0 == Pence(10_000) && totals[.cheque]?.1 == .zero)
        #expect(totals[.cash]?.0 == Pence(4_000) && totals[.cash]?.1 == Pence(500))
        #expect(totals[.bankTransfer]?.0 == .zero && totals[.bankTransfer]?.1 == Pence(6_000))
        #expect(totals[.card]?.0 == .zero && totals[.card]?.1 == .zero)
        #expect(totals[.postalOrder]?.0 == .zero && totals[.postalOrder]?.1 == .zero)
    }
}

extension Result {
    /// The failure, or nil on success: lets a test ask "was it refused, and how" in one expression.
    var failureValue: Failure? {
        if case .failure(let failure) = self { return failure }
        return nil
    }
}
