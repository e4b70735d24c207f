import Foundation

/// The source of "now": the system clock in production, a settable one in tests and test mode.
public protocol CaseworkClock: Sendable {
    func now() -> Date
}

/// The real clock.
public struct SystemClock: CaseworkClock {
    public init() {}
    public func now() -> Date { Date() }
}

/// A clock that only moves when told to, so tests and journeys can cross an expiry without waiting.
public final class TestClock: CaseworkClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    public init(start: Date = Date()) { current = start }

    public func now() -> Date { lock.withLock { current } }

    public func set(_ instant: Date) { lock.withLock { current = instant } }

    @discardableResult
    public func advance(by seconds: TimeInterval) -> Date {
        lock.withLock {
            current = current.addingTimeInterval(seconds)
            return current
        }
    }
}

/// The formats Casework shows and stores instants in.
public enum CaseworkTime {
    static let utc = TimeZone(identifier: "UTC")!
    static let london = TimeZone(identifier: "Europe/London") ?? utc

    private static func calendar(_ zone: TimeZone) -> Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar
    }

    private static let monthNames = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September",
        "October", "November", "December",
    ]

    /// `22 November 2026`: the date as staff in the UK read it.
    public static func longDate(_ date: Date) -> String {
        longDate(UKWallClock(date))
    }

    private static func longDate(_ clock: UKWallClock) -> String {
        "\(clock.day) \(monthNames[clock.month - 1]) \(clock.year)"
    }

    /// `2 December 2026 at 1:52pm`: an instant as people in the UK read it (GMT or BST), in the GOV.UK style: a
    /// 12-hour clock, no leading zero, "am"/"pm", and "midday" and "midnight" for the two ambiguous hours.
    public static func forPeople(_ date: Date) -> String {
        let clock = UKWallClock(date)
        return "\(longDate(clock)) at \(twelveHour(clock))"
    }

    /// `1:52pm`, `9am`, `midday`, `midnight` (UK time), in the GOV.UK style.
    public static func ukTwelveHourTime(_ date: Date) -> String {
        twelveHour(UKWallClock(date))
    }

    private static func twelveHour(_ clock: UKWallClock) -> String {
        let hour = clock.hour, minute = clock.minute
        if minute == 0 && hour == 0 { return "midnight" }
        if minute == 0 && hour == 12 { return "midday" }
        let twelve = hour % 12 == 0 ? 12 : hour % 12
        let suffix = hour < 12 ? "am" : "pm"
        return minute == 0 ? "\(twelve)\(suffix)" : "\(twelve):\(twoDigits(minute))\(suffix)"
    }

    private static func twoDigits(_ value: Int) -> String {
        value < 10 ? "0\(value)" : "\(value)"
    }

    /// A day typed as three boxes (GOV.UK's date input: day, month, year) as the `YYYY-MM-DD` text the rules read:
    /// one-digit days and months get their zero; what is not digits is kept, so the rule says it is not a date. All
    /// three blank is blank.
    public static func dayText(day: String?, month: String?, year: String?) -> String {
        let parts = [year, month, day].map { ($0 ?? "").trimmingCharacters(in: .whitespaces) }
        guard parts.contains(where: { !$0.isEmpty }) else { return "" }
        func padded(_ part: String) -> String { part.count == 1 && part.allSatisfy(\.isNumber) ? "0" + part : part }
        return "\(parts[0])-\(padded(parts[1]))-\(padded(parts[2]))"
    }

    /// `YYYY-MM-DD` back into its three boxes, as people type them (no leading zero); blank boxes for anything else.
    public static func dayParts(_ text: String) -> (day: String, month: String, year: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3 else { return ("", "", "") }
        func unpadded(_ part: String) -> String { part.count == 2 && part.hasPrefix("0") ? String(part.dropFirst()) : part }
        return (unpadded(parts[2]), unpadded(parts[1]), parts[0])
    }

    /// The instant rounded down to a whole second. Every database stores whole seconds exactly, so an instant
    /// saved this way reads back equal to itself: an expiry or a removal takes effect at exactly the second reported.
    public static func wholeSecond(_ date: Date) -> Date {
        Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
    }

    /// `2026-11-22`: the calendar day in the UK, which is what "today" means to staff recording money.
    public static func ukDay(_ date: Date) -> String {
        let clock = UKWallClock(date)
        return String(format: "%04d-%02d-%02d", clock.year, clock.month, clock.day)
    }

    /// "14:30" as a clock in the UK reads it (GMT or BST), for messages people act on.
    public static func ukClockTime(_ date: Date) -> String {
        let clock = UKWallClock(date)
        return "\(twoDigits(clock.hour)):\(twoDigits(clock.minute))"
    }

    /// The first instant of the UK calendar day the instant falls in (midnight GMT, or 23:00 UTC the day before in BST).
    public static func startOfUKDay(_ date: Date) -> Date {
        calendar(london).startOfDay(for: date)
    }

    /// The first instant of the next UK calendar day: "ending today" means expiring before this.
    public static func endOfUKDay(_ date: Date) -> Date {
        let cal = calendar(london)
        return cal.date(byAdding: .day, value: 1, to: cal.startOfDay(for: date))!
    }

    /// `09:05`, in UTC.
    public static func clockTime(_ date: Date) -> String {
        let (_, secondOfDay) = UTCText.floorDivide(Int64(date.timeIntervalSince1970.rounded(.down)), 86_400)
        return "\(twoDigits(Int(secondOfDay / 3600))):\(twoDigits(Int(secondOfDay / 60 % 60)))"
    }

    /// `2026-11-22T09:30:00.123Z`: fixed width, so text order is time order.
    public static func iso8601Millis(_ date: Date) -> String {
        // Nearest, not down: a Date read back from "...44.753Z" may sit a hair below .753 in binary.
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let (seconds, fraction) = millis.quotientAndRemainder(dividingBy: 1000)
        return UTCText(seconds: fraction < 0 ? seconds - 1 : seconds, millis: fraction < 0 ? fraction + 1000 : fraction).text
    }

    /// `2026-11-22T09:30:00Z`, as the API answers instants.
    public static func iso8601(_ date: Date) -> String {
        UTCText(seconds: Int64(date.timeIntervalSince1970.rounded(.down)), millis: nil).text
    }

    /// Reads `2026-11-22T09:30:00Z` (fractional seconds allowed) or a plain date `2026-11-22` (midnight UTC).
    public static func parse(_ text: String) -> Date? {
        // What Casework itself writes is read by integer arithmetic: making three ISO8601DateFormatters for every
        // instant was two thirds of the monitoring page's time (each time on it is read back to be shown to people).
        // It has no spaces around it, so it is read before Foundation's trimming, which costs more than the reading.
        if let date = UTCText.parse(text) { return date }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let date = UTCText.parse(trimmed) { return date }
        let withFraction = ISO8601DateFormatter()
        withFraction.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = withFraction.date(from: trimmed) { return date }
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        if let date = plain.date(from: trimmed) { return date }
        // A plain date must be exactly YYYY-MM-DD and a real day: nothing may follow it, and 2026-02-30 is refused.
        guard trimmed.count == 10, trimmed.enumerated().allSatisfy({ index, c in [4, 7].contains(index) ? c == "-" : c.isASCII && c.isNumber }) else {
            return nil
        }
        let dateOnly = ISO8601DateFormatter()
        dateOnly.formatOptions = [.withFullDate]
        guard let date = dateOnly.date(from: trimmed), dateOnly.string(from: date) == trimmed else { return nil }
        return date
    }
}

