import Foundation
import Testing
@testable import CaseworkCore

struct CaseworkTimeTests {
    // MARK: iso8601Millis

    @Test func iso8601MillisShowsUtcWithMilliseconds() {
        #expect(CaseworkTime.iso8601Millis(utcInstant(2026, 11, 22, 9, 30, 0, millis: 123)) == "2026-11-22T09:30:00.123Z")
        #expect(CaseworkTime.iso8601Millis(utcInstant(2026, 1, 2, 3, 4, 5)) == "2026-01-02T03:04:05.000Z")
        #expect(CaseworkTime.iso8601Millis(utcInstant(2026, 12, 31, 23, 59, 59, millis: 999)) == "2026-12-31T23:59:59.999Z")
    }

    /// `parse` reads what Casework writes by arithmetic; it must read exactly what the ISO 8601 formatters read.
    @Test func parsingAgreesWithTheFormattersOverCenturiesLeapDaysAndFractions() {
        func formatters(_ text: String) -> Date? {
            let withFraction = ISO8601DateFormatter()
            withFraction.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            if let date = withFraction.date(from: text) { return date }
            let plain = ISO8601DateFormatter()
            plain.formatOptions = [.withInternetDateTime]
            return plain.date(from: text)
        }
        let instants = stride(from: -2_177_452_800.0, to: 4_102_444_800.0, by: 1_000_003.0).map(Date.init(timeIntervalSince1970:))
            + [0, 951_782_400, 951_868_799, 1_795_000_000].map(Date.init(timeIntervalSince1970:))
        for instant in instants {
            let whole = CaseworkTime.iso8601(instant), millis = CaseworkTime.iso8601Millis(instant.addingTimeInterval(0.753))
            #expect(CaseworkTime.parse(whole) == instant, "\(whole)")
            #expect(CaseworkTime.parse(whole) == formatters(whole), "\(whole)")
            let read = CaseworkTime.parse(millis), theirs = formatters(millis)
            #expect(read != nil && theirs != nil && abs(read!.timeIntervalSince(theirs!)) < 0.000_001, "\(millis)")
            #expect(CaseworkTime.iso8601Millis(read!) == millis)
        }
        // Days: real ones at midnight UTC, unreal ones refused, as before.
        #expect(CaseworkTime.parse("2024-02-29") == Date(timeIntervalSince1970: 1_709_164_800))
        #expect(CaseworkTime.parse("2026-02-29") == nil && CaseworkTime.parse("2026-13-01") == nil && CaseworkTime.parse("2026-04-31") == nil)
        #expect(CaseworkTime.parse("2100-02-29") == nil && CaseworkTime.parse("2000-02-29") != nil)
        // Not Casework's shapes: refused, or left to the formatters (an offset).
        for text in ["2026-11-22T24:00:00Z", "2026-11-22T09:60:00Z", "2026-11-22 09:30:00Z", "2026-11-22T09:30:00", "2026-11-2", "22/11/2026", ""] {
            #expect(CaseworkTime.parse(text) == formatters(text), "\(text)")
        }
        #expect(CaseworkTime.parse("2026-11-22T10:30:00+01:00") == CaseworkTime.parse("2026-11-22T09:30:00Z"))
    }

