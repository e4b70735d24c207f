import Foundation

/// How repeated wrong passwords slow a sign-in down and then lock the account for a while.
public struct SignInThrottle: Sendable {
    /// Wrong passwords allowed before each further attempt must wait.
    public var freeAttempts: Int
    /// Wrong passwords that lock the account.
    public var lockAfter: Int
    /// How long a lock lasts.
    public var lockDuration: TimeInterval

    public init(freeAttempts: Int = 3, lockAfter: Int = 6, lockDuration: TimeInterval = 15 * 60) {
        self.freeAttempts = freeAttempts
        self.lockAfter = lockAfter
        self.lockDuration = lockDuration
    }

    /// Whether an attempt may check the password now.
    public enum Decision: Sendable, Equatable {
        case allowed
        /// Too soon after the last wrong password: wait this many seconds.
        case wait(seconds: Int)
        /// Locked until this instant.
        case locked(until: Date)
    }

    /// The wait imposed after `failures` consecutive wrong passwords, doubling each time.
    public func delay(afterFailures failures: Int) -> TimeInterval {
        guard failures >= freeAttempts else { return 0 }
        return 5 * pow(2, Double(failures - freeAttempts))
    }

    public func decide(failures: Int, lastFailureAt: Date?, now: Date) -> Decision {
        guard failures > 0, let last = lastFailureAt else { return .allowed }
        if failures >= lockAfter {
            let until = last.addingTimeInterval(lockDuration)
            return now < until ? .locked(until: until) : .allowed
        }
        let readyAt = last.addingTimeInterval(delay(afterFailures: failures))
        if now < readyAt {
            return .wait(seconds: Int(readyAt.timeIntervalSince(now).rounded(.up)))
        }
        return .allowed
    }

    /// The refusal to show for a decision that is not `.allowed`.
    public func refusal(for decision: Decision, failures: Int, now: Date) -> DomainError? {
        switch decision {
        case .allowed:
            return nil
        case .wait(let seconds):
            return .throttled(
                "Too many wrong passwords. Wait \(seconds) second\(seconds == 1 ? "" : "s") before trying again.",
                retryAfterSeconds: seconds)
        case .locked(let until):
            let seconds = max(1, Int(until.timeIntervalSince(now).rounded(.up)))
            // The minute named is the first one at which a try is sure to be let through.
            return .throttled(
                "This account is locked after \(failures) wrong passwords. Try again after \(CaseworkTime.clockTime(until.addingTimeInterval(59))) UTC, or ask an administrator to reset your password.",
                retryAfterSeconds: seconds)
        }
    }

    /// Whether this failure count means the account is now locked (worth telling an administrator).
    public func isLocked(failures: Int) -> Bool { failures >= lockAfter }
}
