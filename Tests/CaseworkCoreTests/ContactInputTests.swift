import Foundation
import Testing
@testable import CaseworkCore

struct ContactInputTests {
    /// A fixed "today", so date-of-birth limits never drift.
    static let today = utcInstant(2026, 11, 22, 12)
    static let identifierMessage = "Enter at least one identifier: a National Insurance number, SCIN or child reference number"
    static let scinMessage = "SCIN must be 6 to 12 letters or digits"
    static let crnMessage = "Child reference number must be 6 to 12 letters or digits"
    static let realDateMessage = "Date of birth must be a real date, like 27 March 1984"

    static func failure(_ input: ContactInput, sourceLocation: SourceLocation = #_sourceLocation) -> ValidationFailure? {
        validationFailure(sourceLocation: sourceLocation) { _ = try input.validated(today: Self.today) }
    }

    @Test func validInputIsTrimmedAndIdentifiersUpperCased() throws {
        let input = ContactInput(
            name: "  Karen Holloway \n", nino: " ab 12 34 56 c ", scin: " scin4471 ", crn: " crn900112 ",
            dateOfBirth: " 1981-06-14 ", address: "\n 14 Larch Close, Gateshead NE8 1AA  ")
        let valid = try input.validated(today: Self.today)
        #expect(valid.name == "Karen Holloway")
        #expect(valid.nino == NINO("AB123456C"))
        #expect(valid.nino?.value == "AB123456C")
        #expect(valid.scin == "SCIN4471")
        #expect(valid.crn == "CRN900112")
        #expect(valid.dateOfBirth == "1981-06-14")
        #expect(valid.address == "14 Larch Close, Gateshead NE8 1AA")
    }

    @Test func blankOptionalFieldsBecomeAbsent() throws {
        let valid = try ContactInput(name: "Stuart Reid", scin: "scin5520", dateOfBirth: "  ", address: "   ")
            .validated(today: Self.today)
        #expect(valid.nino == nil)
        #expect(valid.scin == "SCIN5520")
        #expect(valid.crn == nil)
        #expect(valid.dateOfBirth == nil)
        #expect(valid.address == "")
    }

    @Test func everyFieldErrorIsReportedAtOnce() throws {
        let input = ContactInput(
            name: "   ", nino: "QQ 12 34 56 C", scin: "AB1", crn: "CRN-12345", dateOfBirth: "2026-02-30",
            address: String(repeating: "x", count: 301))
        let failure = try #require(Self.failure(input))
        #expect(failure.fields.map(\.name) == ["name", "nino", "scin", "crn", "dateOfBirth", "address"])
        #expect(failure["name"] == "Enter the client's name")
        #expect(failure["nino"] == "QQ is not a prefix HMRC issues: check the National Insurance number")
        #expect(failure["scin"] == Self.scinMessage)
        #expect(failure["crn"] == Self.crnMessage)
        #expect(failure["dateOfBirth"] == Self.realDateMessage)
        #expect(failure["address"] == "Address must be 300 characters or fewer")
    }

    @Test func aContactNeedsAtLeastOneIdentifier() throws {
        let failure = try #require(Self.failure(ContactInput(name: "Anita Patel", nino: "  ", scin: " ", crn: "\t")))
        #expect(failure.fields.map(\.name) == ["nino"])
        #expect(failure["nino"] == Self.identifierMessage)
    }

    @Test func anInvalidIdentifierIsReportedAsItselfNotAsMissing() throws {
        let failure = try #require(Self.failure(ContactInput(name: "Anita Patel", nino: "AB123456E")))
        #expect(failure.fields.map(\.name) == ["nino"])
        #expect(failure["nino"] == "National Insurance number must end with A, B, C or D")
    }

    @Test func anyOneIdentifierIsEnough() throws {
        let byNINO = try ContactInput(name: "A", nino: "CE246810B").validated(today: Self.today)
        #expect(byNINO.nino == NINO("CE246810B") && byNINO.scin == nil && byNINO.crn == nil)
        let bySCIN = try ContactInput(name: "A", scin: "SCIN6610").validated(today: Self.today)
        #expect(bySCIN.nino == nil && bySCIN.scin == "SCIN6610" && bySCIN.crn == nil)
        let byCRN = try ContactInput(name: "A", crn: "CRN900245").validated(today: Self.today)
        #expect(byCRN.nino == nil && byCRN.scin == nil && byCRN.crn == "CRN900245")
    }

