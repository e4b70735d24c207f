import CaseworkCore
import Fluent
import Foundation
import NIOConcurrencyHelpers
import NIOPosix
import SQLKit

/// What a unit of work sees inside the write lane: the transaction, the instant, and the audit trail.
struct WriteContext: Sendable {
    let db: any Database
    let now: Date
    /// Where messages queued in this change will be addressed (the team mailboxes, links' base address).
    let mail: MailSettings
    fileprivate let appender: AuditAppender

    /// Appends an event in the same transaction as the change it records (written when the batch commits).
    func audit(_ entry: AuditEntry) async throws {
        try await appender.append(entry, at: now)
    }

    /// Appends many events, chained in order, in multi-row inserts.
    func audit(_ entries: [AuditEntry]) async throws {
        try await appender.appendAll(entries, at: now)
    }

    /// Queues a row to insert when the batch commits, in one multi-row insert with the batch's other rows of its
    /// kind. For append-only rows that jobs do not read back by query (notifications, emails, request history,
    /// decisions), or read through `queued` as well: a failed job's rows are dropped with its savepoint.
    func insertAtCommit(_ row: any QueuedRow) async {
        await appender.queue(row)
    }

    /// The rows of a kind this batch has queued and not yet written: a job that reads that table sees them here.
    /// They are the very objects that will be written, so a change made to one is written too.
    func queued<Row: QueuedRow>(_ type: Row.Type) async -> [Row] {
        await appender.queued(type)
    }
}

/// Every audited change goes through here. Jobs queue up and run one batch at a time, each batch
/// in one database transaction (group commit): under load many requests share one fsync, and the
/// audit chain is extended in one place, in order. Each job runs inside a savepoint, so one job's
/// failure rolls back that job alone.
///
/// The queue is behind a lock, not an actor, and each job's answer is handed back on the event loop its caller was
/// on. Swift's tasks run on NIO's event loops while serving (main.swift); an actor here resumed its callers on
/// whichever thread last ran it, and NIO's hook sent work from the lane's own thread to the loops in turn, so audited
/// requests drifted from the loop that owns their connection to the other (the monitoring snapshots' stall, session
/// 18). Answers for one loop are handed over together, one wake-up a loop a batch.
final class WriteLane: Sendable {
    private struct Job {
        let work: @Sendable (WriteContext) async throws -> any Sendable
        let continuation: CheckedContinuation<any Sendable, any Error>
        /// Whether the job writes to the database itself, and so runs inside its own savepoint. A job that only
        /// records audit events touches nothing until the batch's insert, so it needs none.
        var writes = true
        /// The event loop the caller awaits on, to be resumed there; nil off the loops (tests, commands).
        var home: (any EventLoop)? = nil
    }

    /// What the lock guards: the jobs waiting, whether a drain is running, and the lane's counts.
    private struct Queue {
        var jobs: [Job] = []
        var draining = false
        var commits = 0
        var jobsRun = 0
    }

    private let database: @Sendable () -> any Database
    /// SQLite's own connection, on which every batch runs (see `SQLiteLaneWriter`); nil on PostgreSQL.
    private let writer: SQLiteLaneWriter?
    private let clock: any CaseworkClock
    private let maxBatch: Int
    private let mail: MailSettings
    private let queue = NIOLockedValueBox(Queue())
    private let metrics = LaneMetrics()

    /// How many commits and jobs the lane has run, for benchmarks and tests.
    var commits: Int { queue.withLockedValue { $0.commits } }
    var jobs: Int { queue.withLockedValue { $0.jobsRun } }

    init(database: @escaping @Sendable () -> any Database, writer: SQLiteLaneWriter? = nil, clock: any CaseworkClock, maxBatch: Int,
         mail: MailSettings = MailSettings()) {
        self.database = database
        self.writer = writer
        self.mail = mail
        self.clock = clock
        self.maxBatch = max(1, maxBatch)
    }

