import Foundation
import Testing
@testable import CaseworkCore

struct CaseRulesTests {
    /// The single participants message a refused case gets.
    static func message(_ participants: [(contactId: String, role: String)], sourceLocation: SourceLocation = #_sourceLocation) -> String? {
        guard let failure = validationFailure(sourceLocation: sourceLocation, { _ = try CaseRules.check(participants: participants) }) else {
            return nil
        }
        #expect(failure.fields.map(\.name) == ["participants"], sourceLocation: sourceLocation)
        return failure["participants"]
    }

    @Test func aFullCasePassesWithRolesParsedInOrder() throws {
        let parsed = try CaseRules.check(participants: [
            ("c-1", "receivingParent"), ("c-2", "payingParent"), ("c-3", "child"), ("c-4", "child"),
        ])
        #expect(parsed.map(\.contactId) == ["c-1", "c-2", "c-3", "c-4"])
        #expect(parsed.map(\.role) == [.receivingParent, .payingParent, .child, .child])
    }

    @Test(arguments: ParticipantRole.allCases)
    func aSingleParticipantOfAnyRoleIsACase(role: ParticipantRole) throws {
        let parsed = try CaseRules.check(participants: [("c-1", role.rawValue)])
        #expect(parsed.count == 1)
        #expect(parsed.first?.contactId == "c-1")
        #expect(parsed.first?.role == role)
    }

    @Test func aCaseWithNoParticipantsIsRefused() {
        #expect(Self.message([]) == "Add at least one participant")
    }

    @Test(arguments: ["grandparent", "ReceivingParent", "child ", "paying_parent", ""])
    func anUnknownRoleIsRefusedNamingTheParticipant(role: String) {
        #expect(Self.message([("c-1", "receivingParent"), ("c-2", role)])
            == "Participant 2: role must be receivingParent, payingParent or child")
    }

    @Test(arguments: ["", "   "])
    func aParticipantWithoutAContactIsRefused(contactId: String) {
        #expect(Self.message([("c-1", "child"), ("c-2", "child"), (contactId, "payingParent")])
            == "Participant 3: choose a contact")
    }

    @Test func theSameContactTwiceIsRefused() {
        #expect(Self.message([("c-1", "receivingParent"), ("c-2", "child"), ("c-1", "child")])
            == "A contact can take part in a case only once")
    }

    @Test func oneContactCannotBeBothParents() {
        #expect(Self.message([("c-1", "receivingParent"), ("c-1", "payingParent")])
            == "A contact can take part in a case only once")
    }

    @Test func twoReceivingParentsAreRefused() {
        #expect(Self.message([("c-1", "receivingParent"), ("c-2", "receivingParent"), ("c-3", "child")])
            == "A case has one receiving parent")
    }

    @Test func twoPayingParentsAreRefused() {
        #expect(Self.message([("c-1", "payingParent"), ("c-2", "receivingParent"), ("c-3", "payingParent")])
            == "A case has one paying parent")
    }

    @Test func manyChildrenAreAllowed() throws {
        let children = (1...6).map { (contactId: "child-\($0)", role: "child") }
        #expect(try CaseRules.check(participants: children).count == 6)
    }
}
