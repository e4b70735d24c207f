import Foundation
import Testing
@testable import CaseworkCore

struct NINOTests {
    static let shapeMessage = "National Insurance number must be 2 letters, 6 digits and a letter A to D, like AB 12 34 56 C"
    static let suffixMessage = "National Insurance number must end with A, B, C or D"
    static func prefixMessage(_ prefix: String) -> String {
        "\(prefix) is not a prefix HMRC issues: check the National Insurance number"
    }

    /// The rule restated from HMRC's description, independently of the code under test:
    /// two letters, six digits, a suffix A to D; the first letter is never D F I Q U V, the second
    /// never D F I O Q U V, and BG GB KN NK NT TN ZZ are never issued.
    static func ruleAccepts(_ text: String) -> Bool {
        let chars = Array(text.uppercased().filter { $0 != " " })
        let letters = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        let digits = Set("0123456789")
        guard chars.count == 9,
              letters.contains(chars[0]), letters.contains(chars[1]),
              chars[2...7].allSatisfy({ digits.contains($0) }),
              Set("ABCD").contains(chars[8])
        else { return false }
        if Set("DFIQUV").contains(chars[0]) { return false }
        if Set("DFIOQUV").contains(chars[1]) { return false }
        return !["BG", "GB", "KN", "NK", "NT", "TN", "ZZ"].contains(String(chars[0...1]))
    }