    /// Runs `work` in a transaction shared with other queued jobs; returns once it is durably committed.
    func perform<T: Sendable>(_ work: @escaping @Sendable (WriteContext) async throws -> T) async throws -> T {
        try await enqueue { Job(work: { try await work($0) }, continuation: $0) }
    }

    /// Records audit events alone (an audited read): returns once they are durably committed. The cheapest job
    /// the lane runs: no statement of its own, only rows in the batch's one insert.
    func record(_ entries: [AuditEntry]) async throws {
        guard !entries.isEmpty else { return }
        let _: Bool = try await enqueue { continuation in
            Job(work: { ctx in try await ctx.audit(entries); return true }, continuation: continuation, writes: false)
        }
    }

    /// Returns once no batch is queued or running: a stop waits for this before it closes the databases.
    func idle() async {
        while queue.withLockedValue({ $0.draining || !$0.jobs.isEmpty }) {
            try? await Task.sleep(nanoseconds: 5_000_000)
        }
    }

    private func enqueue<T: Sendable>(_ job: @escaping (CheckedContinuation<any Sendable, any Error>) -> Job) async throws -> T {
        let home = Self.callersLoop()
        let result = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<any Sendable, any Error>) in
            var queued = job(continuation)
            queued.home = home
            let (depth, startDrain) = queue.withLockedValue { queue -> (Int, Bool) in
                queue.jobs.append(queued)
                let start = !queue.draining
                queue.draining = true
                return (queue.jobs.count, start)
            }
            metrics.queueDepth.record(depth)
            if startDrain {
                Task(executorPreference: LaneThread.shared) { await self.drain() }
            }
        }
        return result as! T
    }

    /// The event loop this task is running on, unless it is the lane's own (a job never awaits the lane).
    private static func callersLoop() -> (any EventLoop)? {
        guard let loop = MultiThreadedEventLoopGroup.currentEventLoop, loop !== LaneThread.shared.loop else { return nil }
        return loop
    }

    /// Takes the next batch, or ends the drain (under the same lock as `enqueue`, so no job is left waiting).
    private func nextBatch() -> (batch: [Job], left: Int)? {
        queue.withLockedValue { queue in
            guard !queue.jobs.isEmpty else {
                queue.draining = false
                return nil
            }
            let batch = Array(queue.jobs.prefix(maxBatch))
            queue.jobs.removeFirst(batch.count)
            return (batch, queue.jobs.count)
        }
    }

    private func drain() async {
        while let (batch, left) = nextBatch() {
            metrics.queueDepth.record(left)
            metrics.batchSize.record(batch.count)
            let started = DispatchTime.now().uptimeNanoseconds
            await run(batch)
            metrics.commit.recordNanoseconds(DispatchTime.now().uptimeNanoseconds - started)
        }
    }

    private func run(_ batch: [Job]) async {
        let now = clock.now()
        let outcomes = OutcomeBox(count: batch.count)
        do {
            try await transaction(for: batch) { tx, sql in
                let appender = AuditAppender()
                // Lock the chain head before any job reads: batches on every server then run one after
                // another, so a job's read-check-write (is this SR still waiting?) cannot race another's.
                try await appender.lockHead(on: sql)
                for (index, job) in batch.enumerated() {
                    let context = WriteContext(db: tx, now: now, mail: self.mail, appender: appender)
                    if batch.count == 1 || !job.writes {
                        // Alone in the batch, a failure can roll back the whole transaction; a job that only
                        // records events fails before it has appended any (the chain head is missing).
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
                try await appender.finish(on: sql)
            }
            queue.withLockedValue { queue in
                queue.commits += 1
                queue.jobsRun += batch.count
            }
            answer(batch) { outcomes.get($0) ?? .failure(LaneError.lost) }
        } catch {
            // The commit itself failed (or a lone job threw): nothing in this batch was saved.
            answer(batch) { index in
                if case .failure(let jobError)? = outcomes.get(index) { return .failure(jobError) }
                return .failure(error)
            }
        }
    }

    /// Resumes each job's caller with its outcome, on the event loop it awaits on: one task a loop resumes all of
    /// that loop's callers, so Swift's hook keeps each resumed request on its own loop (see the type's comment).
    private func answer(_ batch: [Job], _ outcome: (Int) -> Result<any Sendable, any Error>) {
        var byLoop: [ObjectIdentifier: (loop: any EventLoop, resumes: [UncheckedResume])] = [:]
        for (index, job) in batch.enumerated() {
            let resume = UncheckedResume(continuation: job.continuation, result: outcome(index))
            guard let home = job.home else {
                resume.run()
                continue
            }
            byLoop[ObjectIdentifier(home), default: (home, [])].resumes.append(resume)
        }
        for (_, group) in byLoop {
            let resumes = group.resumes
            group.loop.execute { for resume in resumes { resume.run() } }
        }
    }

    /// Runs a batch's transaction. On SQLite, on the lane's own connection, whose statements run in place on the
    /// lane's thread: the jobs' Fluent queries too, through `SQLiteLaneDatabase`. On PostgreSQL, in a transaction of
    /// Fluent's pool. `body` gets the database jobs see and the one the batch's statements run on.
    private func transaction(for batch: [Job], _ body: @escaping @Sendable (any Database, any SQLDatabase) async throws -> Void) async throws {
        let database = database()
        guard let writer else {
            try await database.transaction { tx in try await body(tx, tx as! any SQLDatabase) }
            return
        }
        try await writer.raw("BEGIN IMMEDIATE").run()
        do {
            try await body(SQLiteLaneDatabase(writer: writer, like: database), writer)
            try await writer.raw("COMMIT").run()
        } catch {
            try? await writer.raw("ROLLBACK").run()
            throw error
        }
    }

    enum LaneError: Error { case lost }
}

/// The write lane's own thread. Its batches, and every step of them (the jobs, the audit chain, each statement's
/// answer), run here rather than on the event loops (which also run Swift's tasks: see main.swift), so a batch never
/// waits behind the connections' work for each of its steps; the lane is what every audited request waits for.
/// One for the process, for as long as it runs, as NIO's own singletons are.
final class LaneThread: TaskExecutor, @unchecked Sendable {
    static let shared = LaneThread()

    let loop = MultiThreadedEventLoopGroup(numberOfThreads: 1).next()

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        loop.execute { job.runSynchronously(on: executor) }
    }
}

