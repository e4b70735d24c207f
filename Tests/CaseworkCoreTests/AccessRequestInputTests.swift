import Foundation
import Testing
@testable import CaseworkCore

/// The CSUA150's own fields, checked without a database: every problem at once, blank corrections taken from the
/// directory, and the requester's staff number only ever their own.
@Suite("The CSUA150 form's fields")
struct AccessRequestInputTests {
    static let tom = StaffProfile(staffId: StaffID("20010002")!, name: "Tom Baxter", email: "tom@example.gov.uk", phone: "0191 000 0002",
                                  team: "Newcastle Casework 1", grade: "AO", area: "North East", teamLeaderStaffId: StaffID("20010001"), roles: [.caseworker])
    static let filled = AccessRequestInput(purpose: "viewContact", requestedDurationMinutes: 480, justification: "Client called about arrears")

    func check(_ input: AccessRequestInput, as person: StaffProfile = tom) -> (AccessRequestInput.Valid?, ValidationFailure) {
        var failure = ValidationFailure()
        let valid = input.validated(for: person, into: &failure)
        return (valid, failure)
    }

    @Test func aFilledFormIsValidAndBlankDetailsComeFromTheDirectory() throws {
        let (valid, failure) = check(Self.filled)
        #expect(failure.isEmpty)
        let checked = try #require(valid)
        #expect(checked.purpose == .viewContact && checked.minutes == 480 && checked.justification == "Client called about arrears")
        #expect(checked.phone == "0191 000 0002" && checked.team == "Newcastle Casework 1" && checked.grade == "AO" && checked.area == "North East")
        #expect(checked.clientName == nil && checked.scin == nil && checked.nino == nil)
    }

    @Test func correctionsAndTheClientAreKeptAsTyped() throws {
        var input = Self.filled
        (input.phone, input.team, input.clientName, input.scin, input.nino, input.staffId) = (" 0191 999 ", "Team B", " Karen H ", "scin4471", "ab 12 34 56 c", "20010002")
        let checked = try #require(check(input).0)
        #expect(checked.phone == "0191 999" && checked.team == "Team B")
        #expect(checked.clientName == "Karen H" && checked.scin == "scin4471" && checked.nino == "ab 12 34 56 c")
    }

    @Test(arguments: [
        (AccessRequestInput(purpose: "curiosity", requestedDurationMinutes: 480, justification: "x"), "purpose"),
        (AccessRequestInput(purpose: "viewContact", requestedDurationMinutes: 0, justification: "x"), "requestedDurationMinutes"),
        (AccessRequestInput(purpose: "viewContact", requestedDurationMinutes: TypedNumber(7 * 24 * 60 + 1), justification: "x"), "requestedDurationMinutes"),
        (AccessRequestInput(purpose: "viewContact", requestedDurationMinutes: TypedNumber(text: "a day"), justification: "x"), "requestedDurationMinutes"),
        (AccessRequestInput(purpose: "viewContact", requestedDurationMinutes: 480, justification: "  "), "justification"),
        (AccessRequestInput(purpose: "viewContact", requestedDurationMinutes: 480, justification: String(repeating: "j", count: 2001)), "justification"),
        (AccessRequestInput(purpose: "viewContact", requestedDurationMinutes: 480, justification: "x", furtherDetails: String(repeating: "d", count: 2001)), "furtherDetails"),
        (AccessRequestInput(staffId: "20010003", purpose: "viewContact", requestedDurationMinutes: 480, justification: "x"), "staffId"),
        (AccessRequestInput(phone: String(repeating: "1", count: 31), purpose: "viewContact", requestedDurationMinutes: 480, justification: "x"), "phone"),
        (AccessRequestInput(area: String(repeating: "a", count: 101), purpose: "viewContact", requestedDurationMinutes: 480, justification: "x"), "area"),
    ])
    func eachFieldSaysWhatToFix(input: AccessRequestInput, field: String) {
        let (valid, failure) = check(input)
        #expect(valid == nil)
        #expect(failure[field] != nil, "\(field): \(failure)")
    }

    @Test func everyProblemIsSaidAtOnceAndOnlyTheNewOnesDecide() {
        var failure = ValidationFailure()
        failure.add("serviceRequestId", "Give the service request this access is for")
        let valid = Self.filled.validated(for: Self.tom, into: &failure)
        // The service's own problem stays; the form's fields are fine, so they are checked and returned.
        #expect(valid != nil && failure["serviceRequestId"] != nil)
        let (none, all) = check(AccessRequestInput(staffId: "1", requestedDurationMinutes: 0))
        #expect(none == nil)
        #expect(["purpose", "requestedDurationMinutes", "justification", "staffId"].allSatisfy { all[$0] != nil })
    }

    @Test func someoneWithNoTeamLeaderIsToldWhoCanHelp() {
        var orphan = Self.tom
        orphan.teamLeaderStaffId = nil
        let (valid, failure) = check(Self.filled, as: orphan)
        #expect(valid == nil && failure["teamLeader"]?.contains("ask an administrator") == true)
    }

    /// A field added to the input without a `CodingKeys` case would be dropped from every body without a word, since
    /// an optional `var` decodes as absent; this names the case to add.
    @Test func everyFieldHasTheNameTheAPIAndTheFormUse() {
        let stored = Mirror(reflecting: AccessRequestInput()).children.compactMap(\.label)
        #expect(Set(stored) == Set(AccessRequestInput.CodingKeys.allCases.map(\.stringValue)))
    }

    /// The checked fields go out as the API names them and come back unchanged; a number typed as text is kept as
    /// typed for the form, and a JSON number reads as one.
    @Test func theFieldsTravelUnderTheirAPINames() throws {
        let valid = try #require(check(Self.filled).0)
        let json = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(valid)) as? [String: Any] ?? [:]
        #expect(json["requestedDurationMinutes"] as? Int == 480 && json["requesterTeam"] as? String == "Newcastle Casework 1")
        #expect(try JSONDecoder().decode(AccessRequestInput.Valid.self, from: try JSONEncoder().encode(valid)) == valid)
        let typed = try JSONDecoder().decode(AccessRequestInput.self, from: Data(#"{"requestedDurationMinutes": "a day", "purpose": "viewContact"}"#.utf8))
        #expect(typed.requestedDurationMinutes?.text == "a day" && typed.requestedDurationMinutes?.value == nil)
        let number = try JSONDecoder().decode(AccessRequestInput.self, from: Data(#"{"requestedDurationMinutes": 90}"#.utf8))
        #expect(number.requestedDurationMinutes?.value == 90)
    }

    /// "Start a new form" types a stored request's fields into a new one; checked again, they are what was stored.
    /// Every field is given (the memberwise `init` has no defaults), so a field the copy drops fails here.
    @Test func aCopiedRequestChecksBackToWhatWasStored() throws {
        let stored = AccessRequestInput.Valid(purpose: .financeActions, minutes: 95, justification: "Arrears letter", furtherDetails: "Lives at the farm",
                                              phone: "0191 555 0101", team: "Team B", grade: "HEO", area: "Tyne", clientName: "Karen H",
                                              scin: "SCIN4471", nino: "AB123456C")
        let copied = AccessRequestInput(copying: stored, staffId: Self.tom.staffId.value)
        #expect(try #require(check(copied).0) == stored)
    }
}
