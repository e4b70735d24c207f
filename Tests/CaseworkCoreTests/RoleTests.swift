import Testing
@testable import CaseworkCore

struct RoleTests {
    @Test func thereAreNineRolesWithDistinctNames() {
        #expect(Role.allCases.count == 9)
        #expect(Set(Role.allCases.map(\.displayName)).count == 9)
        #expect(Role.allCases.allSatisfy { !$0.summary.isEmpty })
    }

    @Test func parseAcceptsARoleIdWithSurroundingSpaces() throws {
        #expect(try Role.parse("  scrManager ") == .scrManager)
    }

    @Test(arguments: ["wizard", "Caseworker", "team leader", ""])
    func unknownRoleListsTheChoices(text: String) throws {
        let failure = try #require(validationFailure { _ = try Role.parse(text) })
        let message = try #require(failure["role"])
        #expect(message.hasPrefix("Unknown role \"\(text)\": use one of "))
        #expect(message.hasSuffix(Role.allCases.map(\.rawValue).joined(separator: ", ")))
    }

    @Test func receiptsAndPaymentsRolesKeepTheirOwnSystemName() {
        #expect(Role.toolCaseWorker.systemName == "Transfer of Receipts to Future Scheme")
        #expect(Role.toolSystemAdministrator.systemName == "Transfer of Receipts to Future Scheme")
        #expect(Role.caseworker.systemName == "Casework")
        #expect(Role.administrator.systemName == "Casework")
    }

    @Test func rolesSortInTheOrderTheyAreDeclared() {
        #expect([Role.administrator, .cfat, .caseworker, .teamLeader].sorted() == [.caseworker, .teamLeader, .cfat, .administrator])
    }
}
