import Foundation
import Testing
@testable import CaseworkCore

struct ExceptionalCaseInputTests {
    static let typeMessage = "Choose type one or type two"
    static let needsIncidentMessage = "Give the incident reference that moved this case off CMS2012"
    static let noIncidentMessage = "A type one case has no incident: leave the incident reference empty"
    static let incidentLengthMessage = "Incident reference must be 40 characters or fewer"
    static let nameLengthMessage = "Name must be 100 characters or fewer"
    static let notesLengthMessage = "Notes must be 2,000 characters or fewer"

    static func failure(_ input: ExceptionalCaseInput, sourceLocation: SourceLocation = #_sourceLocation) -> ValidationFailure? {
        validationFailure(sourceLocation: sourceLocation) { _ = try input.validated() }
    }

    @Test func aTypeOneCaseIsValidWithoutAnIncidentAndEveryFieldIsTrimmed() throws {
        let valid = try ExceptionalCaseInput(type: " one ", incidentReference: "   ", receivingParent: "  Karen Holloway ",
                                             payingParent: "\tPaul Dixon ", notes: "\n  Father has no NINO yet.  \n").validated()
        #expect(valid.type == .one)
        #expect(valid.incidentReference == nil)
        #expect(valid.receivingParent == "Karen Holloway")
        #expect(valid.payingParent == "Paul Dixon")
        #expect(valid.notes == "Father has no NINO yet.")
    }

    @Test func aTypeTwoCaseKeepsItsTrimmedIncidentReference() throws {
        let valid = try ExceptionalCaseInput(type: "two", incidentReference: "  INC-2026-0415 ", receivingParent: "A", payingParent: "B").validated()
        #expect(valid.type == .two)
        #expect(valid.incidentReference == "INC-2026-0415")
        #expect(valid.notes == "")
    }

    @Test(arguments: ["", "   ", "three", "One", "TWO", "1", "2", "type one"])
    func theTypeMustBeOneOrTwo(type: String) throws {
        let failure = try #require(Self.failure(ExceptionalCaseInput(type: type)))
        #expect(failure.fields.map(\.name) == ["type"])
        #expect(failure["type"] == Self.typeMessage)
    }

    @Test(arguments: ["", "   ", "\t"])
    func typeTwoNeedsAnIncidentReference(incident: String) throws {
        let failure = try #require(Self.failure(ExceptionalCaseInput(type: "two", incidentReference: incident)))
        #expect(failure.fields.map(\.name) == ["incidentReference"])
        #expect(failure["incidentReference"] == Self.needsIncidentMessage)
    }

    @Test func typeOneMustNotHaveAnIncidentReference() throws {
        let failure = try #require(Self.failure(ExceptionalCaseInput(type: "one", incidentReference: "INC-1")))
        #expect(failure.fields.map(\.name) == ["incidentReference"])
        #expect(failure["incidentReference"] == Self.noIncidentMessage)
    }

    @Test func typeOneWithALongIncidentReferenceIsToldToLeaveItEmptyNotToShortenIt() throws {
        let failure = try #require(Self.failure(ExceptionalCaseInput(type: "one", incidentReference: String(repeating: "I", count: 41))))
        #expect(failure.fields.map(\.name) == ["incidentReference"])
        #expect(failure["incidentReference"] == Self.noIncidentMessage)
    }

    @Test func incidentReferenceMayBeFortyCharactersButNotFortyOne() throws {
        let forty = String(repeating: "7", count: 40)
        #expect(try ExceptionalCaseInput(type: "two", incidentReference: " \(forty) ").validated().incidentReference == forty)
        let failure = try #require(Self.failure(ExceptionalCaseInput(type: "two", incidentReference: forty + "8")))
        #expect(failure.fields.map(\.name) == ["incidentReference"])
        #expect(failure["incidentReference"] == Self.incidentLengthMessage)
    }

    @Test(arguments: ["receivingParent", "payingParent"])
    func parentNamesMayBeAHundredCharactersButNotAHundredAndOne(field: String) throws {
        let hundred = String(repeating: "n", count: 100)
        func input(_ name: String) -> ExceptionalCaseInput {
            field == "receivingParent"
                ? ExceptionalCaseInput(type: "one", receivingParent: name)
                : ExceptionalCaseInput(type: "one", payingParent: name)
        }
        let valid = try input("  \(hundred)  ").validated()
        #expect((field == "receivingParent" ? valid.receivingParent : valid.payingParent) == hundred)
        let failure = try #require(Self.failure(input(hundred + "n")))
        #expect(failure.fields.map(\.name) == [field])
        #expect(failure[field] == Self.nameLengthMessage)
    }

    @Test func notesMayBeTwoThousandCharactersButNotTwoThousandAndOne() throws {
        let twoThousand = String(repeating: "x", count: 2_000)
        #expect(try ExceptionalCaseInput(type: "one", notes: twoThousand).validated().notes == twoThousand)
        let failure = try #require(Self.failure(ExceptionalCaseInput(type: "one", notes: twoThousand + "x")))
        #expect(failure.fields.map(\.name) == ["notes"])
        #expect(failure["notes"] == Self.notesLengthMessage)
    }

    @Test func everyProblemIsReportedAtOnceInFormOrder() throws {
        let input = ExceptionalCaseInput(type: "two", incidentReference: String(repeating: "I", count: 41),
                                         receivingParent: String(repeating: "r", count: 101), payingParent: String(repeating: "p", count: 101),
                                         notes: String(repeating: "z", count: 2_001))
        let failure = try #require(Self.failure(input))
        #expect(failure.fields.map(\.name) == ["incidentReference", "receivingParent", "payingParent", "notes"])
        #expect(failure["incidentReference"] == Self.incidentLengthMessage)
        #expect(failure["receivingParent"] == Self.nameLengthMessage)
        #expect(failure["payingParent"] == Self.nameLengthMessage)
        #expect(failure["notes"] == Self.notesLengthMessage)
    }

    @Test func aMissingTypeIsReportedAlongsideOtherProblems() throws {
        let input = ExceptionalCaseInput(type: "", incidentReference: String(repeating: "I", count: 41), payingParent: String(repeating: "p", count: 101))
        let failure = try #require(Self.failure(input))
        #expect(failure.fields.map(\.name) == ["type", "incidentReference", "payingParent"])
        #expect(failure["type"] == Self.typeMessage)
        #expect(failure["incidentReference"] == Self.incidentLengthMessage)
    }

    @Test func typesHaveNamesThatSayWhyTheCaseIsOffTheMainSystem() {
        #expect(ExceptionalCaseType.allCases == [.one, .two])
        #expect(ExceptionalCaseType.one.displayName == "Type one: cannot start on CMS2012 (a participant has no NINO or CRN)")
        #expect(ExceptionalCaseType.two.displayName == "Type two: moved off CMS2012 after an incident")
        #expect(ExceptionalCaseStatus.allCases.map(\.rawValue) == ["open", "closed"])
    }
}
