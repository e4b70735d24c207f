import CaseworkCore
import Fluent
import SQLKit
import Vapor

/// Records grants that have ended. The policy already refuses access the instant a grant expires; this job
/// does what follows: ends the holder's sessions, sends back to their hopper any SR the holder may no longer
/// see, and gives the team leader the log-off confirmation task. Each grant is processed once, whichever
/// server gets there first.
struct GrantExpiry {
    let app: Application

    /// Grants processed in one write job: a few statements and three multi-row inserts for the whole batch. At
    /// national volume a batch of 1,000 holds the lane for about 0.4 s (500: 0.25 s), and ten thousand grants ending
    /// together were processed in 4.3-4.5 s rather than 4.8-5.0 s: what waits behind a batch waits a little longer
    /// while the whole burst ends sooner.
    var batchSize = 1_000

    /// Sends due "ending soon" reminders, then processes every grant that has ended and not yet been
    /// processed, a batch at a time; returns how many ended grants it processed.
    @discardableResult
    func runOnce() async throws -> Int {
        try await remindEndingSoon()
        var processed = 0
        while true {
            let now = app.casework.clock.now()
            // Expired and removed grants not yet processed, each through its own index.
            let ids = try await Self.endedUnprocessed(on: app.db, at: now, limit: batchSize)
            guard !ids.isEmpty else { return processed }
            let done = try await app.casework.lane.perform { ctx in try await Self.process(ids, ctx: ctx) }
            processed += done
            // A short batch was the last; a batch none of which could be processed (another server took it, or the
            // test clock went back) is left to the next run rather than read again at once.
            if ids.count < batchSize || done == 0 { return processed }
        }
    }

    /// How long until the next grant not yet processed ends (nil when none is due to), by the expiry's own index.
    func secondsUntilNextEnd() async throws -> TimeInterval? {
        let now = app.casework.clock.now()
        let next = try await StoredGrant.rows(on: app.db, where: "end_processed_at IS NULL AND expires_at > \(bind: now)", orderBy: "expires_at", limit: 1)
        return next.first?.expiresAt.timeIntervalSince(now)
    }

    /// Up to `limit` grants that have expired or been removed and are not yet processed, those that ended first
    /// first, each kind through its own index (`grants_unprocessed_by_expiry`, `grants_unprocessed_by_removal`).
    static func endedUnprocessed(on db: any Database, at now: Date, limit: Int) async throws -> [UUID] {
        let expired = try await StoredGrant.rows(on: db, where: "end_processed_at IS NULL AND expires_at <= \(bind: now)", orderBy: "expires_at", limit: limit)
        let removed = try await StoredGrant.rows(on: db, where: "end_processed_at IS NULL AND removed_at IS NOT NULL", orderBy: "removed_at", limit: limit)
        var seen = Set<UUID>()
        return (expired + removed).map(\.id).filter { seen.insert($0).inserted }.prefix(limit).map { $0 }
    }

