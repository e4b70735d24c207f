import CaseworkCore
import Fluent
import Foundation
import SQLKit

/// What a unit of work sees inside the write lane: the transaction, the instant, and the audit trail.
struct WriteContext: Sendable {
    let db: any Database
    let now: Date
    /// Where messages queued in this change will be addressed (the team mailboxes, links' base address).
    let mail: MailSettings
    fileprivate let appender: AuditAppender

    /// Appends an event in the same transaction as the change it records.
    func audit(_ entry: AuditEntry) async throws {
        try await appender.append(entry, at: now, on: db)
    }

    /// Appends many events, chained in order, in multi-row inserts.
    func audit(_ entries: [AuditEntry]) async throws {
        try await appender.appendAll(entries, at: now, on: db)
    }
}

/// Every audited change goes through here. Jobs queue up and run one batch at a time, each batch
/// in one database transaction (group commit): under load many requests share one fsync, and the
/// audit chain is extended in one place, in order. Each job runs inside a savepoint, so one job's
/// failure rolls back that job alone.
actor WriteLane {
    private struct Job {
        let work: @Sendable (WriteContext) async throws -> any Sendable
        let continuation: CheckedContinuation<any Sendable, any Error>
    }

    private let database: @Sendable () -> any Database
    private let clock: any CaseworkClock
    private let maxBatch: Int
    private let mail: MailSettings
    private var queue: [Job] = []
    private var draining = false
    /// How many commits and jobs the lane has run, for benchmarks and tests.
    private(set) var commits = 0
    private(set) var jobs = 0

    init(database: @escaping @Sendable () -> any Database, clock: any CaseworkClock, maxBatch: Int, mail: MailSettings = MailSettings()) {
        self.database = database
        self.mail = mail
        self.clock = clock
        self.maxBatch = max(1, maxBatch)
    }

    /// Runs `work` in a transaction shared with other queued jobs; returns once it is durably committed.
    func perform<T: Sendable>(_ work: @escaping @Sendable (WriteContext) async throws -> T) async throws -> T {
        let result = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<any Sendable, any Error>) in
            queue.append(Job(work: { try await work($0) }, continuation: continuation))
            if !draining {
                draining = true
                Task { await self.drain() }
            }
        }
        return result as! T
    }

    private func drain() async {
        while !queue.isEmpty {
            let batch = Array(queue.prefix(maxBatch))
            queue.removeFirst(batch.count)
            await run(batch)
        }
        draining = false
    }

    private func run(_ batch: [Job]) async {
        let now = clock.now()
        let outcomes = OutcomeBox(count: batch.count)
        do {
            try await database().transaction { tx in
                let appender = AuditAppender()
                // Lock the chain head before any job reads: batches on every server then run one after
                // another, so a job's read-check-write (is this SR still waiting?) cannot race another's.
                try await appender.lockHead(on: tx)
                let sql = tx as! any SQLDatabase
                for (index, job) in batch.enumerated() {
                    let context = WriteContext(db: tx, now: now, mail: self.mail, appender: appender)
                    if batch.count == 1 {
                        // Alone in the batch: a failure can roll back the whole transaction.
                        outcomes.set(index, .success(try await job.work(context)))
                        continue
                    }
                    let mark = await appender.mark()
                    try await sql.raw("SAVEPOINT lane_job").run()
                    do {
                        let value = try await job.work(context)
                        try await sql.raw("RELEASE SAVEPOINT lane_job").run()
                        outcomes.set(index, .success(value))
                    } catch {
                        try await sql.raw("ROLLBACK TO SAVEPOINT lane_job").run()
                        try await sql.raw("RELEASE SAVEPOINT lane_job").run()
                        await appender.reset(to: mark)
                        outcomes.set(index, .failure(error))
                    }
                }
                try await appender.saveHead(on: tx)
            }
            commits += 1
            jobs += batch.count
            for (index, job) in batch.enumerated() {
                job.continuation.resume(with: outcomes.get(index) ?? .failure(LaneError.lost))
            }
        } catch {
            // The commit itself failed (or a lone job threw): nothing in this batch was saved.
            for (index, job) in batch.enumerated() {
                if case .failure(let jobError)? = outcomes.get(index) {
                    job.continuation.resume(throwing: jobError)
                } else {
                    job.continuation.resume(throwing: error)
                }
            }
        }
    }

    enum LaneError: Error { case lost }
}

/// Results of one batch's jobs, filled in as they run.
private final class OutcomeBox: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Result<any Sendable, any Error>?]

    init(count: Int) { results = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ result: Result<any Sendable, any Error>) { lock.withLock { results[index] = result } }
    func get(_ index: Int) -> Result<any Sendable, any Error>? { lock.withLock { results[index] } }
}

/// Extends the hash chain within one batch's transaction.
private actor AuditAppender {
    /// Loaded when the batch locks the head.
    private var head: (seq: Int, hash: String)?
    /// Where the chain stood when the batch began, so a batch with no events leaves the head alone.
    private var startSeq = 0

    /// Where the chain stood, so a failed job's events can be forgotten.
    func mark() -> (seq: Int, hash: String)? { head }

    func reset(to mark: (seq: Int, hash: String)?) {
        head = mark
    }

    /// Writing to the head row takes the write lock (SQLite) or the row lock (PostgreSQL),
    /// so concurrent servers extend the chain, and run their batches, one after another.
    func lockHead(on db: any Database) async throws {
        try await AuditChainHeadModel.query(on: db).filter(\.$id == 1).set(\.$id, to: 1).update()
        guard let row = try await AuditChainHeadModel.find(1, on: db) else {
            throw AuditTrailMissing()
        }
        head = (row.lastSeq, row.lastHash)
        startSeq = row.lastSeq
    }

    func append(_ entry: AuditEntry, at now: Date, on db: any Database) async throws {
        try await chainNext(entry, at: now).create(on: db)
    }

    func appendAll(_ entries: [AuditEntry], at now: Date, on db: any Database) async throws {
        var models: [AuditEventModel] = []
        models.reserveCapacity(entries.count)
        for entry in entries { models.append(try chainNext(entry, at: now)) }
        for chunk in models.chunked(into: 1_000) { try await chunk.create(on: db) }
    }

    /// The next event of the chain, with the head moved on to it (saved with the batch).
    private func chainNext(_ entry: AuditEntry, at now: Date) throws -> AuditEventModel {
        guard let last = head else { throw AuditTrailMissing() }
        let record = AuditRecord(
            seq: last.seq + 1, id: UUID().uuidString, at: CaseworkTime.iso8601Millis(now),
            actorStaffId: entry.actor.staffId, actorRole: entry.actor.role?.rawValue, action: entry.action,
            subjectType: entry.subjectType, subjectId: entry.subjectId, outcome: entry.outcome, detail: entry.detail)
        let chained = AuditChain.chain(record, previousHash: last.hash)
        head = (record.seq, chained.hash)
        return AuditEventModel(chained)
    }

    func saveHead(on db: any Database) async throws {
        guard let head, head.seq != startSeq else { return }
        try await AuditChainHeadModel.query(on: db).filter(\.$id == 1)
            .set(\.$lastSeq, to: head.seq).set(\.$lastHash, to: head.hash).update()
    }
}

/// The chain head row is missing: the database was not migrated, or was tampered with.
struct AuditTrailMissing: Error, CustomStringConvertible {
    var description: String { "The audit chain head is missing: run `casework migrate --yes`" }
}
