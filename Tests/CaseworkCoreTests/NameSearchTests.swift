import Testing
@testable import CaseworkCore

struct NameSearchTests {
    @Test func aNameIsSearchedFromEachOfItsWordsOn() {
        #expect(NameSearch.wordStarts(of: "aidan goldworth") == ["aidan goldworth", "goldworth"])
        #expect(NameSearch.wordStarts(of: "mary-ann goldworth-hale") == ["mary-ann goldworth-hale", "ann goldworth-hale", "goldworth-hale", "hale"])
        #expect(NameSearch.wordStarts(of: "siobhan o'brien") == ["siobhan o'brien", "o'brien", "brien"])
        #expect(NameSearch.wordStarts(of: "siobhan o\u{2019}brien").last == "brien")
    }

    @Test func separatorsStartNoWordAndRepeatedWordsAreStoredOnce() {
        #expect(NameSearch.wordStarts(of: "  ann   ann ") == ["ann   ann ", "ann "])
        #expect(NameSearch.wordStarts(of: "-x") == ["x"])
        #expect(NameSearch.wordStarts(of: "ann ann") == ["ann ann", "ann"])
        #expect(NameSearch.wordStarts(of: "") == [])
        #expect(NameSearch.wordStarts(of: "- '") == [])
    }

    @Test func theTypedTextLosesControlCharactersAndWildcards() {
        #expect(NameSearch.namePart(of: "Gold\u{0}worth\u{17}") == "goldworth")
        #expect(NameSearch.namePart(of: "100%_Ann") == "100ann")
        #expect(NameSearch.namePart(of: "O'Brien-Smith") == "o'brien-smith")
    }

    @Test func namesAreSearchedInLowerCase() {
        #expect(NameSearch.searchable("Aidan GOLDWORTH") == "aidan goldworth")
        #expect(NameSearch.searchable("Zoë Ørsted") == "zoë ørsted")
    }
}
