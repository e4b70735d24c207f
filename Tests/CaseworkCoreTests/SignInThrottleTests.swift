import Foundation
import Testing
@testable import CaseworkCore

struct SignInThrottleTests {
    let throttle = SignInThrottle()
    /// 2026-11-22 09:30:00 UTC, the last wrong password in most tests.
    let last = utcInstant(2026, 11, 22, 9, 30, 0)

    @Test func noFailuresMeansAllowed() {
        #expect(throttle.decide(failures: 0, lastFailureAt: nil, now: last) == .allowed)
        #expect(throttle.decide(failures: 0, lastFailureAt: last, now: last) == .allowed)
    }

    @Test(arguments: [1, 2])
    func firstFewWrongPasswordsAreAllowedStraightAway(failures: Int) {
        #expect(throttle.decide(failures: failures, lastFailureAt: last, now: last) == .allowed)
        #expect(throttle.delay(afterFailures: failures) == 0)
    }

    @Test(arguments: [(3, 5), (4, 10), (5, 20)])
    func waitAfterTheThirdWrongPasswordDoublesEachTime(failures: Int, seconds: Int) {
        #expect(throttle.delay(afterFailures: failures) == TimeInterval(seconds))
        #expect(throttle.decide(failures: failures, lastFailureAt: last, now: last) == .wait(seconds: seconds))
        #expect(throttle.decide(failures: failures, lastFailureAt: last, now: last.addingTimeInterval(TimeInterval(seconds) - 0.5)) == .wait(seconds: 1))
        #expect(throttle.decide(failures: failures, lastFailureAt: last, now: last.addingTimeInterval(TimeInterval(seconds))) == .allowed)
    }

    @Test func remainingWaitIsRoundedUpToWholeSeconds() {
        #expect(throttle.decide(failures: 4, lastFailureAt: last, now: last.addingTimeInterval(2.1)) == .wait(seconds: 8))
    }

    @Test(arguments: [6, 7, 20])
    func sixWrongPasswordsLockTheAccountForFifteenMinutes(failures: Int) {
        let until = last.addingTimeInterval(15 * 60)
        #expect(throttle.isLocked(failures: failures))
        #expect(throttle.decide(failures: failures, lastFailureAt: last, now: last) == .locked(until: until))
        #expect(throttle.decide(failures: failures, lastFailureAt: last, now: until.addingTimeInterval(-1)) == .locked(until: until))
        #expect(throttle.decide(failures: failures, lastFailureAt: last, now: until) == .allowed)
        #expect(throttle.decide(failures: failures, lastFailureAt: last, now: until.addingTimeInterval(3600)) == .allowed)
    }

    @Test func fiveWrongPasswordsDoNotLock() {
        #expect(!throttle.isLocked(failures: 5))
    }

    @Test func attackerTryingAsSoonAsAllowedMeetsGrowingWaitsThenALock() {
        var now = last
        var failures = 0
        var lastFailure: Date?
        var waits: [Int] = []
        var lockedUntil: Date?
        while lockedUntil == nil {
            switch throttle.decide(failures: failures, lastFailureAt: lastFailure, now: now) {
            case .allowed:
                failures += 1
                lastFailure = now
            case .wait(let seconds):
                waits.append(seconds)
                now = now.addingTimeInterval(TimeInterval(seconds))
            case .locked(let until):
                lockedUntil = until
            }
        }
        #expect(waits == [5, 10, 20])
        #expect(failures == 6)
        #expect(lockedUntil == lastFailure?.addingTimeInterval(900))
    }

    @Test func allowedNeedsNoRefusal() {
        #expect(throttle.refusal(for: .allowed, failures: 2, now: last) == nil)
    }

    @Test func waitRefusalSaysHowManySeconds() throws {
        let refusal = try #require(throttle.refusal(for: .wait(seconds: 10), failures: 4, now: last))
        #expect(refusal == .throttled("Too many wrong passwords. Wait 10 seconds before trying again.", retryAfterSeconds: 10))
    }

    @Test func waitRefusalForOneSecondIsSingular() throws {
        let refusal = try #require(throttle.refusal(for: .wait(seconds: 1), failures: 3, now: last))
        #expect(refusal.message.contains("Wait 1 second before"))
    }

    @Test func lockRefusalGivesTheUtcTimeAndSecondsToWait() throws {
        let now = last.addingTimeInterval(60)
        let decision = throttle.decide(failures: 6, lastFailureAt: last, now: now)
        let refusal = try #require(throttle.refusal(for: decision, failures: 6, now: now))
        guard case .throttled(let message, let retryAfter) = refusal else {
            Issue.record("expected a throttled refusal, got \(refusal)")
            return
        }
        #expect(retryAfter == 14 * 60)
        #expect(message.contains("locked after 6 wrong passwords"))
        #expect(message.contains("Try again after 09:45 UTC"))
        #expect(message.contains("administrator"))
    }

    @Test func lockRefusalNeverAsksToWaitZeroSeconds() throws {
        let until = last.addingTimeInterval(900)
        let refusal = try #require(throttle.refusal(for: .locked(until: until), failures: 6, now: until))
        guard case .throttled(_, let retryAfter) = refusal else { Issue.record("not throttled"); return }
        #expect(retryAfter == 1)
    }

    @Test func customPolicyIsHonoured() {
        let strict = SignInThrottle(freeAttempts: 1, lockAfter: 3, lockDuration: 60)
        #expect(strict.decide(failures: 1, lastFailureAt: last, now: last) == .wait(seconds: 5))
        #expect(strict.decide(failures: 2, lastFailureAt: last, now: last) == .wait(seconds: 10))
        #expect(strict.decide(failures: 3, lastFailureAt: last, now: last) == .locked(until: last.addingTimeInterval(60)))
        #expect(strict.decide(failures: 3, lastFailureAt: last, now: last.addingTimeInterval(60)) == .allowed)
    }
}
