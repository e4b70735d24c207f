import Foundation
import Testing
@testable import CaseworkCore

struct StaffInputTests {
    /// A directory holding only these staff IDs.
    static func directory(_ ids: String...) -> (StaffID) -> Bool {
        let known = Set(ids)
        return { known.contains($0.value) }
    }

    static let good = StaffInput(
        staffId: " 20010002 ", name: "  Tom Baxter ",
        email: " Tom.Baxter@ChildMaintenance.GOV.uk ", phone: " 0191 496 0102 ", team: " Newcastle Casework 1 ",
        grade: " AO ", area: " North East ", teamLeaderStaffId: " 20010001 ", roles: ["caseworker"])

    @Test func validInputGivesATrimmedProfile() throws {
        let profile = try Self.good.validated(knownStaff: Self.directory("20010001"))
        #expect(profile.staffId == StaffID("20010002"))
        #expect(profile.name == "Tom Baxter")
        #expect(profile.phone == "0191 496 0102")
        #expect(profile.team == "Newcastle Casework 1")
        #expect(profile.grade == "AO")
        #expect(profile.area == "North East")
        #expect(profile.teamLeaderStaffId == StaffID("20010001"))
        #expect(profile.roles == [.caseworker])
        #expect(profile.active)
    }

    @Test func emailIsLowerCased() throws {
        let profile = try Self.good.validated(knownStaff: Self.directory("20010001"))
        #expect(profile.email == "tom.baxter@childmaintenance.gov.uk")
    }

    @Test func rolesAreDeduplicatedAndPutInRoleOrder() throws {
        var input = Self.good
        input.roles = ["teamLeader", " caseworker ", "teamLeader", "caseworker", "", "administrator"]
        let profile = try input.validated(knownStaff: Self.directory("20010001"))
        #expect(profile.roles == [.caseworker, .teamLeader, .administrator])
    }

    @Test func noTeamLeaderIsAllowed() throws {
        var input = Self.good
        input.teamLeaderStaffId = "  "
        let profile = try input.validated(knownStaff: { _ in Issue.record("no leader to look up"); return false })
        #expect(profile.teamLeaderStaffId == nil)
    }

    @Test func everyFieldErrorIsReportedAtOnce() throws {
        let input = StaffInput(
            staffId: "12ab", name: "   ", email: "not-an-email", phone: "call me", team: " ",
            teamLeaderStaffId: "999", roles: [])
        let failure = try #require(validationFailure { _ = try input.validated(knownStaff: Self.directory("1")) })
        #expect(failure.fields.map(\.name) == ["staffId", "name", "email", "phone", "team", "teamLeaderStaffId", "roles"])
        #expect(failure["staffId"] == "Staff ID must be 1 to 9 digits, like 35220900")
        #expect(failure["name"] == "Enter the person's name")
        #expect(failure["email"] == "Enter an email address like name@example.gov.uk")
        #expect(failure["phone"]?.contains("digits") == true)
        #expect(failure["team"] == "Enter the team")
        #expect(failure["teamLeaderStaffId"] == "Unknown team leader 999: no one in the directory has that staff ID")
        #expect(failure["roles"] == "Choose at least one role")
    }

