import Testing
@testable import CaseworkCore

struct ValidationFailureTests {
    @Test func firstProblemWithAFieldIsTheOneKept() {
        var failure = ValidationFailure()
        failure.add("email", "Enter an email address")
        failure.add("email", "Something else")
        #expect(failure["email"] == "Enter an email address")
        #expect(failure.fields.count == 1)
    }

    @Test func fieldsKeepTheOrderTheyWereAdded() {
        var failure = ValidationFailure()
        failure.add("staffId", "a")
        failure.add("name", "b")
        failure.merge(ValidationFailure(["email": "c", "staffId": "ignored"]))
        #expect(failure.fields.map(\.name) == ["staffId", "name", "email"])
        #expect(failure["staffId"] == "a")
    }

    @Test func emptyFailureDoesNotThrow() throws {
        try ValidationFailure().throwIfAny()
        #expect(ValidationFailure().isEmpty)
        #expect(validationFailure { try ValidationFailure(["x": "y"]).throwIfAny() } == ValidationFailure(["x": "y"]))
    }

    @Test func equalityComparesNamesAndMessagesInOrder() {
        #expect(ValidationFailure(["a": "1", "b": "2"]) != ValidationFailure(["b": "2", "a": "1"]))
        #expect(ValidationFailure(["a": "1"]) != ValidationFailure(["a": "2"]))
    }

    @Test func collectFoldsAFailureInAndReturnsNil() {
        var failure = ValidationFailure()
        let bad = collect(&failure) { () throws(ValidationFailure) in try StaffID.parse("x") }
        let good = collect(&failure) { () throws(ValidationFailure) in try StaffID.parse("7") }
        #expect(bad == nil)
        #expect(good == StaffID("7"))
        #expect(failure.fields.map(\.name) == ["staffId"])
    }
}