    @Test func isoTextAgreesWithTheCalendarOverCenturiesLeapDaysAndNegativeInstants() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        // Every 1,000,003 seconds from 1901 to 2100 (leap days, century years, before 1970), plus edges.
        var instants = stride(from: -2_177_452_800.0, to: 4_102_444_800.0, by: 1_000_003.0).map { Date(timeIntervalSince1970: $0 + 0.25) }
        instants += [-1, -0.0005, 0, 951_782_400, 951_868_799.9996, 4_107_542_400].map(Date.init(timeIntervalSince1970:))
        for instant in instants {
            let millis = (instant.timeIntervalSince1970 * 1000).rounded()
            let whole = Date(timeIntervalSince1970: (millis / 1000).rounded(.down))
            let p = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: whole)
            let fraction = Int(millis - (millis / 1000).rounded(.down) * 1000)
            let expected = String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", p.year!, p.month!, p.day!, p.hour!, p.minute!, p.second!, fraction)
            #expect(CaseworkTime.iso8601Millis(instant) == expected, "at \(instant.timeIntervalSince1970)")
            let q = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: instant.timeIntervalSince1970.rounded(.down)))
            #expect(CaseworkTime.iso8601(instant) == String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", q.year!, q.month!, q.day!, q.hour!, q.minute!, q.second!))
        }
        #expect(CaseworkTime.iso8601Millis(Date(timeIntervalSince1970: 951_868_799.9996)) == "2000-03-01T00:00:00.000Z")
        #expect(CaseworkTime.iso8601(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29T00:00:00Z")
        #expect(CaseworkTime.iso8601(Date(timeIntervalSince1970: -1)) == "1969-12-31T23:59:59Z")
    }

    @Test func iso8601MillisIsFixedWidthAndSortsInTimeOrder() {
        var generator = SeededGenerator(seed: 8_601)
        let from = utcInstant(2000, 1, 1).timeIntervalSince1970
        let to = utcInstant(2099, 12, 31).timeIntervalSince1970
        var instants: [Date] = []
        for _ in 0..<500 {
            let base = Date(timeIntervalSince1970: Double.random(in: from...to, using: &generator).rounded(.down))
            instants.append(base)
            // Close neighbours: same second, a few milliseconds apart, and across a minute boundary.
            instants.append(base.addingTimeInterval(Double(Int.random(in: 1...999, using: &generator)) / 1000))
            instants.append(base.addingTimeInterval(Double(Int.random(in: 59...61, using: &generator))))
        }
        let texts = instants.map(CaseworkTime.iso8601Millis)
        #expect(Set(texts.map(\.count)) == [24])
        let byTime = instants.sorted().map(CaseworkTime.iso8601Millis)
        #expect(texts.sorted() == byTime)
    }

    @Test func iso8601MillisRoundTripsThroughParse() throws {
        var generator = SeededGenerator(seed: 42)
        for _ in 0..<500 {
            // 2000-01-01 to 2035-01-01 (see the report: later instants can lose a millisecond).
            let millis = Int64.random(in: 946_684_800_000...2_051_222_400_000, using: &generator)
            let text = CaseworkTime.iso8601Millis(Date(timeIntervalSince1970: Double(millis) / 1000))
            let parsed = try #require(CaseworkTime.parse(text), "\(text)")
            #expect(CaseworkTime.iso8601Millis(parsed) == text)
        }
    }

    // MARK: Display formats

    @Test func iso8601ShowsWholeSeconds() {
        #expect(CaseworkTime.iso8601(utcInstant(2026, 11, 22, 9, 30, 7, millis: 900)) == "2026-11-22T09:30:07Z")
    }

    @Test func longDateReadsLikeAUkDate() {
        #expect(CaseworkTime.longDate(utcInstant(2026, 11, 22, 12)) == "22 November 2026")
        #expect(CaseworkTime.longDate(utcInstant(2026, 3, 1, 12)) == "1 March 2026")
    }

    @Test(arguments: [
        // In December the UK is on GMT: 13:52 UTC is 1:52pm.
        ((2026, 12, 2, 13, 52), "2 December 2026 at 1:52pm"),
        ((2026, 12, 2, 9, 5), "2 December 2026 at 9:05am"),
        ((2026, 12, 2, 9, 0), "2 December 2026 at 9am"),
        ((2026, 12, 2, 12, 0), "2 December 2026 at midday"),
        ((2026, 12, 2, 0, 0), "2 December 2026 at midnight"),
        ((2026, 12, 2, 0, 30), "2 December 2026 at 12:30am"),
        // In June it is on BST: 23:30 UTC is already 12:30am the next day.
        ((2026, 6, 21, 23, 30), "22 June 2026 at 12:30am"),
        ((2026, 6, 21, 16, 15), "21 June 2026 at 5:15pm"),
    ])
    func instantsForPeopleReadInUkTimeOnATwelveHourClock(utc: (Int, Int, Int, Int, Int), expected: String) {
        #expect(CaseworkTime.forPeople(utcInstant(utc.0, utc.1, utc.2, utc.3, utc.4)) == expected)
    }

    @Test func aDayTypedInThreeBoxesReadsAsTheDayAndBack() {
        #expect(CaseworkTime.dayText(day: "27", month: "3", year: "1984") == "1984-03-27")
        #expect(CaseworkTime.dayText(day: " 5 ", month: "11", year: "2001") == "2001-11-05")
        #expect(CaseworkTime.dayText(day: "", month: "", year: " ") == "")
        #expect(CaseworkTime.parse(CaseworkTime.dayText(day: "31", month: "2", year: "1990")) == nil, "31 February is not a day")
        #expect(CaseworkTime.dayText(day: "x", month: "3", year: "1984") == "1984-03-x")
        #expect(CaseworkTime.dayParts("1984-03-27") == ("27", "3", "1984"))
        #expect(CaseworkTime.dayParts("") == ("", "", ""))
    }

    @Test func longDateUsesLondonTime() {
        // 23:30 UTC in June is already the next day in London (BST); in December it is not (GMT).
        #expect(CaseworkTime.longDate(utcInstant(2026, 6, 21, 23, 30)) == "22 June 2026")
        #expect(CaseworkTime.longDate(utcInstant(2026, 12, 21, 23, 30)) == "21 December 2026")
    }

    /// The UK wall clock is read by arithmetic from London's transitions; it must read what a `Calendar` in
    /// Europe/London reads, on both sides of every change of clocks and at instants spread over two centuries.
    @Test func theUkWallClockAgreesWithTheCalendarAcrossEveryChangeOfClocks() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/London")!
        var instants: [TimeInterval] = [-86_400 * 400, -1, 0, 1, 7_258_118_399, 7_258_118_400, 7_400_000_000]
        var at = Date(timeIntervalSince1970: 0)
        var transitions = 0
        while let next = calendar.timeZone.nextDaylightSavingTimeTransition(after: at), next.timeIntervalSince1970 < 7_258_118_400 {
            let t = next.timeIntervalSince1970
            instants += [t - 3601, t - 1, t - 0.5, t, t + 0.5, t + 1, t + 3599, t + 3600]
            at = next
            transitions += 1
        }
        var generator = SeededGenerator(seed: 42)
        for _ in 0..<20_000 { instants.append(Double(Int64.random(in: -100_000_000...7_300_000_000, using: &generator)) + 0.25) }
        #expect(transitions > 400, "London changes its clocks twice a year from 1972")
        for seconds in instants {
            let date = Date(timeIntervalSince1970: seconds)
            let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
            let clock = UKWallClock(date)
            let read: [Int] = [clock.year, clock.month, clock.day, clock.hour, clock.minute]
            let expected: [Int] = [parts.year!, parts.month!, parts.day!, parts.hour!, parts.minute!]
            #expect(read == expected, "at \(seconds)")
        }
    }

    @Test func theUkClockTimeAndDayReadLondonTime() {
        // 00:30 UTC on 29 March 2026 is 00:30 GMT; 01:30 UTC is 02:30 BST, the clocks having gone forward at 01:00.
        #expect(CaseworkTime.ukClockTime(utcInstant(2026, 3, 29, 0, 30)) == "00:30")
        #expect(CaseworkTime.ukClockTime(utcInstant(2026, 3, 29, 1, 30)) == "02:30")
        #expect(CaseworkTime.ukDay(utcInstant(2026, 6, 21, 23, 30)) == "2026-06-22")
        #expect(CaseworkTime.ukTwelveHourTime(utcInstant(2026, 10, 25, 0, 59)) == "1:59am")
        #expect(CaseworkTime.ukTwelveHourTime(utcInstant(2026, 10, 25, 1, 0)) == "1am", "back to GMT at 01:00 UTC")
    }

    @Test func clockTimeIsZeroPaddedUtc() {
        #expect(CaseworkTime.clockTime(utcInstant(2026, 6, 21, 9, 5, 59)) == "09:05")
        #expect(CaseworkTime.clockTime(utcInstant(2026, 6, 21, 23, 30)) == "23:30")
    }

    // MARK: parse

    @Test func parseAcceptsZuluInstants() {
        #expect(CaseworkTime.parse("2026-11-22T09:30:00Z") == utcInstant(2026, 11, 22, 9, 30, 0))
    }

    @Test func parseAcceptsFractionalSeconds() throws {
        let parsed = try #require(CaseworkTime.parse("2026-11-22T09:30:00.123Z"))
        #expect(CaseworkTime.iso8601Millis(parsed) == "2026-11-22T09:30:00.123Z")
        #expect(abs(parsed.timeIntervalSince(utcInstant(2026, 11, 22, 9, 30, 0)) - 0.123) < 0.000_5)
    }

    @Test func parseAcceptsPlainDatesAsMidnightUtc() {
        #expect(CaseworkTime.parse("2026-11-22") == utcInstant(2026, 11, 22))
    }

    @Test func parseConvertsOffsetsToUtc() {
        #expect(CaseworkTime.parse("2026-06-21T10:30:00+01:00") == utcInstant(2026, 6, 21, 9, 30))
    }

    @Test func parseIgnoresSurroundingSpaces() {
        #expect(CaseworkTime.parse("  2026-11-22T09:30:00Z ") == utcInstant(2026, 11, 22, 9, 30, 0))
    }

    @Test(arguments: ["", "   ", "junk", "yesterday", "22/11/2026", "22 November 2026", "2026-13-45", "2026-11", "2026", "T09:30:00Z"])
    func parseRejectsJunk(text: String) {
        #expect(CaseworkTime.parse(text) == nil)
    }

    // MARK: Clocks

    @Test func testClockOnlyMovesWhenTold() {
        let start = utcInstant(2026, 11, 22, 9, 0)
        let clock = TestClock(start: start)
        #expect(clock.now() == start)
        #expect(clock.now() == start)
        #expect(clock.advance(by: 90) == start.addingTimeInterval(90))
        #expect(clock.now() == start.addingTimeInterval(90))
        clock.set(utcInstant(2027, 1, 1))
        #expect(clock.now() == utcInstant(2027, 1, 1))
    }

    @Test func systemClockFollowsRealTime() {
        let before = Date()
        let now = SystemClock().now()
        #expect(now >= before)
        #expect(now.timeIntervalSince(before) < 60)
    }
}
