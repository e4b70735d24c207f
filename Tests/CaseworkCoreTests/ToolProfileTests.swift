import Foundation
import Testing
@testable import CaseworkCore

struct ToolProfileTests {
    static let lastAdministratorMessage = "This is the last System Administrator profile: grant another person System Administrator first"

    @Test(arguments: [0, 1])
    func revokingTheLastSystemAdministratorIsRefused(systemAdministrators: Int) {
        #expect(ToolProfile.checkRevoke(.toolSystemAdministrator, systemAdministrators: systemAdministrators) == .conflict(Self.lastAdministratorMessage))
    }

    @Test(arguments: [2, 3, 50])
    func revokingASystemAdministratorIsAllowedWhileAnotherRemains(systemAdministrators: Int) {
        #expect(ToolProfile.checkRevoke(.toolSystemAdministrator, systemAdministrators: systemAdministrators) == nil)
    }

    @Test(arguments: [0, 1, 2, 10])
    func revokingACaseWorkerIsAlwaysAllowed(systemAdministrators: Int) {
        #expect(ToolProfile.checkRevoke(.toolCaseWorker, systemAdministrators: systemAdministrators) == nil)
    }

    @Test func eachProfileGrantsItsOwnToolRole() {
        #expect(ToolProfile.allCases == [.toolCaseWorker, .toolSystemAdministrator])
        #expect(ToolProfile.toolCaseWorker.role == .toolCaseWorker)
        #expect(ToolProfile.toolSystemAdministrator.role == .toolSystemAdministrator)
        #expect(ToolProfile.toolCaseWorker.displayName == "Case Worker")
        #expect(ToolProfile.toolSystemAdministrator.displayName == "System Administrator")
        #expect(ToolProfile.allCases.allSatisfy { $0.rawValue == $0.role.rawValue })
    }
}