    @Test(arguments: ["12345", "1234567890123", "SCIN 4471", "SCIN-4471", "SCİN4471", "SCIN_4471", "ＳＣＩＮ４４７１"])
    func badReferenceNumbersAreRefused(text: String) throws {
        let scin = try #require(Self.failure(ContactInput(name: "A", nino: "AB123456C", scin: text)))
        #expect(scin.fields.map(\.name) == ["scin"])
        #expect(scin["scin"] == Self.scinMessage)
        let crn = try #require(Self.failure(ContactInput(name: "A", nino: "AB123456C", crn: text)))
        #expect(crn.fields.map(\.name) == ["crn"])
        #expect(crn["crn"] == Self.crnMessage)
    }

    @Test(arguments: ["123456", "abcdef", "AbC123dEf456", " scin01 "])
    func referenceNumbersOfSixToTwelveLettersOrDigitsAreAccepted(text: String) throws {
        let valid = try ContactInput(name: "A", scin: text, crn: text).validated(today: Self.today)
        let expected = text.trimmingCharacters(in: .whitespaces).uppercased()
        #expect(valid.scin == expected)
        #expect(valid.crn == expected)
    }

    @Test(arguments: ["2026-11-22", "2026-11-21", "2024-02-29", "1981-06-14", "1897-01-01"])
    func aRealPastDateWithin130YearsIsAccepted(text: String) throws {
        let valid = try ContactInput(name: "A", nino: "AB123456C", dateOfBirth: text).validated(today: Self.today)
        #expect(valid.dateOfBirth == text)
    }

    @Test(arguments: ["2026-11-23", "2027-01-01", "2100-06-30"])
    func aFutureDateOfBirthIsRefused(text: String) throws {
        let failure = try #require(Self.failure(ContactInput(name: "A", nino: "AB123456C", dateOfBirth: text)))
        #expect(failure.fields.map(\.name) == ["dateOfBirth"])
        #expect(failure["dateOfBirth"] == "Date of birth must be in the past")
    }

    @Test(arguments: ["1896-06-01", "1850-01-01", "1800-12-31"])
    func aDateOfBirthMoreThan130YearsAgoIsRefused(text: String) throws {
        let failure = try #require(Self.failure(ContactInput(name: "A", nino: "AB123456C", dateOfBirth: text)))
        #expect(failure.fields.map(\.name) == ["dateOfBirth"])
        #expect(failure["dateOfBirth"] == "Date of birth must be within the last 130 years")
    }

    @Test(arguments: [
        "2023-02-29", "2026-02-30", "1980-13-01", "1980-00-10", "1980-1-1", "22/11/1980", "1980-01-01T00:00:00Z",
        "yesterday", "1980-01-01x",
    ])
    func aDateOfBirthThatIsNotARealDateIsRefused(text: String) throws {
        let failure = try #require(Self.failure(ContactInput(name: "A", nino: "AB123456C", dateOfBirth: text)))
        #expect(failure.fields.map(\.name) == ["dateOfBirth"])
        #expect(failure["dateOfBirth"] == Self.realDateMessage)
    }

    @Test func theDateLimitsMoveWithToday() throws {
        let input = ContactInput(name: "A", nino: "AB123456C", dateOfBirth: "2030-01-01")
        #expect(Self.failure(input) != nil)
        #expect(try input.validated(today: utcInstant(2030, 1, 2)).dateOfBirth == "2030-01-01")
    }

    @Test func nameLimits() throws {
        #expect(try ContactInput(name: String(repeating: "n", count: 100), scin: "SCIN4471").validated(today: Self.today).name.count == 100)
        let long = try #require(Self.failure(ContactInput(name: String(repeating: "n", count: 101), scin: "SCIN4471")))
        #expect(long["name"] == "Name must be 100 characters or fewer")
        let twoLines = try #require(Self.failure(ContactInput(name: "Karen\nHolloway", scin: "SCIN4471")))
        #expect(twoLines["name"] == "Name must be on one line")
    }

    @Test func addressOfExactly300CharactersIsAccepted() throws {
        let address = String(repeating: "a", count: 300)
        #expect(try ContactInput(name: "A", scin: "SCIN4471", address: address).validated(today: Self.today).address == address)
    }
}
