import Foundation
import Testing
@testable import CaseworkCore

/// Random sequences of receipts, payments and reversals, each applied only when the ledger allows it,
/// checked after every step against figures the test works out for itself.
struct LedgerPropertyTests {
    static let reasons = ["Keyed in error", "  Cheque bounced  ", "Paid to the wrong account\n", "", "   ", "\n\t"]
    static let days = ["2026-10-01", "2026-10-15", "2026-11-02", "2026-11-20"]

    /// How often each outcome happened over a run, so the test can show it explored every path.
    struct Tally {
        var receipts = 0
        var payments = 0
        var paymentsRefusedAsTooLarge = 0
        var paymentsOfTheWholeBalance = 0
        var reversals = 0
        var reversalsOfPayments = 0
        var refusedNotFound = 0
        var refusedReversalOfReversal = 0
        var refusedAlreadyReversed = 0
        var refusedNoReason = 0
        var refusedWouldLeaveShort = 0
    }

    /// The test's own sums, from nothing but the entries' kinds and amounts.
    static func independentBalance(_ entries: [LedgerEntry]) -> Int {
        var receipts = 0
        var payments = 0
        for entry in entries {
            switch entry.kind {
            case .receipt: receipts += entry.amount.value
            case .payment: payments += entry.amount.value
            }
        }
        return receipts - payments
    }

