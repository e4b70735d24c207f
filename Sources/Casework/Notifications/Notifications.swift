import CaseworkCore
import Fluent
import SQLKit
import Vapor

/// In-app notifications, queued inside the write job that causes them and inserted with the batch's others when it
/// commits. Each one also goes to the person by email, through the outbox, in the same transaction: the news and its
/// email commit together or not at all.
/// Notifications carry references and links only, never a client's name, NINO or SCIN.
enum Inbox {
    static func notify(_ ctx: WriteContext, to staffId: String?, kind: NotificationKind, text: String, link: String?,
                       request: UUID? = nil, email: Bool = true) async throws {
        guard let staffId else { return }
        await ctx.insertAtCommit(QueuedNotification(to: staffId, at: ctx.now, kind: kind, text: text, link: link, accessRequestId: request))
        guard email, let address = try await DirectoryQueries(db: ctx.db).email(staffId) else { return }
        await Outbox.queue(ctx, to: address, staffId: staffId, text: text, link: link, request: request)
    }

    /// One notification to send, for `notifyAll`.
    struct Note: Sendable {
        let to: String?
        let kind: NotificationKind
        let text: String
        let link: String?
        let request: UUID?
        var email = true
    }

    /// Many notifications at once, as `notify` sends each: the notifications in one insert, the recipients' addresses
    /// in one read, the emails in one insert. For jobs that tell thousands of people at once (grants ending together).
    static func notifyAll(_ ctx: WriteContext, _ notes: [Note]) async throws {
        let addressed = notes.filter { $0.to != nil }
        guard !addressed.isEmpty else { return }
        for note in addressed {
            await ctx.insertAtCommit(QueuedNotification(to: note.to!, at: ctx.now, kind: note.kind, text: note.text, link: note.link, accessRequestId: note.request))
        }
        let emailed = addressed.filter(\.email)
        guard !emailed.isEmpty else { return }
        let addresses = try await DirectoryQueries(db: ctx.db).emails(Array(Set(emailed.compactMap(\.to))))
        let messages = emailed.compactMap { note in
            addresses[note.to!].map { Outbox.message(ctx, to: $0, staffId: note.to, text: note.text, link: note.link, request: note.request) }
        }
        for message in messages { await ctx.insertAtCommit(message) }
    }

    /// A stage the procedure writes to as a team: its mailbox gets one email, and everyone holding the stage's
    /// role sees the news in their inbox.
    static func notifyStage(_ ctx: WriteContext, _ mailbox: Mailbox, text: String, link: String, request: UUID?) async throws {
        await Outbox.toMailbox(ctx, mailbox, text: text, link: link, request: request)
        let sql = ctx.db as! any SQLDatabase
        for row in try await sql.raw("SELECT staff_id FROM staff_roles WHERE role = \(bind: mailbox.role.rawValue) ORDER BY staff_id").all() {
            try await notify(ctx, to: try row.decode(column: "staff_id", as: String.self), kind: .awaitingYou, text: text, link: link,
                             request: request, email: false)
        }
    }

    /// Once a request (or a change to its grant) has moved on, the "awaiting you" notifications that pointed at it
    /// are no longer news: they are marked read for everyone who got them. `link` says which: the request's page,
    /// or the grant's for its extension and removal requests.
    static func settle(_ ctx: WriteContext, request: UUID, link: String) async throws {
        // Those queued earlier in this batch, not yet inserted, are settled too.
        for note in await ctx.queued(QueuedNotification.self)
        where note.accessRequestId == request && note.kind == .awaitingYou && note.link == link && note.readAt == nil {
            note.readAt = ctx.now
        }
        try await (ctx.db as! any SQLDatabase).raw("""
            UPDATE notifications SET read_at = \(bind: ctx.now) WHERE access_request_id = \(bind: request)
            AND kind = \(bind: NotificationKind.awaitingYou.rawValue) AND link = \(bind: link) AND read_at IS NULL
            """).run()
    }
}

/// The two team mailboxes the procedure writes to.
enum Mailbox: String {
    case scr
    case provisioning

    /// Who reads the mailbox.
    var role: Role {
        switch self {
        case .scr: return .scrManager
        case .provisioning: return .provisioning
        }
    }

    func address(_ mail: MailSettings) -> String {
        switch self {
        case .scr: return mail.scrMailbox
        case .provisioning: return mail.provisioningMailbox
        }
    }
}

