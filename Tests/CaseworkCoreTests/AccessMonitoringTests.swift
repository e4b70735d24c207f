import Foundation
import Testing
@testable import CaseworkCore

struct AccessMonitoringTests {
    static let t0 = utcInstant(2026, 11, 2, 9, 0, 0)
    static func at(_ minutes: Double) -> Date { t0.addingTimeInterval(minutes * 60) }

    static func record(_ reference: String, team: String, _ status: AccessRequestStatus, _ steps: [(Double, String, String?)]) -> AccessMonitoring.RequestRecord {
        AccessMonitoring.RequestRecord(reference: reference, team: team, status: status,
                                       steps: steps.map { AccessMonitoring.Step(at: at($0.0), action: AccessHistoryAction(rawValue: $0.1)!, reason: $0.2) })
    }

    static let granted = record("CSUA-1", team: "Leeds", .granted,
                                [(0, "submitted", nil), (10, "teamLeader.approve", nil), (40, "scrManager.approve", nil), (100, "provisioning.approve", nil)])
    static let rejected = record("CSUA-2", team: "Leeds", .rejected,
                                 [(0, "submitted", nil), (20, "teamLeader.approve", nil), (30, "scrManager.reject", "No SR linked")])
    static let returned = record("CSUA-3", team: "Birmingham", .returned, [(5, "submitted", nil), (35, "teamLeader.return", "Wrong NINO")])
    static let waiting = record("CSUA-4", team: "Birmingham", .awaitingTeamLeader, [(50, "submitted", nil)])

    @Test func eachDecisionWaitsFromTheMomentItsStageWasReached() {
        let decisions = AccessMonitoring.decisions(Self.granted)
        #expect(decisions.map(\.stage) == [.teamLeader, .scrManager, .provisioning])
        #expect(decisions.map(\.waitedSeconds) == [600, 1800, 3600])
    }

    @Test func stageFiguresCountOutcomesAndTakeTheMedianWait() {
        let figures = AccessMonitoring.stageFigures([Self.granted, Self.rejected, Self.returned, Self.waiting])
        let leader = figures.first { $0.stage == .teamLeader }!
        #expect((leader.approved, leader.rejected, leader.returned, leader.decisions) == (2, 0, 1, 3))
        // Waits of 10, 20 and 30 minutes.
        #expect(leader.medianMinutesToDecide == 20 && leader.longestMinutesToDecide == 30)
        let manager = figures.first { $0.stage == .scrManager }!
        #expect((manager.approved, manager.rejected) == (1, 1))
        // Waits of 30 and 10 minutes: the median of an even count is the mean of the middle two.
        #expect(manager.medianMinutesToDecide == 20)
        let provisioning = figures.first { $0.stage == .provisioning }!
        #expect(provisioning.decisions == 1 && provisioning.medianMinutesToDecide == 60)
        #expect(AccessMonitoring.stageFigures([Self.waiting]).allSatisfy { $0.decisions == 0 && $0.medianMinutesToDecide == nil })
    }

    @Test func refusalsNewestFirstWithTheirReasons() {
        let refusals = AccessMonitoring.refusals([Self.granted, Self.rejected, Self.returned])
        #expect(refusals.map(\.reference) == ["CSUA-3", "CSUA-2"])
        #expect(refusals.map(\.reason) == ["Wrong NINO", "No SR linked"])
    }

    @Test func teamsCountTheirRequestsByOutcome() {
        let teams = AccessMonitoring.teamFigures([Self.granted, Self.rejected, Self.returned, Self.waiting])
        #expect(teams.map(\.team) == ["Birmingham", "Leeds"])
        #expect(teams[0] == AccessMonitoring.TeamFigures(team: "Birmingham", requests: 2, inProgress: 1, granted: 0, rejected: 0, returned: 1, withdrawn: 0))
        #expect(teams[1] == AccessMonitoring.TeamFigures(team: "Leeds", requests: 2, inProgress: 0, granted: 1, rejected: 1, returned: 0, withdrawn: 0))
    }

    @Test func requestsPerDayFoldsHoursIntoUkDaysAndListsEveryDayOfThePeriod() throws {
        // 23:00 UTC on 21 June is midnight BST on the 22nd: that hour's request is the 22nd's.
        let hours = [
            AccessMonitoring.HourCount(hourStart: utcInstant(2026, 6, 21, 9), status: .granted, n: 2),
            AccessMonitoring.HourCount(hourStart: utcInstant(2026, 6, 21, 9), status: .rejected, n: 1),
            AccessMonitoring.HourCount(hourStart: utcInstant(2026, 6, 21, 23), status: .awaitingTeamLeader, n: 1),
            AccessMonitoring.HourCount(hourStart: utcInstant(2026, 6, 23, 10), status: .withdrawn, n: 3),
        ]
        let period = try DayPeriod.parse(from: "2026-06-20", to: "2026-06-23", now: utcInstant(2026, 6, 23, 12), defaultDaysBack: 30)
        let days = AccessMonitoring.requestsPerDay(hours, period: period)
        #expect(days.map(\.team) == ["2026-06-20", "2026-06-21", "2026-06-22", "2026-06-23"])
        #expect(days.map(\.requests) == [0, 3, 1, 3])
        #expect(days[1].granted == 2 && days[1].rejected == 1 && days[2].inProgress == 1 && days[3].withdrawn == 3)
    }

    @Test func aLogOffIsOverdueADayAfterTheGrantEndedByExpiryOrRemoval() {
        let expires = Self.at(240)
        #expect(!AccessMonitoring.logOffOverdue(expiresAt: expires, removedAt: nil, confirmedAt: nil, now: Self.at(100)))
        #expect(!AccessMonitoring.logOffOverdue(expiresAt: expires, removedAt: nil, confirmedAt: nil, now: expires.addingTimeInterval(24 * 3600)))
        #expect(AccessMonitoring.logOffOverdue(expiresAt: expires, removedAt: nil, confirmedAt: nil, now: expires.addingTimeInterval(24 * 3600 + 1)))
        #expect(!AccessMonitoring.logOffOverdue(expiresAt: expires, removedAt: nil, confirmedAt: expires, now: expires.addingTimeInterval(48 * 3600)))
        // Removed early: the day counts from the removal, though the expiry is still to come.
        let removed = Self.at(30)
        #expect(AccessMonitoring.endedAt(expiresAt: expires, removedAt: removed, now: Self.at(31)) == removed)
        #expect(AccessMonitoring.logOffOverdue(expiresAt: Self.at(10_000), removedAt: removed, confirmedAt: nil, now: removed.addingTimeInterval(25 * 3600)))
    }
}
