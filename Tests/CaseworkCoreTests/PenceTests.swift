import Foundation
import Testing
@testable import CaseworkCore

struct PenceTests {
    static let formatMessage = "Enter the amount in pounds and pence, like 125.50"
    static let positiveMessage = "The amount must be more than £0.00"
    static let maximumMessage = "The amount must be no more than £1,000,000.00"

    static func parseFailure(_ text: String, field: String = "amountPence", sourceLocation: SourceLocation = #_sourceLocation) -> ValidationFailure? {
        validationFailure(sourceLocation: sourceLocation) { _ = try Pence.parsePounds(text, field: field) }
    }

    // MARK: Showing amounts

    @Test(arguments: [
        (0, "£0.00"), (5, "£0.05"), (50, "£0.50"), (100, "£1.00"), (99_999, "£999.99"), (100_000, "£1,000.00"),
        (123_456, "£1,234.56"), (12_345_678, "£123,456.78"), (100_000_000, "£1,000,000.00"), (123_456_789_012, "£1,234,567,890.12"),
        (-1_000, "-£10.00"), (-5, "-£0.05"), (-123_456, "-£1,234.56"),
    ])
    func descriptionShowsPoundsWithThousandsSeparatorsAndTwoDigitsOfPence(value: Int, expected: String) {
        #expect(Pence(value).description == expected)
        #expect("\(Pence(value))" == expected)
    }

    @Test(arguments: [
        (0, "0.00"), (5, "0.05"), (1_250, "12.50"), (123_456, "1234.56"), (100_000_000, "1000000.00"), (-1_000, "-10.00"), (-5, "-0.05"),
    ])
    func plainHasNoPoundSignOrSeparatorsSoSpreadsheetsReadANumber(value: Int, expected: String) {
        #expect(Pence(value).plain == expected)
    }

    @Test func plainReadsBackAsTheSameAmount() throws {
        var generator = SeededGenerator(seed: 0x9E1CE)
        for _ in 0..<500 {
            let value = Int.random(in: 1...Pence.maximumEntry.value, using: &generator)
            #expect(try Pence.parsePounds(Pence(value).plain, field: "amount") == Pence(value))
            #expect(try Pence.parsePounds(Pence(value).description, field: "amount") == Pence(value))
        }
    }

    // MARK: Arithmetic

    @Test func arithmeticAndOrderingWorkInWholePence() {
        #expect(Pence(1_250) + Pence(75) == Pence(1_325))
        #expect(Pence(1_250) - Pence(1_300) == Pence(-50))
        #expect(-Pence(40) == Pence(-40))
        #expect(Pence(99) < Pence(100))
        #expect(!(Pence(100) < Pence(100)))
        #expect(Pence.zero == Pence(0))
        #expect(Pence.maximumEntry == Pence(100_000_000))
    }

    // MARK: Reading pounds typed on a form

    @Test(arguments: [
        ("12", 1_200), ("12.5", 1_250), ("12.50", 1_250), ("12.05", 1_205), ("0.01", 1), ("0.5", 50), ("£1,234.56", 123_456),
        ("1234.56", 123_456), ("£12", 1_200), ("  12.50  ", 1_250), ("007.10", 710), ("1,000,000", 100_000_000), ("£1,000,000.00", 100_000_000),
    ])
    func parsePoundsAcceptsWhatPeopleType(text: String, pence: Int) throws {
        #expect(try Pence.parsePounds(text, field: "amountPence") == Pence(pence))
    }

    @Test(arguments: ["12.345", "abc", "-5", "", "   ", "£", "12.", ".50", "12.5.0", "1e3", "12 .50", "12p", "£-5", "+5", "٣", "１２", "9999999999"])
    func parsePoundsRefusesTextThatIsNotAnAmountAndSaysWhatToType(text: String) throws {
        let failure = try #require(Self.parseFailure(text))
        #expect(failure.fields.map(\.name) == ["amountPence"])
        #expect(failure["amountPence"] == Self.formatMessage)
    }

    @Test(arguments: ["0", "0.00", "£0", "0.0", "000"])
    func parsePoundsRefusesNothingAndSaysTheAmountMustBeMore(text: String) throws {
        let failure = try #require(Self.parseFailure(text))
        #expect(failure.fields.map(\.name) == ["amountPence"])
        #expect(failure["amountPence"] == Self.positiveMessage)
    }

    @Test(arguments: ["1000000.01", "£1,000,001", "2000000", "999999999.99"])
    func parsePoundsRefusesMoreThanTheMaximumAndNamesIt(text: String) throws {
        let failure = try #require(Self.parseFailure(text))
        #expect(failure.fields.map(\.name) == ["amountPence"])
        #expect(failure["amountPence"] == Self.maximumMessage)
    }

    @Test func parsePoundsReportsAgainstTheFieldItIsGiven() throws {
        let failure = try #require(Self.parseFailure("abc", field: "paymentAmount"))
        #expect(failure.fields.map(\.name) == ["paymentAmount"])
        #expect(failure["amountPence"] == nil)
    }

    // MARK: Entry bounds

    @Test(arguments: [1, 2, 1_250, 99_999_999, 100_000_000])
    func checkEntryAcceptsFromOnePennyToTheMaximum(value: Int) throws {
        #expect(try Pence.checkEntry(Pence(value), field: "amountPence") == Pence(value))
    }

    @Test(arguments: [0, -1, -1_000, Int.min + 1])
    func checkEntryRefusesNothingOrLess(value: Int) throws {
        let failure = try #require(validationFailure { _ = try Pence.checkEntry(Pence(value), field: "amount") })
        #expect(failure.fields.map(\.name) == ["amount"])
        #expect(failure["amount"] == Self.positiveMessage)
    }

    @Test(arguments: [100_000_001, 100_000_100, Int.max])
    func checkEntryRefusesMoreThanTheMaximum(value: Int) throws {
        let failure = try #require(validationFailure { _ = try Pence.checkEntry(Pence(value), field: "amount") })
        #expect(failure.fields.map(\.name) == ["amount"])
        #expect(failure["amount"] == Self.maximumMessage)
    }
}
