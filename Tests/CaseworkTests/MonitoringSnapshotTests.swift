@testable import Casework
import Foundation
import NIOCore
import Synchronization
import Testing

/// When monitoring's figures are counted afresh and when a snapshot is answered (`MonitoringSnapshots`).
@Suite("Monitoring snapshots")
struct MonitoringSnapshotTests {
    /// A summary and a team that name when they were counted, over `decisions` decisions, and a counter of how many
    /// times counting ran.
    final class Counter: Sendable {
        let runs = Atomic<Int>(0)
        let decisions: Int
        let delay: Duration
        init(decisions: Int, delay: Duration = .milliseconds(20)) {
            self.decisions = decisions
            self.delay = delay
        }

        func count(at now: Date) async throws -> MonitoringSnapshots.Counted {
            runs.add(1, ordering: .relaxed)
            try await Task.sleep(for: delay)
            let team = TeamFiguresDTO(team: "counted at \(now.timeIntervalSince1970)", requests: 1, inProgress: 1, granted: 0, rejected: 0,
                                      returned: 0, withdrawn: 0)
            return MonitoringSnapshots.Counted(summary: summary(at: now), teams: [team])
        }

        private func summary(at now: Date) -> MonitoringDTO {
            MonitoringDTO(at: "\(now.timeIntervalSince1970)", from: "2026-11-01", to: "2026-11-30",
                                 counts: MonitoringCountsDTO(activeGrants: 0, endingToday: 0, overdueLogOffs: 0, refusals: 0, decisions: decisions, teams: 0),
                                 activeGrants: [], endingToday: [], overdueLogOffs: [], stages: [], refusals: [], decisions: [], teams: [],
                                 requestsPerDay: [], liveGrantsByTeam: [], overdueLogOffsByTeam: [], downloads: [])
        }
    }

    let start = Date(timeIntervalSince1970: 1_790_000_000)

    @Test func figuresOverLittleAreCountedForEveryRequest() async throws {
        let snapshots = MonitoringSnapshots()
        let counter = Counter(decisions: MonitoringSnapshots.exactBelow - 1)
        for second in 0..<3 {
            let now = start.addingTimeInterval(Double(second))
            let summary = try await snapshots.figures(period: "p", now: now) { try await counter.count(at: now) }.summary
            #expect(summary.at == "\(now.timeIntervalSince1970)")
        }
        #expect(counter.runs.load(ordering: .relaxed) == 3)
    }

    @Test func figuresOverAGreatDealAreAnsweredFromASnapshotThenCountedAgainInTheBackground() async throws {
        let snapshots = MonitoringSnapshots()
        let counter = Counter(decisions: MonitoringSnapshots.exactBelow)
        let first = try await snapshots.figures(period: "p", now: start) { try await counter.count(at: self.start) }.summary
        // Within freshFor: the same figures, not counted again, every team's (the teams CSV's) with them.
        let soon = start.addingTimeInterval(MonitoringSnapshots.freshFor - 1)
        let fresh = try await snapshots.figures(period: "p", now: soon) { try await counter.count(at: soon) }
        #expect(fresh.summary.at == first.at)
        #expect(fresh.teams.map(\.team) == ["counted at \(start.timeIntervalSince1970)"])
        #expect(counter.runs.load(ordering: .relaxed) == 1)
        // A different period is its own snapshot.
        _ = try await snapshots.figures(period: "q", now: soon) { try await counter.count(at: soon) }.summary
        #expect(counter.runs.load(ordering: .relaxed) == 2)
        // Stale: the old figures at once, and a count in the background whose figures the next request gets.
        let later = start.addingTimeInterval(MonitoringSnapshots.freshFor + 1)
        #expect(try await snapshots.figures(period: "p", now: later) { try await counter.count(at: later) }.summary.at == first.at)
        var answered = first.at
        for _ in 0..<200 where answered == first.at {
            try await Task.sleep(for: .milliseconds(20))
            answered = try await snapshots.figures(period: "p", now: later) { try await counter.count(at: later) }.summary.at
        }
        #expect(answered == "\(later.timeIntervalSince1970)")
        #expect(counter.runs.load(ordering: .relaxed) == 3)
        // Older than staleFor: the request waits for figures counted now.
        let muchLater = later.addingTimeInterval(MonitoringSnapshots.staleFor + 1)
        #expect(try await snapshots.figures(period: "p", now: muchLater) { try await counter.count(at: muchLater) }.summary.at == "\(muchLater.timeIntervalSince1970)")
        // A clock moved back (the test clock) never gets figures from its future.
        let earlier = start.addingTimeInterval(-5)
        #expect(try await snapshots.figures(period: "p", now: earlier) { try await counter.count(at: earlier) }.summary.at == "\(earlier.timeIntervalSince1970)")
    }

    /// New snapshots of figures over a great deal, answered at `start` and again while still fresh.
    func answeredTwice() async throws -> (snapshots: MonitoringSnapshots, counter: Counter, first: MonitoringSnapshots.Figures, again: MonitoringSnapshots.Figures) {
        let snapshots = MonitoringSnapshots()
        let counter = Counter(decisions: MonitoringSnapshots.exactBelow)
        let first = try await snapshots.figures(period: "p", now: start) { try await counter.count(at: self.start) }
        let soon = start.addingTimeInterval(MonitoringSnapshots.freshFor - 1)
        return (snapshots, counter, first, try await snapshots.figures(period: "p", now: soon) { try await counter.count(at: soon) })
    }