    /// The field message a refused text gets, or nil when it parses.
    static func refusal(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> String? {
        validationFailure(sourceLocation: sourceLocation) { _ = try NINO.parse(text) }?["nino"]
    }

    // MARK: Accepted

    @Test(arguments: [
        ("AB123456C", "AB123456C"),
        ("ab123456c", "AB123456C"),
        ("AB 12 34 56 C", "AB123456C"),
        ("  jk 65 43 21 a ", "JK654321A"),
        ("C E2468 10B", "CE246810B"),
        ("Ly999999d", "LY999999D"),
        ("ZY000000A", "ZY000000A"),
        ("OA111111B", "OA111111B"),
    ])
    func validNumbersAreStoredCompactAndUpperCase(text: String, stored: String) throws {
        let nino = try #require(NINO(text))
        #expect(nino.value == stored)
        #expect(nino.description == stored)
        #expect(try NINO.parse(text) == nino)
    }

    @Test func spacedFormatGroupsThePrefixDigitPairsAndSuffix() throws {
        let nino = try #require(NINO("jk654321a"))
        #expect(nino.spaced == "JK 65 43 21 A")
    }

    @Test func theSameNumberTypedDifferentlyIsEqual() {
        #expect(NINO("AB123456C") == NINO(" a b 1 2 3 4 5 6 c "))
        #expect(NINO("AB123456C") != NINO("AB123456D"))
    }

    // MARK: Refused

    @Test(arguments: [
        "", "   ", "AB12345C", "AB1234567C", "A1123456C", "1B123456C", "AB12345XC", "AB123456",
        "AB1234561", "ABC12345C", "AB-12-34-56-C", "AB１２３４５６C", "ÅB123456C", "AB123456Ç",
    ])
    func wrongShapeIsRefusedWithTheExpectedFormat(text: String) {
        #expect(NINO(text) == nil)
        #expect(Self.refusal(text) == Self.shapeMessage)
    }

    @Test(arguments: Array("EFGHIJKLMNOPQRSTUVWXYZ").map(String.init))
    func suffixAfterDIsRefused(suffix: String) {
        #expect(NINO("AB123456" + suffix) == nil)
        #expect(Self.refusal("AB123456" + suffix) == Self.suffixMessage)
        #expect(Self.refusal("ab123456" + suffix.lowercased()) == Self.suffixMessage)
    }

    @Test(arguments: ["D", "F", "I", "Q", "U", "V"])
    func firstLettersHMRCNeverUsesAreRefused(letter: String) {
        #expect(NINO(letter + "A123456C") == nil)
        #expect(Self.refusal(letter + "A123456C") == Self.prefixMessage(letter + "A"))
    }

    @Test(arguments: ["D", "F", "I", "O", "Q", "U", "V"])
    func secondLettersHMRCNeverUsesAreRefused(letter: String) {
        #expect(NINO("A" + letter + "123456C") == nil)
        #expect(Self.refusal("A" + letter + "123456C") == Self.prefixMessage("A" + letter))
    }

    @Test(arguments: ["BG", "GB", "KN", "NK", "NT", "TN", "ZZ"])
    func neverIssuedPrefixesAreRefused(prefix: String) {
        #expect(NINO(prefix + "123456C") == nil)
        #expect(Self.refusal(prefix + "123456C") == Self.prefixMessage(prefix))
        // The message names the prefix as the person should read it, in capitals.
        #expect(Self.refusal(prefix.lowercased() + " 12 34 56 c") == Self.prefixMessage(prefix))
    }

    @Test func theLettersAllowedAloneAreAllowedInOtherPrefixes() {
        // O may lead; B, G, K, N, T and Z are fine outside the never-issued pairs.
        for prefix in ["OB", "BA", "GA", "KA", "NA", "TA", "ZA", "NB", "TG"] {
            #expect(NINO(prefix + "123456A") != nil, "\(prefix) should be issued")
        }
    }

    @Test func everyTwoLetterPrefixFollowsTheRule() {
        let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        var accepted = 0
        for first in letters {
            for second in letters {
                let text = "\(first)\(second)123456A"
                #expect((NINO(text) != nil) == Self.ruleAccepts(text), "\(text)")
                if NINO(text) != nil { accepted += 1 }
            }
        }
        // 20 first letters times 19 second letters, less the 7 never-issued pairs.
        #expect(accepted == 20 * 19 - 7)
    }

    @Test func aSuffixProblemIsReportedBeforeAPrefixProblem() {
        #expect(Self.refusal("ZZ123456E") == Self.suffixMessage)
    }

    @Test func parseReportsUnderTheFieldItIsGiven() throws {
        let failure = try #require(validationFailure { _ = try NINO.parse("nonsense", field: "partnerNino") })
        #expect(failure.fields.map(\.name) == ["partnerNino"])
        #expect(failure["partnerNino"] == Self.shapeMessage)
    }

    // MARK: Property

    /// A 9-character string of letters and digits, biased towards the right shape so both sides of the rule are explored.
    static func randomCandidate(_ random: inout SeededGenerator) -> String {
        let upper = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        let lower = Array("abcdefghijklmnopqrstuvwxyz")
        let digits = Array("0123456789")
        func letter(_ random: inout SeededGenerator) -> Character {
            Int.random(in: 0..<10, using: &random) < 7 ? upper.randomElement(using: &random)! : lower.randomElement(using: &random)!
        }
        var text = ""
        for position in 0..<9 {
            let expectsLetter = position < 2 || position == 8
            let onShape = Int.random(in: 0..<10, using: &random) < 9
            if expectsLetter == onShape {
                if position == 8 && Int.random(in: 0..<10, using: &random) < 6 {
                    let suffix = Array("ABCD").randomElement(using: &random)!
                    text.append(Bool.random(using: &random) ? suffix : Character(suffix.lowercased()))
                } else {
                    text.append(letter(&random))
                }
            } else {
                text.append(digits.randomElement(using: &random)!)
            }
        }
        return text
    }

    @Test func acceptanceMatchesTheRuleForManyRandomStrings() {
        var random = SeededGenerator(seed: 0x4E49_4E4F)
        var accepted = 0
        var refused = 0
        for _ in 0..<20_000 {
            let text = Self.randomCandidate(&random)
            let expected = Self.ruleAccepts(text)
            let nino = NINO(text)
            #expect((nino != nil) == expected, "\(text)")
            if let nino {
                accepted += 1
                #expect(nino.value == text.uppercased(), "\(text)")
                #expect(nino.spaced.filter { $0 != " " } == nino.value)
            } else {
                refused += 1
                #expect(Self.refusal(text) != nil, "\(text)")
            }
        }
        // The generator must exercise both outcomes, or the property proves little.
        #expect(accepted > 1_000)
        #expect(refused > 1_000)
    }

    @Test func spacesAnywhereNeverChangeTheResult() {
        var random = SeededGenerator(seed: 0x5350_4143)
        for _ in 0..<5_000 {
            let text = Self.randomCandidate(&random)
            var spaced = ""
            for character in text {
                spaced += String(repeating: " ", count: Int.random(in: 0...2, using: &random))
                spaced.append(character)
            }
            #expect(NINO(spaced) == NINO(text), "\"\(spaced)\"")
        }
    }
}
