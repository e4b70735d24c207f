import Foundation

/// A period of whole UK calendar days, both ends included: what the tool's reports and the SCR managers'
/// monitoring are asked for.
public struct DayPeriod: Sendable, Equatable {
    /// `YYYY-MM-DD`, the first day and the last.
    public let from: String
    public let to: String

    /// The first instant of `from`, as the UK counts days (GMT or BST).
    public var start: Date { CaseworkTime.startOfUKDay(CaseworkTime.parse(from)!) }
    /// The first instant after `to`.
    public var end: Date { CaseworkTime.endOfUKDay(CaseworkTime.parse(to)!) }

    /// Every UK day of the period, `YYYY-MM-DD`, first to last.
    public var ukDays: [String] {
        var days: [String] = []
        var day = start
        while day < end {
            days.append(CaseworkTime.ukDay(day))
            day = CaseworkTime.endOfUKDay(day)
        }
        return days
    }

    /// The `days` UK days ending today: what a page shows before anyone chooses (always a valid period).
    public static func lastDays(_ days: Int, now: Date) -> DayPeriod {
        DayPeriod(from: CaseworkTime.ukDay(now.addingTimeInterval(-Double(max(1, days) - 1) * 86400)), to: CaseworkTime.ukDay(now))
    }

    /// The period typed, either end possibly blank: `to` defaults to today and `from` to `defaultDaysBack` days
    /// before now. Each end must be a real date written `YYYY-MM-DD`, and the end not before the start.
    public static func parse(from: String?, to: String?, now: Date, defaultDaysBack: Int) throws(ValidationFailure) -> DayPeriod {
        var failure = ValidationFailure()
        let toText = (to ?? "").trimmingCharacters(in: .whitespaces)
        let fromText = (from ?? "").trimmingCharacters(in: .whitespaces)
        let last = toText.isEmpty ? CaseworkTime.ukDay(now) : toText
        let first = fromText.isEmpty ? CaseworkTime.ukDay(now.addingTimeInterval(-Double(defaultDaysBack) * 86400)) : fromText
        if last.count != 10 || CaseworkTime.parse(last) == nil { failure.add("to", "The end of the period must be a real date, like 22 November 2026") }
        if first.count != 10 || CaseworkTime.parse(first) == nil { failure.add("from", "The start of the period must be a real date, like 1 November 2026") }
        if failure.isEmpty && first > last { failure.add("to", "The end of the period must not be before its start") }
        try failure.throwIfAny()
        return DayPeriod(from: first, to: last)
    }
}