extension UTCText {
    /// `YYYY-MM-DDTHH:MM:SSZ`, with or without a fraction of a second, or a plain `YYYY-MM-DD` (midnight UTC): the
    /// instant, when the text is exactly that shape and names a real time. Nil for anything else, including offsets
    /// other than `Z`, which `CaseworkTime.parse` leaves to the formatters.
    static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[from..<from + count] {
                guard byte >= 48 && byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard bytes.count >= 10, bytes[4] == 45, bytes[7] == 45,
              let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
              (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year) else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        if bytes.count == 10 { return Date(timeIntervalSince1970: Double(days) * 86400) }
        guard bytes.count >= 20, bytes[10] == 84, bytes[13] == 58, bytes[16] == 58, bytes.last == 90,
              let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2),
              hour < 24, minute < 60, second < 60 else { return nil }
        var fraction = 0.0
        if bytes.count > 20 {
            // ".d" to ".ddddddddd" before the Z.
            let digits = bytes.count - 21
            guard bytes[19] == 46, (1...9).contains(digits), let value = number(20, digits) else { return nil }
            fraction = Double(value) / pow(10, Double(digits))
        }
        return Date(timeIntervalSince1970: Double(days * 86400 + hour * 3600 + minute * 60 + second) + fraction)
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a day on the proleptic Gregorian calendar (H. Hinnant's days_from_civil).
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}

/// An instant as ISO 8601 text in UTC, by integer arithmetic on the proleptic Gregorian calendar. Every audit event
/// and every instant the API answers is written this way, so it avoids Calendar (locks, a components dictionary)
/// and String(format:) (vfprintf), which were a visible share of an audited read.
private struct UTCText {
    let seconds: Int64
    let millis: Int64?

