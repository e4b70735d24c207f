import Foundation
import Testing
@testable import CaseworkCore

struct EntryInputTests {
    /// A fixed "today", so "not in the future" never drifts.
    static let today = utcInstant(2026, 11, 22, 12)
    /// Each names its own field ("Date received", "Date paid"), as GOV.UK's date input asks.
    static func dateMessage(_ kind: EntryKind) -> String { "\(dateName(kind)) must be a real date, like 22 November 2026" }
    static func futureMessage(_ kind: EntryKind) -> String { "\(dateName(kind)) must be today or in the past" }
    static func dateName(_ kind: EntryKind) -> String { kind == .receipt ? "Date received" : "Date paid" }
    static let methodMessage = "Choose the method: cheque, bankTransfer, card, cash, postalOrder"

    static func failure(_ input: EntryInput, kind: EntryKind = .receipt, sourceLocation: SourceLocation = #_sourceLocation) -> ValidationFailure? {
        validationFailure(sourceLocation: sourceLocation) { _ = try input.validated(kind: kind, today: Self.today, id: "e1") }
    }

    static func dateField(_ kind: EntryKind) -> String { kind == .receipt ? "receivedOn" : "paidOn" }

    // MARK: A valid entry

    @Test func aValidReceiptBecomesALedgerEntryWithEveryFieldTrimmed() throws {
        let input = EntryInput(amountPence: 12_550, on: " 2026-11-20 ", method: " cheque ", payer: "  Paul Dixon ", reference: "  CHQ-004411 ")
        let entry = try input.validated(kind: .receipt, today: Self.today, id: "entry-7")
        #expect(entry == LedgerEntry(id: "entry-7", kind: .receipt, amount: Pence(12_550), on: "2026-11-20", method: .cheque,
                                     payer: "Paul Dixon", reference: "CHQ-004411"))
        #expect(entry.reversesId == nil && entry.reason == nil)
    }

    @Test func aValidPaymentBecomesALedgerEntryOfKindPayment() throws {
        let entry = try EntryInput(amountPence: 500, on: "2026-01-31", method: "bankTransfer", reference: "BACS-1").validated(kind: .payment, today: Self.today, id: "p9")
        #expect(entry == LedgerEntry(id: "p9", kind: .payment, amount: Pence(500), on: "2026-01-31", method: .bankTransfer, reference: "BACS-1"))
    }

    // MARK: Amount

    @Test(arguments: [("12", 1_200), ("12.5", 1_250), ("£1,234.56", 123_456), ("0.01", 1)])
    func theAmountMayBeGivenInPounds(pounds: String, pence: Int) throws {
        let entry = try EntryInput(amountPounds: pounds, on: "2026-11-22", method: "cash", reference: "R").validated(kind: .receipt, today: Self.today, id: "e")
        #expect(entry.amount == Pence(pence))
    }

    @Test func theAmountMayBeGivenInPence() throws {
        let entry = try EntryInput(amountPence: 1, on: "2026-11-22", method: "cash", reference: "R").validated(kind: .receipt, today: Self.today, id: "e")
        #expect(entry.amount == Pence(1))
        let largest = try EntryInput(amountPence: 100_000_000, on: "2026-11-22", method: "cash", reference: "R").validated(kind: .payment, today: Self.today, id: "e")
        #expect(largest.amount == Pence.maximumEntry)
    }

    @Test func anAmountIsRequired() throws {
        let failure = try #require(Self.failure(EntryInput(on: "2026-11-22", method: "card", reference: "R")))
        #expect(failure.fields.map(\.name) == ["amountPence"])
        #expect(failure["amountPence"] == "Enter the amount")
    }

    @Test(arguments: [
        (0, "The amount must be more than £0.00"), (-250, "The amount must be more than £0.00"),
        (100_000_001, "The amount must be no more than £1,000,000.00"),
    ])
    func anAmountInPenceOutsideTheBoundsIsRefused(pence: Int, message: String) throws {
        let failure = try #require(Self.failure(EntryInput(amountPence: pence, on: "2026-11-22", method: "card", reference: "R")))
        #expect(failure.fields.map(\.name) == ["amountPence"])
        #expect(failure["amountPence"] == message)
    }

    @Test(arguments: [
        ("12.345", "Enter the amount in pounds and pence, like 125.50"), ("abc", "Enter the amount in pounds and pence, like 125.50"),
        ("-5", "Enter the amount in pounds and pence, like 125.50"), ("0.00", "The amount must be more than £0.00"),
        ("1000000.01", "The amount must be no more than £1,000,000.00"),
    ])
    func aBadAmountInPoundsIsReportedAgainstTheAmountField(pounds: String, message: String) throws {
        let failure = try #require(Self.failure(EntryInput(amountPounds: pounds, on: "2026-11-22", method: "card", reference: "R")))
        #expect(failure.fields.map(\.name) == ["amountPence"])
        #expect(failure["amountPence"] == message)
    }

    // MARK: Date

    @Test(arguments: EntryKind.allCases)
    func todayAndEarlierDaysAreAccepted(kind: EntryKind) throws {
        for day in ["2026-11-22", "2026-11-21", "2024-02-29", "2000-01-01"] {
            let entry = try EntryInput(amountPence: 100, on: day, method: "card", reference: "R").validated(kind: kind, today: Self.today, id: "e")
            #expect(entry.on == day)
        }
    }

    @Test(arguments: EntryKind.allCases)
    func aDayAfterTodayIsRefusedUnderTheKindsOwnFieldName(kind: EntryKind) throws {
        for day in ["2026-11-23", "2027-01-01"] {
            let failure = try #require(Self.failure(EntryInput(amountPence: 100, on: day, method: "card", reference: "R"), kind: kind))
            #expect(failure.fields.map(\.name) == [Self.dateField(kind)])
            #expect(failure[Self.dateField(kind)] == Self.futureMessage(kind))
        }
    }

    @Test func theDayAfterTodayIsFutureEvenJustBeforeMidnight() throws {
        let lateToday = utcInstant(2026, 11, 22, 23, 59, 59)
        #expect(throws: ValidationFailure.self) {
            try EntryInput(amountPence: 100, on: "2026-11-23", method: "card", reference: "R").validated(kind: .receipt, today: lateToday, id: "e")
        }
        #expect(try EntryInput(amountPence: 100, on: "2026-11-22", method: "card", reference: "R").validated(kind: .receipt, today: lateToday, id: "e").on == "2026-11-22")
    }

    @Test(arguments: ["", "  ", "22/11/2026", "2026-11-22T09:30:00Z", "2026-11-22T09:30:00.000Z", "2026-02-30", "2026-13-01", "2026-1-5",
                      "20261122", "2026-11-22x", "2026/11/22", "26-11-22", "yesterday", "２０２６-11-22"])
    func aDateThatIsNotARealYearMonthDayIsRefused(day: String) throws {
        for kind in EntryKind.allCases {
            let failure = try #require(Self.failure(EntryInput(amountPence: 100, on: day, method: "card", reference: "R"), kind: kind))
            #expect(failure.fields.map(\.name) == [Self.dateField(kind)])
            #expect(failure[Self.dateField(kind)] == Self.dateMessage(kind))
        }
    }

    // MARK: Method

    @Test(arguments: PaymentMethod.allCases)
    func eachOfTheFiveMethodsIsAccepted(method: PaymentMethod) throws {
        let entry = try EntryInput(amountPence: 100, on: "2026-11-22", method: " \(method.rawValue) ", reference: "R")
            .validated(kind: .receipt, today: Self.today, id: "e")
        #expect(entry.method == method)
    }

    @Test(arguments: ["", "  ", "Cheque", "bank transfer", "Bank transfer", "paypal", "directDebit", "CASH"])
    func anyOtherMethodIsRefusedAndTheChoicesListed(method: String) throws {
        let failure = try #require(Self.failure(EntryInput(amountPence: 100, on: "2026-11-22", method: method, reference: "R")))
        #expect(failure.fields.map(\.name) == ["method"])
        #expect(failure["method"] == Self.methodMessage)
    }

    // MARK: Reference and payer

    @Test(arguments: ["", "   "])
    func aReferenceIsRequired(reference: String) throws {
        let failure = try #require(Self.failure(EntryInput(amountPence: 100, on: "2026-11-22", method: "cash", reference: reference), kind: .payment))
        #expect(failure.fields.map(\.name) == ["reference"])
        #expect(failure["reference"] == "Enter the reference")
    }

    @Test func aReferenceMayBeSixtyCharactersButNotSixtyOne() throws {
        let sixty = String(repeating: "R", count: 60)
        let entry = try EntryInput(amountPence: 100, on: "2026-11-22", method: "cash", reference: "  \(sixty) ").validated(kind: .receipt, today: Self.today, id: "e")
        #expect(entry.reference == sixty)
        let failure = try #require(Self.failure(EntryInput(amountPence: 100, on: "2026-11-22", method: "cash", reference: sixty + "R")))
        #expect(failure.fields.map(\.name) == ["reference"])
        #expect(failure["reference"] == "Reference must be 60 characters or fewer")
    }

    @Test func aPayerIsKeptOnlyForReceipts() throws {
        let input = EntryInput(amountPence: 100, on: "2026-11-22", method: "cheque", payer: " Paul Dixon ", reference: "R")
        #expect(try input.validated(kind: .receipt, today: Self.today, id: "e").payer == "Paul Dixon")
        #expect(try input.validated(kind: .payment, today: Self.today, id: "e").payer == nil)
    }

    @Test func aBlankPayerIsAbsent() throws {
        let input = EntryInput(amountPence: 100, on: "2026-11-22", method: "cheque", payer: "   ", reference: "R")
        #expect(try input.validated(kind: .receipt, today: Self.today, id: "e").payer == nil)
    }

    @Test func aReceiptsPayerMayBeAHundredCharactersButNotAHundredAndOne() throws {
        let hundred = String(repeating: "p", count: 100)
        let entry = try EntryInput(amountPence: 100, on: "2026-11-22", method: "cheque", payer: hundred, reference: "R").validated(kind: .receipt, today: Self.today, id: "e")
        #expect(entry.payer == hundred)
        let failure = try #require(Self.failure(EntryInput(amountPence: 100, on: "2026-11-22", method: "cheque", payer: hundred + "p", reference: "R")))
        #expect(failure.fields.map(\.name) == ["payer"])
        #expect(failure["payer"] == "Payer must be 100 characters or fewer")
    }

    // MARK: Every error at once

    @Test(arguments: EntryKind.allCases)
    func everyProblemIsReportedAtOnceUnderTheAPIsFieldNames(kind: EntryKind) throws {
        // A payment has no payer, so only a receipt can have a payer problem.
        let payer = kind == .receipt ? String(repeating: "p", count: 101) : ""
        let input = EntryInput(amountPounds: "12.345", on: "2026-11-31", method: "paypal", payer: payer, reference: "  ")
        let failure = try #require(Self.failure(input, kind: kind))
        #expect(failure.fields.map(\.name) == ["amountPence", Self.dateField(kind), "method", "reference"] + (kind == .receipt ? ["payer"] : []))
        #expect(failure["amountPence"] == "Enter the amount in pounds and pence, like 125.50")
        #expect(failure[Self.dateField(kind)] == Self.dateMessage(kind))
        #expect(failure["method"] == Self.methodMessage)
        #expect(failure["reference"] == "Enter the reference")
        #expect(failure[kind == .receipt ? "paidOn" : "receivedOn"] == nil)
    }

    @Test func aMissingAmountAndAFutureDateAreReportedTogether() throws {
        let failure = try #require(Self.failure(EntryInput(on: "2026-12-25", method: "card", reference: "R"), kind: .payment))
        #expect(failure.fields.map(\.name) == ["amountPence", "paidOn"])
        #expect(failure["amountPence"] == "Enter the amount")
        #expect(failure["paidOn"] == Self.futureMessage(.payment))
    }
}
