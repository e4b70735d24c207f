import Foundation
import Testing
@testable import CaseworkCore

/// A deterministic random number generator (SplitMix64), so property-style tests
/// explore many inputs yet fail the same way on every run.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Runs a step that throws a `ValidationFailure` and hands back the failure, or nil when it passed.
/// Any other error is recorded as a test failure.
func validationFailure(sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) -> ValidationFailure? {
    do {
        try body()
        return nil
    } catch let failure as ValidationFailure {
        return failure
    } catch {
        Issue.record("expected a ValidationFailure, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// A UTC instant built from calendar parts, independent of the parser under test.
func utcInstant(_ year: Int, _ month: Int, _ day: Int, _ hour: Int = 0, _ minute: Int = 0, _ second: Int = 0, millis: Int = 0) -> Date {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    let whole = calendar.date(from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second))!
    return whole.addingTimeInterval(Double(millis) / 1000)
}