    /// Records the end of each grant that is still unprocessed when re-read inside the lane (another server may have
    /// got there first): ends the holders' sessions, returns work they may no longer see, tells them and their team
    /// leaders, and audits `grant.ended`. Returns how many it processed.
    static func process(_ ids: [UUID], ctx: WriteContext) async throws -> Int {
        let grants = try await grantsStillToDo(ids, on: ctx.db) { $0.endProcessedAt == nil && $0.state(at: ctx.now) != .active }
        guard !grants.isEmpty else { return 0 }
        let sql = ctx.db as! any SQLDatabase
        try await sql.raw("UPDATE grants SET end_processed_at = \(bind: ctx.now) WHERE id IN (\(binds: grants.map(\.id)))").run()
        let requests = try await AccessQueries(db: ctx.db).labels(ids: Array(Set(grants.map(\.requestId))))
        let holders = Array(Set(grants.map(\.staffId)))
        // Each holder's sessions, counted for the audit and ended, by the sessions' staff index.
        var sessions: [String: Int] = [:]
        for row in try await sql.raw("""
            SELECT staff_id, COUNT(*) AS n FROM auth_sessions WHERE staff_id IN (\(binds: holders)) GROUP BY staff_id
            """).all() {
            sessions[try row.decode(column: "staff_id", as: String.self)] = try row.decode(column: "n", as: Int.self)
        }
        if !sessions.isEmpty {
            try await sql.raw("DELETE FROM auth_sessions WHERE staff_id IN (\(binds: Array(sessions.keys)))").run()
        }
        var returned = try await returnWorkNoLongerVisible(holders: holders, ctx: ctx)
        var notes: [Inbox.Note] = []
        var events: [AuditEntry] = []
        for grant in grants {
            let id = grant.id
            let request = requests[grant.requestId]
            let leader = request?.teamLeaderStaffId
            let reference = request?.reference ?? id.text
            let how = grant.state(at: ctx.now) == .removed ? "was removed" : "expired"
            let link = "/grants/\(id.text)"
            notes.append(Inbox.Note(to: leader, kind: .logOffTask, text: "Temporary access \(reference) for \(grant.staffId) \(how): witness their log-off and confirm it",
                                    link: link, request: grant.requestId))
            notes.append(Inbox.Note(to: grant.staffId, kind: .accessEnded, text: "Your temporary access \(reference) \(how)", link: link, request: grant.requestId))
            // Work goes back once per holder, so it is told of on the holder's first grant in the batch.
            let theirs = returned.removeValue(forKey: grant.staffId) ?? []
            for sr in theirs {
                notes.append(Inbox.Note(to: leader, kind: .workReturned, text: "\(sr) went back to its hopper: \(grant.staffId) may no longer see its contacts",
                                        link: nil, request: grant.requestId))
            }
            // A holder's sessions are counted against their first ended grant in the batch; later ones ended none.
            let ended = sessions.removeValue(forKey: grant.staffId) ?? 0
            events.append(AuditEntry(.system, "grant.ended", subjectType: "grant", subjectId: id.text,
                                     detail: "\(reference) \(how); \(ended) session(s) ended; \(theirs.count) SR(s) returned to hoppers; log-off task for \(leader ?? "no team leader")"))
        }
        try await Inbox.notifyAll(ctx, notes)
        try await ctx.audit(events)
        return grants.count
    }

    /// Tells the holder and their team leader, once per expiry, that a live grant ends soon (see `GrantReminder`).
    /// Batches of `batchSize`, each in one write job, as the expiry is: ten thousand grants ending together were
    /// also all due a reminder together. A batch with none due ends the run: what is left waits for the next one.
    func remindEndingSoon() async throws {
        while true {
            let now = app.casework.clock.now()
            let soon = now.addingTimeInterval(GrantReminder.lead)
            let candidates = try await StoredGrant.rows(on: app.db, where: """
                reminder_sent_at IS NULL AND expires_at > \(bind: now) AND expires_at <= \(bind: soon) AND removed_at IS NULL
                """, orderBy: "expires_at", limit: batchSize)
            let due = candidates.filter { GrantReminder.isDue(at: now, grantedAt: $0.grantedAt, expiresAt: $0.expiresAt) }.map(\.id)
            guard !due.isEmpty else { return }
            let reminded = try await app.casework.lane.perform { ctx in try await Self.remind(due, ctx: ctx) }
            if candidates.count < batchSize || reminded == 0 { return }
        }
    }

    /// Reminds the holders and team leaders of the grants still due when re-read inside the lane; returns how many.
    static func remind(_ ids: [UUID], ctx: WriteContext) async throws -> Int {
        let grants = try await grantsStillToDo(ids, on: ctx.db) {
            $0.reminderSentAt == nil && $0.state(at: ctx.now) == .active && GrantReminder.isDue(at: ctx.now, grantedAt: $0.grantedAt, expiresAt: $0.expiresAt)
        }
        guard !grants.isEmpty else { return 0 }
        try await (ctx.db as! any SQLDatabase).raw("UPDATE grants SET reminder_sent_at = \(bind: ctx.now) WHERE id IN (\(binds: grants.map(\.id)))").run()
        let requests = try await AccessQueries(db: ctx.db).labels(ids: Array(Set(grants.map(\.requestId))))
        var notes: [Inbox.Note] = []
        var events: [AuditEntry] = []
        for grant in grants {
            let id = grant.id
            let request = requests[grant.requestId]
            let reference = request?.reference ?? id.text
            let minutes = Int((grant.expiresAt.timeIntervalSince(ctx.now) / 60).rounded(.up))
            let text = "Temporary access \(reference) for \(grant.staffId) ends in \(minutes) minute\(minutes == 1 ? "" : "s"), at \(CaseworkTime.ukClockTime(grant.expiresAt)): ask for an extension now if the work is not done"
            notes.append(Inbox.Note(to: request?.teamLeaderStaffId, kind: .endingSoon, text: text, link: "/grants/\(id.text)", request: grant.requestId))
            notes.append(Inbox.Note(to: grant.staffId, kind: .endingSoon, text: text, link: "/grants/\(id.text)", request: grant.requestId))
            events.append(AuditEntry(.system, "grant.reminder", subjectType: "grant", subjectId: id.text,
                                     detail: "\(reference) ends at \(CaseworkTime.iso8601(grant.expiresAt)); holder and team leader reminded"))
        }
        try await Inbox.notifyAll(ctx, notes)
        try await ctx.audit(events)
        return grants.count
    }

