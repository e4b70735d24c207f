import CaseworkCore
import Fluent
import Vapor

/// In-app notifications, written inside the write job that causes them.
enum Inbox {
    static func notify(_ ctx: WriteContext, to staffId: String?, kind: String, text: String, link: String?) async throws {
        guard let staffId else { return }
        try await NotificationModel(to: staffId, at: ctx.now, kind: kind, text: text, link: link).create(on: ctx.db)
    }
}

/// Records grants that have ended. The policy already refuses access the instant a grant expires; this job
/// does what follows: ends the holder's sessions, sends back to their hopper any SR the holder may no longer
/// see, and gives the team leader the log-off confirmation task. Each grant is processed once, whichever
/// server gets there first.
struct GrantExpiry {
    let app: Application

    /// Processes every grant that has ended and not yet been processed; returns how many.
    @discardableResult
    func runOnce() async throws -> Int {
        let now = app.casework.clock.now()
        let ended = try await GrantModel.query(on: app.db).filter(\.$endProcessedAt == nil)
            .group(.or) { $0.filter(\.$expiresAt <= now).filter(\.$removedAt != nil) }.all()
        var processed = 0
        for candidate in ended {
            let id = candidate.id!
            let done: Bool = try await app.casework.lane.perform { ctx in
                // Re-read inside the lane: another server may have processed it already.
                guard let grant = try await GrantModel.find(id, on: ctx.db), grant.endProcessedAt == nil, grant.state(at: ctx.now) != .active else { return false }
                grant.endProcessedAt = ctx.now
                try await grant.save(on: ctx.db)
                let request = try await AccessRequestModel.find(grant.requestId, on: ctx.db)
                let leader = request?.teamLeaderStaffId
                let reference = request?.reference ?? grant.id!.uuidString
                let how = grant.state(at: ctx.now) == .removed ? "was removed" : "expired"
                let sessions = try await AuthSessionModel.query(on: ctx.db).filter(\.$staff.$id == grant.staffId).count()
                try await AuthSessionModel.query(on: ctx.db).filter(\.$staff.$id == grant.staffId).delete()
                let returned = try await Self.returnWorkNoLongerVisible(holder: grant.staffId, ctx: ctx)
                try await Inbox.notify(ctx, to: leader, kind: "logOffTask",
                                       text: "Temporary access \(reference) for \(grant.staffId) \(how): witness their log-off and confirm it", link: "/grants/\(id.uuidString)")
                try await Inbox.notify(ctx, to: grant.staffId, kind: "accessEnded", text: "Your temporary access \(reference) \(how)", link: nil)
                for sr in returned {
                    try await Inbox.notify(ctx, to: leader, kind: "workReturned",
                                           text: "\(sr) went back to its hopper: \(grant.staffId) may no longer see its contacts", link: nil)
                }
                try await ctx.audit(AuditEntry(.system, "grant.ended", subjectType: "grant", subjectId: id.uuidString,
                                               detail: "\(reference) \(how); \(sessions) session(s) ended; \(returned.count) SR(s) returned to hoppers; log-off task for \(leader ?? "no team leader")"))
                return true
            }
            if done { processed += 1 }
        }
        return processed
    }

    /// SRs assigned to the holder that involve a sensitive contact they may no longer see go back to Pending Assignment.
    static func returnWorkNoLongerVisible(holder staffId: String, ctx: WriteContext) async throws -> [String] {
        guard let staff = try await StaffModel.query(on: ctx.db).filter(\.$id == staffId).with(\.$roleRows).first() else { return [] }
        let person = staff.profile(roles: staff.loadedRoles)
        let grants = try await TemporaryAccess.coverage(for: person.staffId, at: ctx.now, on: ctx.db)
        let open = [ServiceRequestStatus.assigned.rawValue, ServiceRequestStatus.inProgress.rawValue]
        var returned: [String] = []
        for sr in try await ServiceRequestModel.query(on: ctx.db).filter(\.$assigneeStaffId == staffId).filter(\.$status ~~ open).all() {
            let contacts = try await Records.involvedContacts(sr, on: ctx.db)
            guard contacts.contains(where: { $0.sensitive && !Records.maySee($0, person: person, grants: grants, at: ctx.now) }) else { continue }
            sr.status = ServiceRequestStatus.pendingAssignment.rawValue
            sr.assigneeStaffId = nil
            sr.routedAt = ctx.now
            sr.updatedAt = ctx.now
            try await sr.save(on: ctx.db)
            try await Records.history(sr.id!, ctx: ctx, by: nil, "returned", "back to the \(sr.segment ?? "") hopper: the assignee's temporary access ended")
            returned.append(sr.reference)
        }
        return returned
    }

    /// Runs `runOnce` every `interval` seconds until the application stops.
    static func schedule(on app: Application, every interval: TimeInterval) {
        let task = Task {
            while !Task.isCancelled {
                do { try await GrantExpiry(app: app).runOnce() } catch { app.logger.report(error: error) }
                try? await Task.sleep(nanoseconds: UInt64(interval * 1_000_000_000))
            }
        }
        app.lifecycle.use(StopTask(task: task))
    }

    struct StopTask: LifecycleHandler {
        let task: Task<Void, Never>
        func shutdown(_ application: Application) { task.cancel() }
        func shutdownAsync(_ application: Application) async { task.cancel() }
    }
}
