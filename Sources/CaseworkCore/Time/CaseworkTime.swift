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
        let parts = calendar(london).dateComponents([.year, .month, .day], from: date)
        return "\(parts.day!) \(monthNames[parts.month! - 1]) \(parts.year!)"
    }

    /// The instant rounded down to a whole second. Every database stores whole seconds exactly, so an instant
    /// saved this way reads back equal to itself: an expiry or a removal takes effect at exactly the second reported.
    public static func wholeSecond(_ date: Date) -> Date {
        Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
    }

    /// `2026-11-22`: the calendar day in the UK, which is what "today" means to staff recording money.
    public static func ukDay(_ date: Date) -> String {
        let parts = calendar(london).dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
    }

    /// "14:30" as a clock in the UK reads it (GMT or BST), for messages people act on.
    public static func ukClockTime(_ date: Date) -> String {
        let parts = calendar(london).dateComponents([.hour, .minute], from: date)
        return String(format: "%02d:%02d", parts.hour!, parts.minute!)
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
        let parts = calendar(utc).dateComponents([.hour, .minute], from: date)
        return String(format: "%02d:%02d", parts.hour!, parts.minute!)
    }

    /// `2026-11-22T09:30:00.123Z`: fixed width, so text order is time order.
    public static func iso8601Millis(_ date: Date) -> String {
        // Nearest, not down: a Date read back from "...44.753Z" may sit a hair below .753 in binary.
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let seconds = TimeInterval(millis / 1000)
        let parts = calendar(utc).dateComponents([.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: seconds))
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.year!, parts.month!, parts.day!, parts.hour!,
            parts.minute!, parts.second!, Int(millis % 1000))
    }

    /// `2026-11-22T09:30:00Z`, as the API answers instants.
    public static func iso8601(_ date: Date) -> String {
        let parts = calendar(utc).dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02dZ", parts.year!, parts.month!, parts.day!, parts.hour!,
            parts.minute!, parts.second!)
    }

    /// Reads `2026-11-22T09:30:00Z` (fractional seconds allowed) or a plain date `2026-11-22` (midnight UTC).
    public static func parse(_ text: String) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
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