    /// The grants among `ids` that still need `work`, read by their ids alone. With `end_processed_at IS NULL` (or
    /// `reminder_sent_at IS NULL`) in the statement SQLite walked that column's index, every live grant, rather than
    /// look up the thousand ids: 24 ms of each batch at national scale. Every server's batches run one after another
    /// (each locks the audit chain's head first), so what is read here stays as read until this batch commits, and
    /// the update that follows needs no condition of its own.
    static func grantsStillToDo(_ ids: [UUID], on db: any Database, _ work: (StoredGrant) -> Bool) async throws -> [StoredGrant] {
        try await StoredGrant.rows(on: db, where: "id IN (\(binds: ids))").filter(work)
    }

    /// SRs assigned to these holders that involve a sensitive contact they may no longer see go back to Pending
    /// Assignment. Reads the candidates for all holders at once, only those SRs with a sensitive contact in full;
    /// only holders with sensitive work have their remaining grants read. Plain SQL throughout: Fluent's reflection
    /// over the contacts and staff read here was 7% of the expiry's time at national scale. Returns the references
    /// returned, by holder.
    static func returnWorkNoLongerVisible(holders: [String], ctx: WriteContext) async throws -> [String: [String]] {
        guard !holders.isEmpty else { return [:] }
        let open = [ServiceRequestStatus.assigned, ServiceRequestStatus.inProgress]
        let records = RecordQueries(db: ctx.db)
        let involved = try await records.sensitiveContactsOfAssigned(holders, statuses: open)
        guard !involved.isEmpty else { return [:] }
        let candidates = try await records.serviceRequests(ids: Array(involved.keys))
        let people = try await DirectoryQueries(db: ctx.db).profiles(Array(Set(candidates.compactMap(\.assigneeStaffId))))
        // The holders' remaining live grants, for all of them in one statement.
        let coverage = try await AccessQueries(db: ctx.db).coverage(for: people.values.map(\.staffId), at: ctx.now)
        var returning: [StoredServiceRequest] = []
        var returned: [String: [String]] = [:]
        for sr in candidates {
            guard let holder = sr.assigneeStaffId, let person = people[holder] else { continue }
            let grants = coverage[person.staffId] ?? []
            // Every contact `involved` names is sensitive (that is how it was read).
            let hidden = (involved[sr.id] ?? []).contains {
                !Visibility.maySee(contactId: $0.text, sensitive: true, person: person, grants: grants, at: ctx.now)
            }
            guard hidden else { continue }
            returning.append(sr)
            returned[holder, default: []].append(sr.reference)
        }
        // Every SR returned changes the same way, so one update (a chunk at a time) returns them all, and their
        // history rows join the batch's multi-row inserts.
        let sql = ctx.db as! any SQLDatabase
        for chunk in returning.chunked(into: 500) {
            try await sql.raw("""
                UPDATE service_requests SET status = \(bind: ServiceRequestStatus.pendingAssignment.rawValue), assignee_staff_id = NULL,
                routed_at = \(bind: ctx.now), updated_at = \(bind: ctx.now) WHERE id IN (\(binds: chunk.map(\.id)))
                """).run()
        }
        for sr in returning {
            await ctx.insertAtCommit(ServiceRequestHistoryModel(serviceRequestId: sr.id, at: ctx.now, by: nil, action: .returned,
                                                                detail: "back to the \(sr.segment ?? "") hopper: the assignee's temporary access ended"))
        }
        return returned
    }
}
