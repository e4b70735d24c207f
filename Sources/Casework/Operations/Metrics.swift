import CaseworkCore
import Foundation
import Metrics
import Prometheus
import SQLKit
import Vapor

/// What Casework tells an operator, in Prometheus text format at /metrics (behind CASEWORK_METRICS_TOKEN).
/// Code records through swift-metrics; swift-prometheus keeps the figures and writes them out.
///   - `http_requests_total`, `http_request_duration_seconds{method,path,status}`: every route's latency
///     histogram, recorded by Vapor's responder (the path is the route's pattern, so the set of series is bounded);
///   - `casework_write_lane_batch_size`, `casework_write_lane_queue_depth`, `casework_write_lane_commit_seconds`;
///   - `casework_background_job_seconds{job}` and `casework_background_job_failures_total{job}` for each run;
///   - read from the database when scraped, so every server reports the same figures: `casework_job_lag_seconds{job}`
///     (how long the oldest due expiry, reminder or email has waited), `casework_outbox_backlog`,
///     `casework_live_grants`;
///   - `casework_sign_in_failures_total{reason}`.
enum CaseworkMetrics {
    /// One registry for the process: swift-metrics can be bootstrapped only once, and tests start many apps.
    static let registry = PrometheusCollectorRegistry()

    private static let bootstrapped: Bool = {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.valueHistogramBuckets[Name.laneBatchSize] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000]
        factory.defaultDurationHistogramBuckets = [
            .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(20),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2),
            .seconds(5), .seconds(10), .seconds(30),
        ]
        MetricsSystem.bootstrap(factory)
        return true
    }()

    /// Points swift-metrics at the registry, once per process; call before anything records.
    static func bootstrap() { _ = bootstrapped }

    enum Name {
        static let laneBatchSize = "casework_write_lane_batch_size"
        static let laneQueueDepth = "casework_write_lane_queue_depth"
        static let laneCommit = "casework_write_lane_commit_seconds"
        static let jobRun = "casework_background_job_seconds"
        static let jobFailures = "casework_background_job_failures_total"
        static let jobLag = "casework_job_lag_seconds"
        static let outboxBacklog = "casework_outbox_backlog"
        static let liveGrants = "casework_live_grants"
        static let signInFailures = "casework_sign_in_failures_total"
    }

    /// Why a sign-in was refused, as the counter's label.
    enum SignInFailure: String {
        case unknownStaff
        case inactive
        case noPassword
        case throttled
        case wrongPassword
        case identityProvider
    }

    static func signInFailed(_ reason: SignInFailure) {
        Counter(label: Name.signInFailures, dimensions: [("reason", reason.rawValue)]).increment()
    }

    /// The background jobs, each timed as a whole run.
    enum Job: String {
        case expiry
        case reminders
        case outbox
        case auditCheckpoint
        case walCheckpoint
    }

    static func jobRan(_ job: Job, nanoseconds: UInt64, failed: Bool) {
        Timer(label: Name.jobRun, dimensions: [("job", job.rawValue)]).recordNanoseconds(nanoseconds)
        if failed { Counter(label: Name.jobFailures, dimensions: [("job", job.rawValue)]).increment() }
    }

    /// The whole exposition: this process's registry, then the figures read from the database now. Those are
    /// written straight into the answer rather than kept in the registry: they belong to the database, which
    /// every server shares, and two scrapes at once must not mix their readings.
    static func exposition(db: any SQLDatabase, now: Date) async throws -> [UInt8] {
        let figures = try await OperationsQueries(sql: db, now: now).figures()
        var buffer: [UInt8] = []
        buffer.reserveCapacity(16_384)
        registry.emit(into: &buffer)
        var text = ""
        func gauge(_ name: String, _ help: String, _ samples: [(labels: String, value: Double)]) {
            text += "# HELP \(name) \(help)\n# TYPE \(name) gauge\n"
            for sample in samples { text += "\(name)\(sample.labels) \(sample.value)\n" }
        }
        gauge(Name.liveGrants, "Temporary SCR grants live now", [("", Double(figures.liveGrants))])
        gauge(Name.outboxBacklog, "Emails waiting to be sent", [("", Double(figures.outboxBacklog))])
        gauge(Name.jobLag, "Seconds the oldest due item of each background job has waited (0 when none is due)", [
            ("{job=\"\(Job.expiry.rawValue)\"}", figures.expiryLag),
            ("{job=\"\(Job.reminders.rawValue)\"}", figures.reminderLag),
            ("{job=\"\(Job.outbox.rawValue)\"}", figures.outboxLag),
        ])
        buffer.append(contentsOf: Array(text.utf8))
        return buffer
    }
}