    static func checkInvariants(_ ledger: Ledger, modelBalance: Int, step: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let independent = independentBalance(ledger.entries)
        #expect(ledger.balance.value == independent, "\(step): balance \(ledger.balance) vs entries \(independent)", sourceLocation: sourceLocation)
        #expect(ledger.balance.value == modelBalance, "\(step): balance \(ledger.balance) vs model \(modelBalance)", sourceLocation: sourceLocation)
        #expect(ledger.receipts - ledger.payments == ledger.balance, sourceLocation: sourceLocation)
        #expect(ledger.balance.value >= 0, "\(step): balance went below zero: \(ledger.balance)", sourceLocation: sourceLocation)

        var reversedCount: [String: Int] = [:]
        var seen: [String: LedgerEntry] = [:]
        for entry in ledger.entries {
            if let target = entry.reversesId {
                reversedCount[target, default: 0] += 1
                // A reversal names an earlier original entry and exactly undoes it.
                let original = seen[target]
                #expect(original != nil, "\(step): \(entry.id) reverses \(target), which is not earlier on the ledger", sourceLocation: sourceLocation)
                #expect(original?.reversesId == nil, "\(step): \(entry.id) reverses a reversal", sourceLocation: sourceLocation)
                #expect(original.map { $0.kind == entry.kind && $0.amount == -entry.amount } ?? false, sourceLocation: sourceLocation)
                #expect(entry.reason.map { !$0.isEmpty && $0 == $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? false,
                        sourceLocation: sourceLocation)
            } else {
                #expect(entry.amount.value > 0, "\(step): original entry \(entry.id) is not positive", sourceLocation: sourceLocation)
            }
            seen[entry.id] = entry
        }
        #expect(reversedCount.values.allSatisfy { $0 == 1 }, "\(step): an entry was reversed more than once: \(reversedCount)",
                sourceLocation: sourceLocation)

        let statement = ledger.statement
        #expect(statement.count == ledger.entries.count, sourceLocation: sourceLocation)
        #expect((statement.last?.balance ?? .zero) == ledger.balance, "\(step): statement ends at \(statement.last?.balance ?? .zero)",
                sourceLocation: sourceLocation)
        // Entries are only ever appended, so every running balance was once the case's balance, and none is below zero.
        #expect(statement.allSatisfy { $0.balance.value >= 0 }, sourceLocation: sourceLocation)
        var running = 0
        for line in statement {
            running += line.entry.kind == .receipt ? line.entry.amount.value : -line.entry.amount.value
            if line.balance.value != running {
                Issue.record("\(step): statement line \(line.entry.id) shows \(line.balance), expected \(running)", sourceLocation: sourceLocation)
                break
            }
        }
    }

    /// Runs one random sequence, checking every step; returns the final ledger.
    static func runSequence(seed: UInt64, maxOperations: Int, tally: inout Tally) -> Ledger {
        var generator = SeededGenerator(seed: seed)
        var ledger = Ledger()
        var modelBalance = 0
        var reversed: Set<String> = []
        var nextId = 0
        func newId() -> String {
            nextId += 1
            return "e\(nextId)"
        }
        let operations = Int.random(in: 1...maxOperations, using: &generator)
        for index in 0..<operations {
            let step = "seed \(seed) step \(index)"
            let method = PaymentMethod.allCases.randomElement(using: &generator)!
            let day = days.randomElement(using: &generator)!
            switch Int.random(in: 0..<10, using: &generator) {
            case 0...3:
                let pence = Int.random(in: 0..<20, using: &generator) == 0
                    ? Int.random(in: 1...Pence.maximumEntry.value, using: &generator)
                    : Int.random(in: 1...50_000, using: &generator)
                let entry = LedgerEntry(id: newId(), kind: .receipt, amount: Pence(pence), on: day, method: method,
                                        payer: Bool.random(using: &generator) ? "Paul Dixon" : nil, reference: "R\(index)")
                let refusal = ledger.check(entry)
                #expect(refusal == nil, "\(step): receipt of \(entry.amount) refused: \(refusal?.message ?? "")")
                if refusal == nil {
                    ledger.append(entry)
                    modelBalance += pence
                    tally.receipts += 1
                }
            case 4...6:
                let balanceBefore = ledger.balance.value
                let pence: Int
                switch Int.random(in: 0..<4, using: &generator) {
                case 0 where balanceBefore > 0: pence = balanceBefore
                case 1 where balanceBefore > 0: pence = Int.random(in: 1...balanceBefore, using: &generator)
                case 2: pence = balanceBefore + Int.random(in: 1...10_000, using: &generator)
                default: pence = Int.random(in: 1...60_000, using: &generator)
                }
                let entry = LedgerEntry(id: newId(), kind: .payment, amount: Pence(pence), on: day, method: method, reference: "P\(index)")
                let refusal = ledger.check(entry)
                if pence > balanceBefore {
                    // Refused, and for the right reason: it really was more than the case held.
                    #expect(refusal == .conflict("The payment of \(Pence(pence)) is more than the case holds (\(Pence(balanceBefore)))"),
                            "\(step): payment of \(Pence(pence)) against \(Pence(balanceBefore)) gave \(String(describing: refusal))")
                    tally.paymentsRefusedAsTooLarge += 1
                } else {
                    #expect(refusal == nil, "\(step): payment of \(Pence(pence)) refused with \(Pence(balanceBefore)) held: \(refusal?.message ?? "")")
                }
                if refusal == nil {
                    ledger.append(entry)
                    modelBalance -= pence
                    tally.payments += 1
                    if pence == balanceBefore { tally.paymentsOfTheWholeBalance += 1 }
                }
            default:
                let targetId: String
                if ledger.entries.isEmpty || Int.random(in: 0..<8, using: &generator) == 0 {
                    targetId = "missing\(index)"
                } else {
                    targetId = ledger.entries.randomElement(using: &generator)!.id
                }
                let reason = reasons.randomElement(using: &generator)!
                let reversalId = newId()
                let result = ledger.reversal(of: targetId, newId: reversalId, on: day, reason: reason)

                // What the rules say should happen, worked out from the test's own records, in the order the rules are given.
                let original = ledger.entries.first { $0.id == targetId }
                let trimmedReason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
                let expected: DomainError?
                if original == nil {
                    expected = .notFound("There is no entry \(targetId) on this case")
                    tally.refusedNotFound += 1
                } else if original!.reversesId != nil {
                    expected = .conflict("A reversal cannot itself be reversed: record a new entry instead")
                    tally.refusedReversalOfReversal += 1
                } else if reversed.contains(targetId) {
                    expected = .conflict("This entry has already been reversed")
                    tally.refusedAlreadyReversed += 1
                } else if trimmedReason.isEmpty {
                    expected = .conflict("Give the reason for the reversal")
                    tally.refusedNoReason += 1
                } else if original!.kind == .receipt && modelBalance - original!.amount.value < 0 {
                    expected = .conflict("Reversing this receipt would leave the case \(Pence(original!.amount.value - modelBalance)) short: "
                                         + "\(ledger.payments) has already been paid out")
                    tally.refusedWouldLeaveShort += 1
                } else {
                    expected = nil
                }

                switch (result, expected) {
                case (.success(let reversal), nil):
                    let original = original!
                    #expect(reversal.id == reversalId && reversal.kind == original.kind && reversal.amount == -original.amount, "\(step)")
                    #expect(reversal.method == original.method && reversal.reference == original.reference && reversal.payer == original.payer, "\(step)")
                    #expect(reversal.on == day && reversal.reversesId == targetId && reversal.reason == trimmedReason, "\(step)")
                    ledger.append(reversal)
                    reversed.insert(targetId)
                    modelBalance += original.kind == .receipt ? -original.amount.value : original.amount.value
                    tally.reversals += 1
                    if original.kind == .payment { tally.reversalsOfPayments += 1 }
                case (.failure(let error), let expected?):
                    #expect(error == expected, "\(step): reversing \(targetId)")
                case (.success, let expected?):
                    Issue.record("\(step): reversing \(targetId) was allowed but should be refused: \(expected.message)")
                case (.failure(let error), nil):
                    Issue.record("\(step): reversing \(targetId) was refused but should be allowed: \(error.message)")
                }
            }
            checkInvariants(ledger, modelBalance: modelBalance, step: step)
        }
        return ledger
    }

    @Test func fiveHundredRandomSequencesKeepTheLedgerConsistentAndRefuseForTheRightReasons() {
        var tally = Tally()
        for sequence in 0..<500 {
            _ = Self.runSequence(seed: 0x1ED6E5 &+ UInt64(sequence), maxOperations: 40, tally: &tally)
        }
        // The run must have explored every path, or it proves little.
        #expect(tally.receipts > 1_000)
        #expect(tally.payments > 500)
        #expect(tally.paymentsOfTheWholeBalance > 50)
        #expect(tally.paymentsRefusedAsTooLarge > 100)
        #expect(tally.reversals > 100)
        #expect(tally.reversalsOfPayments > 20)
        #expect(tally.refusedNotFound > 20)
        #expect(tally.refusedReversalOfReversal > 20)
        #expect(tally.refusedAlreadyReversed > 20)
        #expect(tally.refusedNoReason > 20)
        #expect(tally.refusedWouldLeaveShort > 20)
    }

    @Test func totalsByMethodReconcileToTheLedgerToThePenny() {
        var tally = Tally()
        var nonEmpty = 0
        for sequence in 0..<300 {
            let ledger = Self.runSequence(seed: 0x707A15 &+ UInt64(sequence), maxOperations: 40, tally: &tally)
            let totals = LedgerReports.totalsByMethod(ledger.entries)
            #expect(totals.map(\.method) == PaymentMethod.allCases)
            #expect(totals.reduce(Pence.zero) { $0 + $1.receipts } == ledger.receipts, "seed \(sequence)")
            #expect(totals.reduce(Pence.zero) { $0 + $1.payments } == ledger.payments, "seed \(sequence)")
            for line in totals {
                var receipts = 0
                var payments = 0
                for entry in ledger.entries where entry.method == line.method {
                    if entry.kind == .receipt { receipts += entry.amount.value } else { payments += entry.amount.value }
                }
                #expect(line.receipts.value == receipts && line.payments.value == payments, "seed \(sequence) \(line.method)")
            }
            if totals.filter({ $0.receipts != .zero || $0.payments != .zero }).count >= 3 { nonEmpty += 1 }
        }
        #expect(nonEmpty > 100, "most random ledgers should use several methods")
    }

    @Test func totalsByMethodReconcileForAnyEntriesEvenOnesNoLedgerWouldAllow() {
        var generator = SeededGenerator(seed: 0xA11E17)
        for round in 0..<300 {
            let entries = (0..<Int.random(in: 0...30, using: &generator)).map { index in
                LedgerEntry(id: "x\(index)", kind: EntryKind.allCases.randomElement(using: &generator)!,
                            amount: Pence(Int.random(in: -100_000...100_000, using: &generator)), on: "2026-11-01",
                            method: PaymentMethod.allCases.randomElement(using: &generator)!, reference: "X")
            }
            let ledger = Ledger(entries)
            let totals = LedgerReports.totalsByMethod(entries)
            #expect(totals.reduce(Pence.zero) { $0 + $1.receipts } == ledger.receipts, "round \(round)")
            #expect(totals.reduce(Pence.zero) { $0 + $1.payments } == ledger.payments, "round \(round)")
            #expect(totals.reduce(Pence.zero) { $0 + $1.receipts - $1.payments } == ledger.balance, "round \(round)")
        }
    }
}
