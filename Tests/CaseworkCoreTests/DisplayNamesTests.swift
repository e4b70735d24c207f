import Testing
@testable import CaseworkCore

@Suite("Names people read for coded values")
struct DisplayNamesTests {
    @Test func everyCodeMeansOneNameWhereverItAppears() {
        let ambiguous = DisplayNames.namesByCode.filter { $0.value.count > 1 }
        #expect(ambiguous.isEmpty, "codes with two names: \(ambiguous)")
    }

    @Test func codesReadAsTheirNames() {
        #expect(DisplayNames.name(of: "bankTransfer") == "Bank transfer")
        #expect(DisplayNames.name(of: "teamLeader") == "Team leader")
        #expect(DisplayNames.name(of: "reject") == "Rejected")
        #expect(DisplayNames.name(of: "receipt") == "Receipt")
        #expect(DisplayNames.name(of: "no such code") == nil)
    }
}