/// Email waiting to go. Queued inside a write job; `OutboxDelivery` sends it.
enum Outbox {
    /// Queues the message with the batch's other inserts.
    static func queue(_ ctx: WriteContext, to address: String, staffId: String?, text: String, link: String?, request: UUID?) async {
        await ctx.insertAtCommit(message(ctx, to: address, staffId: staffId, text: text, link: link, request: request))
    }

    /// A message ready to queue.
    static func message(_ ctx: WriteContext, to address: String, staffId: String?, text: String, link: String?, request: UUID?) -> QueuedEmail {
        // Due at once, in whole seconds: a stored instant reads back exactly, so the message is due the moment it is
        // queued.
        QueuedEmail(createdAt: ctx.now, toAddress: address, toStaffId: staffId, subject: subject(for: text),
                    body: body(text: text, link: link, mail: ctx.mail), accessRequestId: request, nextAttemptAt: CaseworkTime.wholeSecond(ctx.now))
    }

    static func toMailbox(_ ctx: WriteContext, _ mailbox: Mailbox, text: String, link: String?, request: UUID?) async {
        await queue(ctx, to: mailbox.address(ctx.mail), staffId: nil, text: text, link: link, request: request)
    }

    /// The notification's first clause: "Temporary access request CSUA-1A2B3C4D was rejected".
    static func subject(for text: String) -> String {
        "Casework: " + String(text.split(separator: ":", maxSplits: 1).first ?? Substring(text)).prefix(150)
    }

    static func body(text: String, link: String?, mail: MailSettings) -> String {
        var lines = [text, ""]
        if let link { lines += ["Open it in Casework: \(mail.publicURL)\(link)", ""] }
        lines.append("This message names no client. Sign in to Casework to see the details.")
        return lines.joined(separator: "\n")
    }
}

/// Something that can deliver one email.
protocol MailTransport: Sendable {
    func send(_ message: EmailMessage, mailDomain: String) async throws
}

/// Sends what is due in the outbox. Each message is claimed inside the write lane first (so two servers never
/// send it twice at once), sent, then marked sent, or counted as a failed attempt and tried again after
/// `OutboxRetry`'s wait. Nothing is dropped: a message stays until it is delivered, visible on the outbox page.
struct OutboxDelivery {
    let app: Application
    var repository: @Sendable (any Database) -> any NotificationRepository = NotificationService.fluent
    /// How long a claimed message is left alone, in case the server sending it stops mid-send.
    static let claim: TimeInterval = 300

    /// Sends every message now due; returns how many were delivered. Stops at the first failure, which
    /// usually means the server is unreachable, so one run never waits out many timeouts.
    @discardableResult
    func runOnce() async throws -> Int {
        guard let transport = app.casework.mailTransport else { return 0 }
        let mail = app.casework.settings.mail
        let now = app.casework.clock.now()
        let repository = repository
        let due = try await repository(app.db).dueMessages(at: now, limit: 50)
        var delivered = 0
        for candidate in due {
            let id = candidate.id!
            let claimed: EmailMessage? = try await app.casework.lane.perform { ctx in
                let stored = repository(ctx.db)
                guard let message = try await stored.message(id), message.status == OutboxStatus.pending,
                      message.nextAttemptAt <= ctx.now else { return nil }
                message.nextAttemptAt = CaseworkTime.wholeSecond(ctx.now.addingTimeInterval(Self.claim))
                try await stored.save(message)
                return EmailMessage(id: id, from: mail.from, to: message.toAddress, subject: message.subject, body: message.body, date: ctx.now)
            }
            guard let message = claimed else { continue }
            let failure: String?
            do {
                try await transport.send(message, mailDomain: mail.mailDomain)
                failure = nil
            } catch {
                failure = String(describing: error)
            }
            try await app.casework.lane.perform { ctx in
                let rows = repository(ctx.db)
                guard let stored = try await rows.message(id) else { return }
                stored.attempts += 1
                if let failure {
                    stored.lastError = String(failure.prefix(500))
                    stored.nextAttemptAt = CaseworkTime.wholeSecond(ctx.now.addingTimeInterval(OutboxRetry.delay(afterFailedAttempts: stored.attempts)))
                } else {
                    stored.status = OutboxStatus.sent
                    stored.sentAt = ctx.now
                    stored.lastError = nil
                }
                try await rows.save(stored)
            }
            if failure != nil {
                app.logger.warning("Email \(id.text) to \(message.to) not delivered; will retry: \(failure!)")
                break
            }
            delivered += 1
        }
        return delivered
    }
}