/// The write lane's own figures: how full each batch was, how many jobs were waiting, how long each commit took.
struct LaneMetrics: Sendable {
    let batchSize = Recorder(label: CaseworkMetrics.Name.laneBatchSize, aggregate: true)
    let queueDepth = Gauge(label: CaseworkMetrics.Name.laneQueueDepth)
    let commit = Timer(label: CaseworkMetrics.Name.laneCommit)
}

/// The operator's figures that live in the database, each from an index (see `IndexHotPaths`).
struct OperationsQueries {
    let sql: any SQLDatabase
    let now: Date

    struct Figures {
        var liveGrants = 0
        var outboxBacklog = 0
        var expiryLag: Double = 0
        var reminderLag: Double = 0
        var outboxLag: Double = 0
    }

    func figures() async throws -> Figures {
        var figures = Figures()
        figures.liveGrants = try await count("SELECT COUNT(*) AS n FROM grants g WHERE " + MonitoringQueries.live(at: now))
        figures.outboxBacklog = try await count("SELECT COUNT(*) AS n FROM outbox_messages WHERE status = \(bind: OutboxStatus.pending)")
        // Ended (by expiry or removal) and not yet processed: waiting since it ended.
        let expired = try await oldest("""
            SELECT expires_at AS at FROM grants WHERE end_processed_at IS NULL AND expires_at <= \(bind: now) ORDER BY expires_at LIMIT 1
            """)
        let removed = try await oldest("""
            SELECT removed_at AS at FROM grants WHERE end_processed_at IS NULL AND removed_at IS NOT NULL ORDER BY removed_at LIMIT 1
            """)
        figures.expiryLag = lag(since: [expired, removed].compactMap { $0 }.min())
        // Reminders: the grants ending within the longest lead, soonest first; due from the core's rule.
        let candidates = try await sql.raw("""
            SELECT granted_at, expires_at FROM grants WHERE reminder_sent_at IS NULL AND expires_at > \(bind: now)
            AND expires_at <= \(bind: now.addingTimeInterval(GrantReminder.lead)) AND removed_at IS NULL ORDER BY expires_at LIMIT 200
            """).all()
        let reminderDue = try candidates.map {
            GrantReminder.dueAt(grantedAt: try $0.decode(column: "granted_at", as: Date.self), expiresAt: try $0.decode(column: "expires_at", as: Date.self))
        }.filter { $0 <= now }.min()
        figures.reminderLag = lag(since: reminderDue)
        figures.outboxLag = lag(since: try await oldest("""
            SELECT next_attempt_at AS at FROM outbox_messages WHERE status = \(bind: OutboxStatus.pending) AND next_attempt_at <= \(bind: now)
            ORDER BY next_attempt_at LIMIT 1
            """))
        return figures
    }

    private func lag(since instant: Date?) -> Double {
        instant.map { max(0, now.timeIntervalSince($0)) } ?? 0
    }

    private func count(_ query: SQLQueryString) async throws -> Int {
        try await sql.raw(query).first()?.decode(column: "n", as: Int.self) ?? 0
    }

    private func oldest(_ query: SQLQueryString) async throws -> Date? {
        try await sql.raw(query).first()?.decode(column: "at", as: Date.self)
    }
}
