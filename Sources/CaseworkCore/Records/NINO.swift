import Foundation

/// A National Insurance number: two prefix letters, six digits, suffix A to D (`QQ123456C`).
/// Stored without spaces, in upper case.
public struct NINO: Hashable, Sendable, CustomStringConvertible {
    public let value: String

    /// Letters never used as the first or second letter of a prefix.
    static let neverFirst: Set<Character> = ["D", "F", "I", "Q", "U", "V"]
    static let neverSecond: Set<Character> = ["D", "F", "I", "O", "Q", "U", "V"]
    /// Whole prefixes HMRC never issues.
    static let neverIssuedPrefixes: Set<String> = ["BG", "GB", "KN", "NK", "NT", "TN", "ZZ"]

    /// Accepts spaces anywhere and lower case; refuses anything HMRC would never issue.
    public init?(_ text: String) {
        guard case .success(let nino) = Self.check(text) else { return nil }
        self = nino
    }

    private init(checked: String) { value = checked }

    /// Parses or explains what is wrong.
    public static func parse(_ text: String, field: String = "nino") throws(ValidationFailure) -> NINO {
        switch check(text) {
        case .success(let nino): return nino
        case .failure(let message): throw ValidationFailure([field: message])
        }
    }

    enum Checked { case success(NINO), failure(String) }

    static func check(_ text: String) -> Checked {
        let shape = "National Insurance number must be 2 letters, 6 digits and a letter A to D, like AB 12 34 56 C"
        // Only ASCII, checked before upper-casing ("ß" would otherwise become "SS"); only spaces may separate groups.
        guard text.allSatisfy({ $0.isASCII && ($0 == " " || !$0.isWhitespace) }) else { return .failure(shape) }
        let compact = text.uppercased().filter { $0 != " " }
        let chars = Array(compact)
        guard chars.count == 9,
              chars[0...1].allSatisfy({ $0.isASCII && $0.isLetter }),
              chars[2...7].allSatisfy({ $0.isASCII && $0.isNumber }),
              chars[8].isASCII && chars[8].isLetter
        else { return .failure(shape) }
        guard "ABCD".contains(chars[8]) else {
            return .failure("National Insurance number must end with A, B, C or D")
        }
        let prefix = String(chars[0...1])
        if neverFirst.contains(chars[0]) || neverSecond.contains(chars[1]) || neverIssuedPrefixes.contains(prefix) {
            return .failure("\(prefix) is not a prefix HMRC issues: check the National Insurance number")
        }
        return .success(NINO(checked: compact))
    }

    public var description: String { value }

    /// `QQ 12 34 56 C`, as people read it.
    public var spaced: String {
        let c = Array(value)
        return "\(String(c[0...1])) \(String(c[2...3])) \(String(c[4...5])) \(String(c[6...7])) \(c[8])"
    }
}