    @Test func ownTeamLeaderAndUnknownRoleAreReportedTogether() throws {
        let input = StaffInput(
            staffId: "20010002", name: "Tom", email: "", team: "T", teamLeaderStaffId: " 20010002",
            roles: ["caseworker", "wizard"])
        // Even a directory that knows the person must not let them lead themselves.
        let failure = try #require(validationFailure { _ = try input.validated(knownStaff: { _ in true }) })
        #expect(failure.fields.map(\.name) == ["email", "teamLeaderStaffId", "roles"])
        #expect(failure["email"] == "Enter an email address")
        #expect(failure["teamLeaderStaffId"] == "A person cannot be their own team leader")
        let roleMessage = try #require(failure["roles"])
        #expect(roleMessage.hasPrefix("Unknown role \"wizard\""))
        for role in Role.allCases { #expect(roleMessage.contains(role.rawValue)) }
    }

    @Test func leadingZerosMakeADifferentTeamLeader() throws {
        var input = Self.good
        input.staffId = "123"
        input.teamLeaderStaffId = "0123"
        let profile = try input.validated(knownStaff: Self.directory("0123"))
        #expect(profile.teamLeaderStaffId?.value == "0123")
    }

    @Test func unknownTeamLeaderIsLookedUpInTheDirectory() throws {
        var input = Self.good
        input.teamLeaderStaffId = "20010001"
        let failure = try #require(validationFailure { _ = try input.validated(knownStaff: Self.directory("99")) })
        #expect(failure.fields.map(\.name) == ["teamLeaderStaffId"])
        #expect(failure["teamLeaderStaffId"]?.hasPrefix("Unknown team leader 20010001") == true)
    }

    @Test func malformedTeamLeaderIdIsExplained() throws {
        var input = Self.good
        input.teamLeaderStaffId = "12-34"
        let failure = try #require(validationFailure { _ = try input.validated(knownStaff: { _ in true }) })
        #expect(failure["teamLeaderStaffId"] == "Team leader's staff ID must be 1 to 9 digits")
    }

    @Test func blankRolesCountAsNoRoles() throws {
        var input = Self.good
        input.roles = ["", "  "]
        let failure = try #require(validationFailure { _ = try input.validated(knownStaff: { _ in true }) })
        #expect(failure.fields.map(\.name) == ["roles"])
        #expect(failure["roles"] == "Choose at least one role")
    }

    @Test(arguments: ["a@b", "@example.gov.uk", "name@.gov.uk", "name@example.", "na me@example.gov.uk", "a@b@example.gov.uk", "name.example.gov.uk"])
    func malformedEmailIsRefused(email: String) throws {
        var input = Self.good
        input.email = email
        let failure = try #require(validationFailure { _ = try input.validated(knownStaff: { _ in true }) })
        #expect(failure.fields.map(\.name) == ["email"])
        #expect(failure["email"] == "Enter an email address like name@example.gov.uk")
    }

    @Test func nameOfAHundredCharactersIsAcceptedButNotMore() throws {
        var input = Self.good
        input.name = String(repeating: "n", count: 100)
        #expect(try input.validated(knownStaff: { _ in true }).name.count == 100)
        input.name = String(repeating: "n", count: 101)
        let failure = try #require(validationFailure { _ = try input.validated(knownStaff: { _ in true }) })
        #expect(failure["name"] == "Name must be 100 characters or fewer")
    }

    @Test func overlongTeamGradeAndAreaAreEachReported() throws {
        var input = Self.good
        let long = String(repeating: "x", count: 121)
        input.team = long
        input.grade = long
        input.area = long
        let failure = try #require(validationFailure { _ = try input.validated(knownStaff: { _ in true }) })
        #expect(failure["team"] == "Team must be 120 characters or fewer")
        #expect(failure["grade"] == "Grade must be 120 characters or fewer")
        #expect(failure["area"] == "Area must be 120 characters or fewer")
    }

    @Test(arguments: ["+44 (0)191 496-0102", "", "1234"])
    func plausiblePhoneNumbersAreAccepted(phone: String) throws {
        var input = Self.good
        input.phone = phone
        #expect(try input.validated(knownStaff: { _ in true }).phone == phone)
    }

    @Test(arguments: ["0191 496 0102 ext. 5", String(repeating: "1", count: 31)])
    func implausiblePhoneNumbersAreRefused(phone: String) throws {
        var input = Self.good
        input.phone = phone
        let failure = try #require(validationFailure { _ = try input.validated(knownStaff: { _ in true }) })
        #expect(failure.fields.map(\.name) == ["phone"])
    }
}
