import Testing
@testable import CaseworkCore

struct PasswordPolicyTests {
    @Test(arguments: ["", "short", "elevenchars"])
    func shortPasswordIsRefused(password: String) throws {
        let failure = try #require(validationFailure { try PasswordPolicy.check(password) })
        #expect(failure["password"] == "Password must be at least 12 characters")
    }

    @Test func twelveCharactersIsLongEnough() {
        #expect(validationFailure { try PasswordPolicy.check("twelve-chars") } == nil)
    }

    @Test func lengthCountsCharactersNotBytes() throws {
        // Six accented characters are twelve UTF-8 bytes, but still too short.
        let failure = try #require(validationFailure { try PasswordPolicy.check("çàéüöñ") })
        #expect(failure["password"] == "Password must be at least 12 characters")
        #expect(validationFailure { try PasswordPolicy.check("çàéüöñçàéüöñ") } == nil)
    }

    @Test func passwordOf128CharactersIsAcceptedBut129IsTooLong() throws {
        let base = String(repeating: "abcdefgh", count: 16)
        #expect(base.count == 128)
        #expect(validationFailure { try PasswordPolicy.check(base) } == nil)
        let failure = try #require(validationFailure { try PasswordPolicy.check(base + "x") })
        #expect(failure["password"] == "Password must be 128 characters or fewer")
    }

    @Test(arguments: ["aaaaaaaaaaaaaaaa", "abababababababab", "abcabcabcabcabc", "111111111111"])
    func repetitivePasswordIsRefused(password: String) throws {
        let failure = try #require(validationFailure { try PasswordPolicy.check(password) })
        #expect(failure["password"] == "Password must not repeat the same few characters")
    }

    @Test func fourDifferentCharactersAreEnoughVariety() {
        #expect(validationFailure { try PasswordPolicy.check("abcdabcdabcd") } == nil)
    }

    @Test(arguments: ["correct horse battery staple", "Casework-Demo-2026", "purple-otter-lamp-47"])
    func goodPassphraseIsAccepted(password: String) {
        #expect(validationFailure { try PasswordPolicy.check(password) } == nil)
    }

    @Test func refusalNamesTheFieldItWasGiven() throws {
        let failure = try #require(validationFailure { try PasswordPolicy.check("short", field: "newPassword") })
        #expect(failure.fields.map(\.name) == ["newPassword"])
    }
}
