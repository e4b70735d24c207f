import Foundation
import Testing
@testable import CaseworkCore

/// The history's actions are stored and answered as text; everywhere else they are typed. The text must read back
/// as what was written, and text that is no action must not read as one.
struct AccessHistoryActionTests {
    @Test func everyActionReadsBackFromItsStoredText() {
        for action in AccessHistoryAction.allCases {
            #expect(AccessHistoryAction(rawValue: action.rawValue) == action)
        }
        #expect(AccessHistoryAction.allCases.count == 2 + AccessStage.allCases.count * AccessDecision.allCases.count)
    }

    @Test func aDecisionIsWrittenAsStageDotDecision() {
        #expect(AccessHistoryAction.decided(.teamLeader, .approve).rawValue == "teamLeader.approve")
        #expect(AccessHistoryAction(rawValue: "scrManager.reject") == .decided(.scrManager, .reject))
        #expect(AccessHistoryAction(rawValue: "submitted") == .submitted)
    }

    @Test(arguments: ["", "teamLeader", "teamLeader.", ".approve", "teamLeader.approve.again", "caseworker.approve", "teamLeader.maybe", "Submitted"])
    func textThatIsNoActionIsRefused(_ text: String) {
        #expect(AccessHistoryAction(rawValue: text) == nil)
    }

    @Test func itIsTextInJSON() throws {
        let data = try JSONEncoder().encode([AccessHistoryAction.decided(.provisioning, .return)])
        #expect(String(decoding: data, as: UTF8.self) == #"["provisioning.return"]"#)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([AccessHistoryAction].self, from: Data(#"["provisioning.maybe"]"#.utf8)) }
    }
}
