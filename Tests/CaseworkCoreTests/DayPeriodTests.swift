import Foundation
import Testing
@testable import CaseworkCore

struct DayPeriodTests {
    @Test func blankEndsDefaultToTodayAndTheDaysBackAsked() throws {
        let now = utcInstant(2026, 11, 22, 15, 0, 0)
        #expect(try DayPeriod.parse(from: nil, to: "", now: now, defaultDaysBack: 29) == DayPeriod(from: "2026-10-24", to: "2026-11-22"))
        #expect(try DayPeriod.parse(from: " ", to: nil, now: now, defaultDaysBack: 30) == DayPeriod(from: "2026-10-23", to: "2026-11-22"))
    }

    @Test func theDaysAreUKDaysWholeAtBothEnds() throws {
        // 15 July is in BST: the day runs from 23:00 UTC on the 14th to 23:00 UTC on the 15th.
        let summer = try DayPeriod.parse(from: "2026-07-15", to: "2026-07-15", now: utcInstant(2026, 7, 20), defaultDaysBack: 29)
        #expect(summer.start == utcInstant(2026, 7, 14, 23, 0, 0))
        #expect(summer.end == utcInstant(2026, 7, 15, 23, 0, 0))
        let winter = try DayPeriod.parse(from: "2026-11-01", to: "2026-11-02", now: utcInstant(2026, 11, 22), defaultDaysBack: 29)
        #expect(winter.start == utcInstant(2026, 11, 1) && winter.end == utcInstant(2026, 11, 3))
    }

    @Test func eachBadEndIsNamedAndAnEndBeforeTheStartIsRefused() {
        let now = utcInstant(2026, 11, 22)
        #expect(throws: ValidationFailure(["to": "The end of the period must be a real date, like 22 November 2026",
                                     "from": "The start of the period must be a real date, like 1 November 2026"])) {
            try DayPeriod.parse(from: "yesterday", to: "2026-02-30", now: now, defaultDaysBack: 29)
        }
        #expect(throws: ValidationFailure(["to": "The end of the period must not be before its start"])) {
            try DayPeriod.parse(from: "2026-11-10", to: "2026-11-09", now: now, defaultDaysBack: 29)
        }
    }
}
