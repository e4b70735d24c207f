import Foundation
import Testing
@testable import CaseworkCore

struct StaffIDTests {
    @Test(arguments: ["1", "7", "42", "35220900", "123456789", "000000000"])
    func oneToNineDigitsAreAccepted(text: String) throws {
        let id = try #require(StaffID(text))
        #expect(id.value == text)
        #expect(try StaffID.parse(text) == id)
    }

    @Test func staffIdKeepsLeadingZeros() throws {
        let id = try StaffID.parse("000123")
        #expect(id.value == "000123")
        #expect(id.description == "000123")
        #expect(id != StaffID("123"))
    }

    @Test func surroundingSpacesAreTrimmed() throws {
        #expect(try StaffID.parse("  0042 ").value == "0042")
    }

    @Test(arguments: ["", "   "])
    func emptyStaffIdAsksForOne(text: String) throws {
        let failure = try #require(validationFailure { _ = try StaffID.parse(text) })
        #expect(failure["staffId"] == "Enter a staff ID")
        #expect(StaffID(text) == nil)
    }

    @Test func tenDigitStaffIdIsRefused() throws {
        #expect(StaffID("1234567890") == nil)
        let failure = try #require(validationFailure { _ = try StaffID.parse("1234567890") })
        #expect(failure["staffId"] == "Staff ID must be 1 to 9 digits, like 35220900")
    }

    @Test(arguments: ["12a4", "abc", "12 34", "1-234", "+123", "12.5", "١٢٣", "１２３", "12\n"])
    func nonDigitStaffIdIsRefusedWithTheFormatMessage(text: String) throws {
        #expect(StaffID(text) == nil)
        let failure = try #require(validationFailure { _ = try StaffID.parse(text) })
        #expect(failure["staffId"] == "Staff ID must be 1 to 9 digits, like 35220900")
    }

    @Test func refusalIsReportedAgainstTheGivenField() throws {
        let failure = try #require(validationFailure { _ = try StaffID.parse("x", field: "actor") })
        #expect(failure["actor"] != nil)
        #expect(failure["staffId"] == nil)
    }

    @Test func acceptanceIsExactlyOneToNineDigitsForRandomDigitStrings() {
        var generator = SeededGenerator(seed: 20_261_122)
        var lengthsSeen = Set<Int>()
        for _ in 0..<3_000 {
            let length = Int.random(in: 0...12, using: &generator)
            lengthsSeen.insert(length)
            let text = String((0..<length).map { _ in Character(String(Int.random(in: 0...9, using: &generator))) })
            let id = StaffID(text)
            #expect((id != nil) == (1...9).contains(length), "\(text.debugDescription) (\(length) digits)")
            if let id { #expect(id.value == text) }
        }
        #expect(lengthsSeen == Set(0...12))
    }

    @Test func decodingKeepsLeadingZerosAndEncodesAsPlainText() throws {
        let decoded = try JSONDecoder().decode([StaffID].self, from: Data(#"["0042"]"#.utf8))
        #expect(decoded.map(\.value) == ["0042"])
        let encoded = try JSONEncoder().encode(decoded)
        #expect(String(decoding: encoded, as: UTF8.self) == #"["0042"]"#)
    }

    @Test(arguments: [#"["1234567890"]"#, #"["12a"]"#, #"[""]"#])
    func decodingRefusesAnInvalidStaffId(json: String) {
        #expect(throws: DecodingError.self) {
            _ = try JSONDecoder().decode([StaffID].self, from: Data(json.utf8))
        }
    }

    @Test func profileLabelShowsStaffIdWithLeadingZerosThenName() {
        let profile = StaffProfile(
            staffId: StaffID("035220900")!, name: "Paul Cox", email: "p@x.gov.uk", phone: "", team: "T",
            grade: "", area: "", teamLeaderStaffId: nil, roles: [.caseworker])
        #expect(profile.label == "035220900 - Paul Cox")
    }
}