/// Runs background work every few seconds until the application stops. A stop lets the current run finish: a batch
/// of expiries is processed whole or not at all, never cut off between its statements.
enum BackgroundJobs {
    static func schedule(_ job: CaseworkMetrics.Job, on app: Application, every interval: TimeInterval, _ work: @escaping @Sendable () async throws -> Void) {
        schedule(job, on: app, every: interval, alarm: nil) {
            try await work()
            return nil
        }
    }

    /// Runs `work`, then sleeps for `interval`, or less: until the instant the run asks for (the next grant's end,
    /// say), or until `alarm` rings.
    static func schedule(_ job: CaseworkMetrics.Job, on app: Application, every interval: TimeInterval, alarm: JobAlarm?,
                         _ work: @escaping @Sendable () async throws -> TimeInterval?) {
        let task = Task {
            while !Task.isCancelled {
                let started = DispatchTime.now().uptimeNanoseconds
                var failed = false
                var wait = interval
                do {
                    if let sooner = try await work() { wait = min(interval, max(0, sooner)) }
                } catch {
                    failed = true
                    app.logger.report(error: error)
                }
                CaseworkMetrics.jobRan(job, nanoseconds: DispatchTime.now().uptimeNanoseconds - started, failed: failed)
                if let alarm {
                    await alarm.sleep(seconds: wait)
                } else {
                    try? await Task.sleep(nanoseconds: UInt64(wait * 1_000_000_000))
                }
            }
        }
        running(on: app).add(task)
        app.lifecycle.use(StopTask(task: task))
    }

    /// Asks every job to stop and waits for each to finish the run it is in.
    static func stopAll(on app: Application) async {
        for task in running(on: app).all() {
            task.cancel()
            await task.value
        }
    }

    private final class Running: @unchecked Sendable {
        private let lock = NSLock()
        private var tasks: [Task<Void, Never>] = []
        func add(_ task: Task<Void, Never>) { lock.withLock { tasks.append(task) } }
        func all() -> [Task<Void, Never>] { lock.withLock { tasks } }
    }

    private struct RunningKey: StorageKey { typealias Value = Running }

    private static func running(on app: Application) -> Running {
        if let running = app.storage[RunningKey.self] { return running }
        let running = Running()
        app.storage[RunningKey.self] = running
        return running
    }

    struct StopTask: LifecycleHandler {
        let task: Task<Void, Never>
        func shutdown(_ application: Application) { task.cancel() }
        func shutdownAsync(_ application: Application) async {
            task.cancel()
            await task.value
        }
    }
}

extension Array {
    /// The array in consecutive pieces of at most `size` (for multi-row inserts within a statement's bind limit).
    func chunked(into size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}

/// Wakes a background job before its interval is up. A ring while the job is running ends its next sleep at once,
/// so no ring is lost; a cancelled job stops sleeping.
final class JobAlarm: @unchecked Sendable {
    private let lock = NSLock()
    private var sleeper: CheckedContinuation<Void, Never>?
    /// Which sleep `sleeper` belongs to, so a timer left over from an earlier sleep does not end a later one.
    private var sleepNumber: UInt64 = 0
    private var rungWhileAwake = false

    func ring() {
        let woken: CheckedContinuation<Void, Never>? = lock.withLock {
            guard let sleeper else {
                rungWhileAwake = true
                return nil
            }
            self.sleeper = nil
            return sleeper
        }
        woken?.resume()
    }

    /// Returns after `seconds`, or sooner when rung or cancelled.
    func sleep(seconds: TimeInterval) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let number: UInt64? = lock.withLock {
                    if rungWhileAwake || Task.isCancelled {
                        rungWhileAwake = false
                        return nil
                    }
                    sleepNumber += 1
                    sleeper = continuation
                    return sleepNumber
                }
                guard let number else { return continuation.resume() }
                Task {
                    try? await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1_000_000_000))
                    self.timeUp(number)
                }
            }
        } onCancel: {
            ring()
        }
    }

    private func timeUp(_ number: UInt64) {
        let woken: CheckedContinuation<Void, Never>? = lock.withLock {
            guard sleepNumber == number, let sleeper else { return nil }
            self.sleeper = nil
            return sleeper
        }
        woken?.resume()
    }
}