    var text: String {
        let (days, secondOfDay) = Self.floorDivide(seconds, 86_400)
        let (year, month, day) = Self.civil(fromDays: days)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        Self.digits(year, width: 4, into: &bytes)
        bytes.append(UInt8(ascii: "-"))
        Self.digits(month, width: 2, into: &bytes)
        bytes.append(UInt8(ascii: "-"))
        Self.digits(day, width: 2, into: &bytes)
        bytes.append(UInt8(ascii: "T"))
        Self.digits(secondOfDay / 3600, width: 2, into: &bytes)
        bytes.append(UInt8(ascii: ":"))
        Self.digits(secondOfDay / 60 % 60, width: 2, into: &bytes)
        bytes.append(UInt8(ascii: ":"))
        Self.digits(secondOfDay % 60, width: 2, into: &bytes)
        if let millis {
            bytes.append(UInt8(ascii: "."))
            Self.digits(millis, width: 3, into: &bytes)
        }
        bytes.append(UInt8(ascii: "Z"))
        return String(decoding: bytes, as: UTF8.self)
    }

    fileprivate static func floorDivide(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
        let (quotient, remainder) = value.quotientAndRemainder(dividingBy: divisor)
        return remainder < 0 ? (quotient - 1, remainder + divisor) : (quotient, remainder)
    }

    /// Year, month and day of the day `days` after 1970-01-01 (Howard Hinnant's civil_from_days).
    fileprivate static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// A non-negative number in at least `width` digits, zero-padded.
    private static func digits(_ value: Int64, width: Int, into bytes: inout [UInt8]) {
        var text = Array(String(value).utf8)
        while text.count < width { text.insert(UInt8(ascii: "0"), at: 0) }
        bytes.append(contentsOf: text)
    }
}

/// The wall clock in the UK (GMT or BST) at an instant: year, month, day, hour and minute, read by integer arithmetic
/// from London's offset at that instant. A `Calendar` in Europe/London answering `dateComponents` (a new calendar,
/// a time-zone lookup and a components dictionary each time) was a tenth of a home page's time, which shows a
/// dozen instants, and most of what `#ukTime` cost on the monitoring page.
struct UKWallClock {
    let year: Int, month: Int, day: Int, hour: Int, minute: Int

    init(_ date: Date) {
        let utc = Int64(date.timeIntervalSince1970.rounded(.down))
        let local = utc + Int64(UKOffsets.secondsFromGMT(at: utc, exact: date))
        let (days, secondOfDay) = UTCText.floorDivide(local, 86_400)
        let (year, month, day) = UTCText.civil(fromDays: days)
        self.year = Int(year)
        self.month = Int(month)
        self.day = Int(day)
        hour = Int(secondOfDay / 3600)
        minute = Int(secondOfDay / 60 % 60)
    }
}

/// Europe/London's offset from UTC, taken once from the time-zone database: the offset at 1970 and every change
/// after it up to 2200, found by asking the zone for its next transition. An instant outside that span, or a zone
/// database that cannot list its transitions, asks the zone itself.
enum UKOffsets {
    /// (first second the offset applies, offset in seconds), in time order.
    private static let changes: [(from: Int64, offset: Int)] = {
        let zone = CaseworkTime.london
        var at = Date(timeIntervalSince1970: 0)
        var changes = [(from: Int64(0), offset: zone.secondsFromGMT(for: at))]
        let end = Date(timeIntervalSince1970: TimeInterval(coveredUntil))
        while let next = zone.nextDaylightSavingTimeTransition(after: at), next < end, next > at {
            changes.append((Int64(next.timeIntervalSince1970.rounded(.down)), zone.secondsFromGMT(for: next)))
            at = next
        }
        return changes
    }()

    /// 2200-01-01, the end of the span read from the zone.
    private static let coveredUntil: Int64 = 7_258_118_400

    static func secondsFromGMT(at second: Int64, exact date: Date) -> Int {
        guard second >= 0, second < coveredUntil, changes.count > 1 else {
            return CaseworkTime.london.secondsFromGMT(for: date)
        }
        // The last change at or before this second.
        var low = 0, high = changes.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if changes[middle].from <= second { low = middle } else { high = middle - 1 }
        }
        return changes[low].offset
    }
}