    @Test func aSnapshotsFiguresAreDrawnOnceForEveryoneWhoSeesThem() async throws {
        let (snapshots, counter, first, again) = try await answeredTwice()
        let draws = Atomic<Int>(0)
        @Sendable func draw(_ summary: MonitoringDTO) -> String {
            draws.add(1, ordering: .relaxed)
            return "<p>counted at \(summary.at)</p>"
        }
        let drawing = try #require(first.drawing)
        #expect(again.drawing === drawing)
        #expect(try await drawing.html { draw(first.summary) } == "<p>counted at \(first.summary.at)</p>")
        #expect(try await again.drawing!.html { draw(again.summary) } == "<p>counted at \(first.summary.at)</p>")
        #expect(draws.load(ordering: .relaxed) == 1)
        // Counted again, the figures are a new snapshot with a drawing of their own.
        let muchLater = start.addingTimeInterval(MonitoringSnapshots.staleFor + 1)
        let recounted = try await snapshots.figures(period: "p", now: muchLater) { try await counter.count(at: muchLater) }
        #expect(recounted.drawing !== drawing)
        #expect(try await recounted.drawing!.html { draw(recounted.summary) } == "<p>counted at \(muchLater.timeIntervalSince1970)</p>")
        #expect(draws.load(ordering: .relaxed) == 2)
    }

    @Test func aSnapshotsCSVPartsAreWrittenOnceForEveryoneWhoDownloadsThem() async throws {
        let (snapshots, counter, answeredFirst, answeredAgain) = try await answeredTwice()
        let writes = Atomic<Int>(0)
        @Sendable func write(_ table: MonitoringTable, _ part: Int) -> ByteBuffer {
            writes.add(1, ordering: .relaxed)
            return ByteBuffer(string: "\(table.rawValue) part \(part) written \(writes.load(ordering: .relaxed))\r\n")
        }
        let first = try #require(answeredFirst.drawing), again = try #require(answeredAgain.drawing)
        #expect(try await first.csv(.teams, part: 1) { write(.teams, 1) } == ByteBuffer(string: "teams part 1 written 1\r\n"))
        #expect(try await again.csv(.teams, part: 1) { write(.teams, 1) } == ByteBuffer(string: "teams part 1 written 1\r\n"))
        // Each table and each part is its own; the page's drawing is apart from them.
        #expect(try await again.csv(.overdueLogOffs, part: 1) { write(.overdueLogOffs, 1) } == ByteBuffer(string: "overdue-log-offs part 1 written 2\r\n"))
        #expect(try await again.csv(.teams, part: 2) { write(.teams, 2) } == ByteBuffer(string: "teams part 2 written 3\r\n"))
        #expect(try await again.html { "<p>page</p>" } == "<p>page</p>")
        #expect(writes.load(ordering: .relaxed) == 3)
        // Counted again: written again.
        let muchLater = start.addingTimeInterval(MonitoringSnapshots.staleFor + 1)
        let recounted = try #require(try await snapshots.figures(period: "p", now: muchLater) { try await counter.count(at: muchLater) }.drawing)
        #expect(try await recounted.csv(.teams, part: 1) { write(.teams, 1) } == ByteBuffer(string: "teams part 1 written 4\r\n"))
    }

    @Test func aDrawingKeepsNoMoreCSVThanItsAllowance() async throws {
        let drawing = DrawnFigures()
        let writes = Atomic<Int>(0)
        @Sendable func write(_ bytes: Int) -> ByteBuffer {
            writes.add(1, ordering: .relaxed)
            return ByteBuffer(repeating: UInt8(ascii: "x"), count: bytes)
        }
        let most = DrawnFigures.csvBytesKept
        // A part that fits is kept; one that would take the drawing over its allowance is sent every time, not kept.
        #expect(try await drawing.csv(.decisions, part: 1) { write(most - 10) }.readableBytes == most - 10)
        #expect(try await drawing.csv(.decisions, part: 2) { write(11) }.readableBytes == 11)
        #expect(try await drawing.csv(.decisions, part: 2) { write(11) }.readableBytes == 11)
        #expect(writes.load(ordering: .relaxed) == 3)
        _ = try await drawing.csv(.decisions, part: 1) { write(most - 10) }
        _ = try await drawing.csv(.decisions, part: 3) { write(10) }
        _ = try await drawing.csv(.decisions, part: 3) { write(10) }
        #expect(writes.load(ordering: .relaxed) == 4, "the first part and a part that fits its allowance's last bytes are each written once")
    }

    @Test func figuresCountedForOneRequestAreNotKeptDrawn() async throws {
        let snapshots = MonitoringSnapshots()
        let counter = Counter(decisions: MonitoringSnapshots.exactBelow - 1)
        let figures = try await snapshots.figures(period: "p", now: start) { try await counter.count(at: self.start) }
        #expect(figures.drawing == nil)
    }

    @Test func requestsArrivingWhileFiguresAreCountedShareThatCount() async throws {
        let snapshots = MonitoringSnapshots()
        let counter = Counter(decisions: MonitoringSnapshots.exactBelow, delay: .milliseconds(200))
        let now = start
        let answers = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<8 { group.addTask { try await snapshots.figures(period: "p", now: now) { try await counter.count(at: now) }.summary.at } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(answers.count == 8 && Set(answers).count == 1)
        #expect(counter.runs.load(ordering: .relaxed) == 1)
    }
}
