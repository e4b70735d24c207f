import Foundation
import NIOConcurrencyHelpers
import NIOCore

/// Monitoring's figures as last counted, one snapshot for each period asked for, shared by every SCR manager on
/// this server.
///
/// Counting is done in the database (`MonitoringQueries`), but at national volume it still reads hundreds of
/// thousands of index entries: about a second at a million clients and a hundred thousand live grants, and every
/// SCR manager opening the page would each pay it. So:
/// - figures over fewer than `exactBelow` grants and decisions are counted afresh for every request: a small
///   organisation (and every test) always sees them exact, to the instant. (By how much there is to count, not by
///   how long counting took, so that a busy moment never changes what anyone sees.)
/// - otherwise a snapshot younger than `freshFor` is answered as it is, and one up to `staleFor` old is answered while
///   it is counted again in the background; an older one (or none) is counted while the request waits, and
///   requests arriving meanwhile wait for that same count rather than starting their own.
/// The summary's `at` is the instant its figures were counted, and the page says "As at" that time.
///
/// A lock, not an actor: answering from a snapshot must not suspend the request. With Swift's tasks on NIO's event
/// loops (main.swift), a hop into an actor and back resumes the request on whichever loop the actor last ran on, so
/// every request's encoding of the 80 kB answer drifted to one loop. That loop then ran thousands of them between
/// two looks at its sockets (NIO runs up to 4,096 tasks a tick), and the connections it served stalled together for
/// up to three seconds (bench/scale.sh, "Monitoring · API").
final class MonitoringSnapshots: @unchecked Sendable {
    /// Figures over fewer live grants, overdue log-offs and decisions than this are never served from a snapshot.
    static let exactBelow = 10_000
    /// A snapshot younger than this (by the Casework clock) is answered without counting.
    static let freshFor: TimeInterval = 10
    /// Up to this old, a snapshot is still answered while a fresh one is counted in the background.
    static let staleFor: TimeInterval = 60
    /// Periods remembered; the least recently counted is forgotten first.
    static let periodsKept = 32

    private struct Snapshot {
        let counted: Counted
        var summary: MonitoringDTO { counted.summary }
        /// When its figures were counted, by the Casework clock.
        let countedAt: Date
        /// Its figures as the page draws them, once.
        let drawing = DrawnFigures()
        /// How much counting them read: live grants, overdue log-offs and decisions in the period.
        var volume: Int {
            summary.counts.activeGrants + summary.counts.overdueLogOffs + summary.counts.decisions
        }

        /// As answered: a drawing is kept only for figures that are answered again (counted afresh, they never are).
        var figures: Figures {
            Figures(summary: summary, teams: counted.teams, drawing: volume >= MonitoringSnapshots.exactBelow ? drawing : nil)
        }
    }

    private let lock = NIOLock()
    private var snapshots: [String: Snapshot] = [:]
    private var counting: [String: Task<Figures, any Error>] = [:]

    /// What one count found: the summary, and every team's figures in name order (the summary shows the first
    /// `Monitoring.shown`; the teams CSV has them all, 5,000 at national volume, counted in the same pass).
    struct Counted: Sendable {
        let summary: MonitoringDTO
        let teams: [TeamFiguresDTO]
    }

    /// Figures as answered: the summary, every team's figures, and where the page keeps its drawing of them when they
    /// are a snapshot's (nil when they were counted for this request alone).
    struct Figures: Sendable {
        let summary: MonitoringDTO
        let teams: [TeamFiguresDTO]
        let drawing: DrawnFigures?
    }

    /// What the lock decided: a snapshot to answer with now, or a count to wait for.
    private enum Answer {
        case now(Figures)
        case after(Task<Figures, any Error>)
    }

    /// The figures for `period` at `now`: a snapshot's, or counted by `count`.
    func figures(period: String, now: Date, count: @escaping @Sendable () async throws -> Counted) async throws -> Figures {
        let answer = lock.withLock { () -> Answer in
            if let snapshot = snapshots[period], snapshot.volume >= Self.exactBelow {
                let age = now.timeIntervalSince(snapshot.countedAt)
                if age >= 0 && age < Self.freshFor { return .now(snapshot.figures) }
                if age >= 0 && age < Self.staleFor {
                    _ = start(period, now: now, count)
                    return .now(snapshot.figures)
                }
            }
            return .after(start(period, now: now, count))
        }
        switch answer {
        case .now(let figures): return figures
        case .after(let counting): return try await counting.value
        }
    }

    /// The count under way for `period`, or a new one that keeps its result as the period's snapshot. Called with
    /// the lock held.
    private func start(_ period: String, now: Date, _ count: @escaping @Sendable () async throws -> Counted) -> Task<Figures, any Error> {
        if let running = counting[period] { return running }
        let task = Task {
            do {
                let snapshot = Snapshot(counted: try await count(), countedAt: now)
                self.finished(period, keeping: snapshot)
                return snapshot.figures
            } catch {
                self.finished(period, keeping: nil)
                throw error
            }
        }
        counting[period] = task
        return task
    }

    private func finished(_ period: String, keeping snapshot: Snapshot?) {
        lock.withLock {
            counting[period] = nil
            guard let snapshot else { return }
            snapshots[period] = snapshot
            if snapshots.count > Self.periodsKept, let oldest = snapshots.min(by: { $0.value.countedAt < $1.value.countedAt })?.key {
                snapshots[oldest] = nil
            }
        }
    }
}

/// A snapshot's figures as people are shown them, each drawn by the first request that needs it and reused by every
/// other while the snapshot is answered: the monitoring page's charts and tables (about 180 kB of HTML at national
/// volume), and the parts of its tables as CSV (`TablePart`). Drawing the page's was nine tenths of its time (bench/scale.sh,
/// "Monitoring · page", PROFILE=1): the same figures were encoded, charted and written again for every SCR manager.
/// Nothing in a drawing depends on who asks.
final class DrawnFigures: @unchecked Sendable {
    /// Bytes of CSV a drawing keeps at most: every part of a national organisation's tables is 46 MB, and the page's
    /// own links are to the first parts. A part written once this much is kept is sent and not kept.
    static let csvBytesKept = 8 << 20

    private let lock = NIOLock()
    private var html: String?
    private var csvs: [PartKey: ByteBuffer] = [:]
    private var csvBytes = 0

    private struct PartKey: Hashable {
        let table: MonitoringTable
        let part: Int
    }

    /// The page's drawing, drawn by `draw` if nobody has yet.
    func html(_ draw: () async throws -> String) async throws -> String {
        if let drawn = lock.withLock({ html }) { return drawn }
        let drawn = try await draw()
        return lock.withLock {
            if html == nil { html = drawn }
            return html!
        }
    }

    /// Part `part` of `table` as CSV, written by `write` if nobody has yet. Two requests arriving together may both
    /// write it (the same figures); the first kept is answered from then on.
    func csv(_ table: MonitoringTable, part: Int, _ write: () async throws -> ByteBuffer) async throws -> ByteBuffer {
        let key = PartKey(table: table, part: part)
        if let kept = lock.withLock({ csvs[key] }) { return kept }
        let written = try await write()
        return lock.withLock {
            if let kept = csvs[key] { return kept }
            if csvBytes + written.readableBytes <= Self.csvBytesKept {
                csvs[key] = written
                csvBytes += written.readableBytes
            }
            return written
        }
    }
}
