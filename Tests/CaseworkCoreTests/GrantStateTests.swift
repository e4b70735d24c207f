import Foundation
import Testing
@testable import CaseworkCore

/// A grant takes effect and ends at exact instants, read on every access (seed 000: "What software changes").
struct GrantStateTests {
    static let grantedAt = utcInstant(2026, 3, 9, 10, 15, 0)
    /// Four hours later.
    static let expiresAt = utcInstant(2026, 3, 9, 14, 15, 0)

    static func state(_ instant: Date, removedAt: Date? = nil) -> GrantState {
        GrantState.at(instant, grantedAt: grantedAt, expiresAt: expiresAt, removedAt: removedAt)
    }

    @Test func activeFromTheInstantOfTheGrantUpToButNotIncludingExpiry() {
        #expect(Self.state(utcInstant(2026, 3, 9, 10, 15, 0)) == .active)
        #expect(Self.state(utcInstant(2026, 3, 9, 10, 15, 0, millis: 1)) == .active)
        #expect(Self.state(utcInstant(2026, 3, 9, 10, 15, 1)) == .active)
        #expect(Self.state(utcInstant(2026, 3, 9, 12, 0, 0)) == .active)
        #expect(Self.state(utcInstant(2026, 3, 9, 14, 14, 59)) == .active)
        #expect(Self.state(utcInstant(2026, 3, 9, 14, 14, 59, millis: 999)) == .active)
        #expect(Self.state(utcInstant(2026, 3, 9, 14, 15, 0)) == .expired)
    }

    @Test func expiredTheMomentItsTimeIsUpAndEverAfter() {
        #expect(Self.state(Self.expiresAt) == .expired)
        #expect(Self.state(utcInstant(2026, 3, 9, 14, 15, 0, millis: 1)) == .expired)
        #expect(Self.state(utcInstant(2026, 3, 9, 14, 15, 1)) == .expired)
        #expect(Self.state(utcInstant(2026, 3, 10)) == .expired)
        #expect(Self.state(utcInstant(2031, 1, 1)) == .expired)
    }

    @Test func neverActiveBeforeTheGrant() {
        for instant in [utcInstant(2026, 3, 9, 10, 14, 59, millis: 999), utcInstant(2026, 3, 9, 10, 14, 59),
                        utcInstant(2026, 3, 9), utcInstant(2020, 1, 1)] {
            #expect(Self.state(instant) != .active, "\(instant)")
            #expect(Self.state(instant, removedAt: Self.expiresAt) != .active, "\(instant)")
        }
    }

    @Test func removedFromTheInstantOfRemovalEvenBeforeExpiry() {
        let removedAt = utcInstant(2026, 3, 9, 11, 30, 0)
        #expect(Self.state(utcInstant(2026, 3, 9, 11, 29, 59, millis: 999), removedAt: removedAt) == .active)
        #expect(Self.state(removedAt, removedAt: removedAt) == .removed)
        #expect(Self.state(utcInstant(2026, 3, 9, 11, 30, 0, millis: 1), removedAt: removedAt) == .removed)
        #expect(Self.state(utcInstant(2026, 3, 9, 14, 14, 59), removedAt: removedAt) == .removed)
        // Removal stays the state after the grant would have expired.
        #expect(Self.state(Self.expiresAt, removedAt: removedAt) == .removed)
        #expect(Self.state(utcInstant(2027, 1, 1), removedAt: removedAt) == .removed)
    }

    @Test func removedAtTheVeryInstantOfTheGrantIsNeverActive() {
        #expect(Self.state(Self.grantedAt, removedAt: Self.grantedAt) == .removed)
        #expect(Self.state(utcInstant(2026, 3, 9, 12), removedAt: Self.grantedAt) == .removed)
    }

    @Test func aRemovalRecordedAfterExpiryOnlyShowsFromItsOwnInstant() {
        let removedAt = utcInstant(2026, 3, 9, 15, 0, 0)
        #expect(Self.state(utcInstant(2026, 3, 9, 14, 0, 0), removedAt: removedAt) == .active)
        #expect(Self.state(utcInstant(2026, 3, 9, 14, 30, 0), removedAt: removedAt) == .expired)
        #expect(Self.state(removedAt, removedAt: removedAt) == .removed)
    }

    @Test func aOneMinuteGrantIsActiveForExactlySixtySeconds() {
        let start = utcInstant(2026, 3, 9, 23, 59, 30)
        let end = start.addingTimeInterval(60)
        let at = { (instant: Date) in GrantState.at(instant, grantedAt: start, expiresAt: end, removedAt: nil) }
        #expect(at(start) == .active)
        #expect(at(utcInstant(2026, 3, 10, 0, 0, 29, millis: 999)) == .active)
        #expect(at(utcInstant(2026, 3, 10, 0, 0, 30)) == .expired)
    }

    /// Random instants around random grants agree with the rule worked out by hand on whole milliseconds.
    @Test func randomInstantsAgreeWithTheRule() {
        var random = SeededGenerator(seed: 0x6AA7_5747)
        let base = Self.grantedAt
        for _ in 0..<5000 {
            let grantedMs = Int.random(in: -10_000...10_000, using: &random)
            let expiresMs = grantedMs + Int.random(in: 1...600_000, using: &random)
            let removedMs: Int? = Bool.random(using: &random) ? Int.random(in: (grantedMs - 1000)...(expiresMs + 1000), using: &random) : nil
            let nowMs = Int.random(in: (grantedMs - 2000)...(expiresMs + 2000), using: &random)
            let date = { (ms: Int) in base.addingTimeInterval(Double(ms) / 1000) }
            let want: GrantState
            if let removedMs, removedMs <= nowMs {
                want = .removed
            } else if grantedMs <= nowMs && nowMs < expiresMs {
                want = .active
            } else {
                want = .expired
            }
            let got = GrantState.at(date(nowMs), grantedAt: date(grantedMs), expiresAt: date(expiresMs), removedAt: removedMs.map(date))
            #expect(got == want, "now \(nowMs) granted \(grantedMs) expires \(expiresMs) removed \(String(describing: removedMs))")
        }
    }
}