/// A continuation and the outcome to resume it with, carried to the caller's event loop. The outcome is a job's own
/// answer, which the job made `Sendable`; only `Result`'s existential error keeps the compiler from seeing that.
private struct UncheckedResume: @unchecked Sendable {
    let continuation: CheckedContinuation<any Sendable, any Error>
    let result: Result<any Sendable, any Error>

    func run() { continuation.resume(with: result) }
}

/// Results of one batch's jobs, filled in as they run.
private final class OutcomeBox: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Result<any Sendable, any Error>?]

    init(count: Int) { results = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ result: Result<any Sendable, any Error>) { lock.withLock { results[index] = result } }
    func get(_ index: Int) -> Result<any Sendable, any Error>? { lock.withLock { results[index] } }
}

/// Extends the hash chain within one batch's transaction. Events are chained as jobs audit them and written in
/// multi-row inserts when the batch ends (a failed job's are forgotten with its savepoint), so a batch of audited
/// reads costs one insert, not one per read. Plain SQL: this runs for every audited request.
private actor AuditAppender {
    /// Loaded when the batch locks the head.
    private var head: (seq: Int, hash: String)?
    /// Where the chain stood when the batch began, so a batch with no events leaves the head alone.
    private var startSeq = 0
    /// Chained, not yet written.
    private var pending: [ChainedAuditRecord] = []
    /// Other rows queued for the batch's inserts, in the order jobs queued them.
    private var rows: [any QueuedRow] = []

    struct Mark {
        fileprivate let head: (seq: Int, hash: String)?
        fileprivate let pendingCount: Int
        fileprivate let rowCount: Int
    }

    /// Where the chain and the queued rows stood, so a failed job's events and rows can be forgotten.
    func mark() -> Mark { Mark(head: head, pendingCount: pending.count, rowCount: rows.count) }

    func reset(to mark: Mark) {
        head = mark.head
        pending.removeSubrange(mark.pendingCount...)
        rows.removeSubrange(mark.rowCount...)
    }

    func queue(_ row: any QueuedRow) {
        rows.append(row)
    }

    func queued<Row: QueuedRow>(_ type: Row.Type) -> [Row] {
        rows.compactMap { $0 as? Row }
    }

    /// Writes the queued rows, each kind in multi-row inserts, kinds in the order they were first queued.
    private func insertRows(on sql: any SQLDatabase) async throws {
        var kinds: [ObjectIdentifier] = []
        var byKind: [ObjectIdentifier: [any QueuedRow]] = [:]
        for row in rows {
            let kind = ObjectIdentifier(type(of: row))
            if byKind[kind] == nil { kinds.append(kind) }
            byKind[kind, default: []].append(row)
        }
        for kind in kinds {
            let group = byKind[kind]!
            let type = type(of: group[0])
            try await MultiRowInsert(table: type.table, columns: type.insertColumns).run(group.map { $0.insertValues }, on: sql)
        }
        rows.removeAll()
    }

    /// Writing to the head row takes the write lock (SQLite) or the row lock (PostgreSQL),
    /// so concurrent servers extend the chain, and run their batches, one after another.
    func lockHead(on sql: any SQLDatabase) async throws {
        guard let row = try await sql.raw("UPDATE audit_chain_head SET id = 1 WHERE id = 1 RETURNING last_seq, last_hash").first() else {
            throw AuditTrailMissing()
        }
        let seq = try row.decode(column: "last_seq", as: Int.self)
        head = (seq, try row.decode(column: "last_hash", as: String.self))
        startSeq = seq
    }

    func append(_ entry: AuditEntry, at now: Date) throws {
        pending.append(try chainNext(entry, at: now))
    }

    func appendAll(_ entries: [AuditEntry], at now: Date) throws {
        pending.reserveCapacity(pending.count + entries.count)
        for entry in entries { pending.append(try chainNext(entry, at: now)) }
    }

    /// The next event of the chain, with the head moved on to it (saved with the batch).
    private func chainNext(_ entry: AuditEntry, at now: Date) throws -> ChainedAuditRecord {
        guard let last = head else { throw AuditTrailMissing() }
        let record = AuditRecord(
            seq: last.seq + 1, id: UUID.timeOrdered().text, at: CaseworkTime.iso8601Millis(now),
            actorStaffId: entry.actor.staffId, actorRole: entry.actor.role?.rawValue, action: entry.action,
            subjectType: entry.subjectType, subjectId: entry.subjectId, outcome: entry.outcome, detail: entry.detail)
        let chained = AuditChain.chain(record, previousHash: last.hash)
        head = (record.seq, chained.hash)
        return chained
    }

    /// Writes the batch's queued rows and events, then moves the head on to the last event.
    func finish(on sql: any SQLDatabase) async throws {
        try await insertRows(on: sql)
        // 500 rows of 12 binds stay far below either database's limit on binds in one statement.
        try await AuditEventRows.insert(pending, perStatement: 500, on: sql)
        pending.removeAll()
        guard let head, head.seq != startSeq else { return }
        try await sql.raw("UPDATE audit_chain_head SET last_seq = \(bind: head.seq), last_hash = \(bind: head.hash) WHERE id = 1").run()
    }
}

/// The chain head row is missing: the database was not migrated, or was tampered with.
struct AuditTrailMissing: Error, CustomStringConvertible {
    var description: String { "The audit chain head is missing: run `casework migrate --yes`" }
}
