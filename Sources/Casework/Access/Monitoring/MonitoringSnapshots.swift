import Foundation

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
actor MonitoringSnapshots {
    /// Figures over fewer live grants, overdue log-offs and decisions than this are never served from a snapshot.
    static let exactBelow = 10_000
    /// A snapshot younger than this (by the Casework clock) is answered without counting.
    static let freshFor: TimeInterval = 10
    /// Up to this old, a snapshot is still answered while a fresh one is counted in the background.
    static let staleFor: TimeInterval = 60
    /// Periods remembered; the least recently counted is forgotten first.
    static let periodsKept = 32

    private struct Snapshot {
        let summary: MonitoringDTO
        /// When its figures were counted, by the Casework clock.
        let countedAt: Date
        /// How much counting them read: live grants, overdue log-offs and decisions in the period.
        var volume: Int {
            summary.counts.activeGrants + summary.counts.overdueLogOffs + summary.counts.decisions
        }
    }

    private var snapshots: [String: Snapshot] = [:]
    private var counting: [String: Task<MonitoringDTO, any Error>] = [:]

    /// The summary for `period` at `now`: a snapshot, or one counted by `count`.
    func summary(period: String, now: Date, count: @escaping @Sendable () async throws -> MonitoringDTO) async throws -> MonitoringDTO {
        if let snapshot = snapshots[period], snapshot.volume >= Self.exactBelow {
            let age = now.timeIntervalSince(snapshot.countedAt)
            if age >= 0 && age < Self.freshFor { return snapshot.summary }
            if age >= 0 && age < Self.staleFor {
                _ = start(period, now: now, count)
                return snapshot.summary
            }
        }
        return try await start(period, now: now, count).value
    }

    /// The count under way for `period`, or a new one that keeps its result as the period's snapshot.
    private func start(_ period: String, now: Date, _ count: @escaping @Sendable () async throws -> MonitoringDTO) -> Task<MonitoringDTO, any Error> {
        if let running = counting[period] { return running }
        let task = Task {
            defer { self.finished(period) }
            let summary = try await count()
            self.keep(period, Snapshot(summary: summary, countedAt: now))
            return summary
        }
        counting[period] = task
        return task
    }

    private func keep(_ period: String, _ snapshot: Snapshot) {
        snapshots[period] = snapshot
        if snapshots.count > Self.periodsKept, let oldest = snapshots.min(by: { $0.value.countedAt < $1.value.countedAt })?.key {
            snapshots[oldest] = nil
        }
    }

    private func finished(_ period: String) {
        counting[period] = nil
    }
}
