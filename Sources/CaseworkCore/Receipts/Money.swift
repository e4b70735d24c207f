import Foundation

/// An amount of money in whole pence: never a floating-point number.
public struct Pence: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let value: Int

    public init(_ value: Int) { self.value = value }

    public static let zero = Pence(0)
    /// The largest single entry the tool accepts: £1,000,000.00.
    public static let maximumEntry = Pence(100_000_000)

    public static func + (a: Pence, b: Pence) -> Pence { Pence(a.value + b.value) }
    public static func - (a: Pence, b: Pence) -> Pence { Pence(a.value - b.value) }
    public static prefix func - (a: Pence) -> Pence { Pence(-a.value) }
    public static func < (a: Pence, b: Pence) -> Bool { a.value < b.value }

    /// `£1,234.56` (negative as `-£1,234.56`).
    public var description: String {
        let sign = value < 0 ? "-" : ""
        let absolute = abs(value)
        let pounds = absolute / 100
        var digits = String(pounds)
        var grouped = ""
        while digits.count > 3 {
            grouped = "," + digits.suffix(3) + grouped
            digits = String(digits.dropLast(3))
        }
        return "\(sign)£\(digits)\(grouped).\(String(format: "%02d", absolute % 100))"
    }

    /// `1234.56`, for CSV files that spreadsheets read as numbers.
    public var plain: String {
        "\(value < 0 ? "-" : "")\(abs(value) / 100).\(String(format: "%02d", abs(value) % 100))"
    }

    /// Reads pounds as typed on a form: `12`, `12.5`, `12.50`, `£1,234.56`. Refuses more than two decimal places.
    public static func parsePounds(_ text: String, field: String) throws(ValidationFailure) -> Pence {
        var cleaned = text.trimmingCharacters(in: .whitespaces)
        if cleaned.hasPrefix("£") { cleaned.removeFirst() }
        // Commas only as thousands separators ("1,234.56"): "12,50" is a decimal comma, and must not become £1,250.00.
        if cleaned.contains(",") {
            let whole = cleaned.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)[0]
            let groups = whole.split(separator: ",", omittingEmptySubsequences: false)
            guard (1...3).contains(groups[0].count), groups.dropFirst().allSatisfy({ $0.count == 3 }) else {
                throw ValidationFailure([field: "Use a full stop for pence, like 12.50; commas may only separate thousands, like 1,234.56"])
            }
            cleaned = cleaned.replacingOccurrences(of: ",", with: "")
        }
        let parts = cleaned.split(separator: ".", omittingEmptySubsequences: false)
        guard !cleaned.isEmpty, parts.count <= 2, parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }), !parts[0].isEmpty,
              parts.count == 1 || (1...2).contains(parts[1].count), parts[0].count <= 9
        else { throw ValidationFailure([field: "Enter the amount in pounds and pence, like 125.50"]) }
        let pounds = Int(parts[0])!
        let pence = parts.count == 2 ? Int(parts[1].padding(toLength: 2, withPad: "0", startingAt: 0))! : 0
        return try checkEntry(Pence(pounds * 100 + pence), field: field)
    }

    /// An entry's amount must be more than nothing and no more than the maximum.
    public static func checkEntry(_ amount: Pence, field: String) throws(ValidationFailure) -> Pence {
        if amount.value <= 0 { throw ValidationFailure([field: "The amount must be more than £0.00"]) }
        if amount > maximumEntry { throw ValidationFailure([field: "The amount must be no more than \(maximumEntry)"]) }
        return amount
    }
}
