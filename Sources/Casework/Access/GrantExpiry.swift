import CaseworkCore
import Fluent
import Vapor

/// Records grants that have ended. The policy already refuses access the instant a grant expires; this job
/// does what follows: ends the holder's sessions, sends back to their hopper any SR the holder may no longer
/// see, and gives the team leader the log-off confirmation task. Each grant is processed once, whichever
/// server gets there first.
struct GrantExpiry {
    let app: Application

    /// Sends due "ending soon" reminders, then processes every grant that has ended and not yet been
    /// processed; returns how many ended grants it processed.
    @discardableResult
    func runOnce() async throws -> Int {
        try await remindEndingSoon()
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
                let requestId = grant.requestId
                let leader = request?.teamLeaderStaffId
                let reference = request?.reference ?? grant.id!.uuidString
                let how = grant.state(at: ctx.now) == .removed ? "was removed" : "expired"
                let sessions = try await AuthSessionModel.query(on: ctx.db).filter(\.$staff.$id == grant.staffId).count()
                try await AuthSessionModel.query(on: ctx.db).filter(\.$staff.$id == grant.staffId).delete()
                let returned = try await Self.returnWorkNoLongerVisible(holder: grant.staffId, ctx: ctx)
                try await Inbox.notify(ctx, to: leader, kind: "logOffTask",
                                       text: "Temporary access \(reference) for \(grant.staffId) \(how): witness their log-off and confirm it",
                                       link: "/grants/\(id.uuidString)", request: requestId)
                try await Inbox.notify(ctx, to: grant.staffId, kind: "accessEnded", text: "Your temporary access \(reference) \(how)",
                                       link: "/grants/\(id.uuidString)", request: requestId)
                for sr in returned {
                    try await Inbox.notify(ctx, to: leader, kind: "workReturned",
                                           text: "\(sr) went back to its hopper: \(grant.staffId) may no longer see its contacts", link: nil, request: requestId)
                }
                try await ctx.audit(AuditEntry(.system, "grant.ended", subjectType: "grant", subjectId: id.uuidString,
                                               detail: "\(reference) \(how); \(sessions) session(s) ended; \(returned.count) SR(s) returned to hoppers; log-off task for \(leader ?? "no team leader")"))
                return true
            }
            if done { processed += 1 }
        }
        return processed
    }

    /// Tells the holder and their team leader, once per expiry, that a live grant ends soon (see `GrantReminder`).
    func remindEndingSoon() async throws {
        let now = app.casework.clock.now()
        let soon = now.addingTimeInterval(GrantReminder.lead)
        let candidates = try await GrantModel.query(on: app.db).filter(\.$reminderSentAt == nil).filter(\.$removedAt == nil)
            .filter(\.$expiresAt > now).filter(\.$expiresAt <= soon).all()
        for candidate in candidates where GrantReminder.isDue(at: now, grantedAt: candidate.grantedAt, expiresAt: candidate.expiresAt) {
            let id = candidate.id!
            try await app.casework.lane.perform { ctx in
                guard let grant = try await GrantModel.find(id, on: ctx.db), grant.reminderSentAt == nil, grant.state(at: ctx.now) == .active,
                      GrantReminder.isDue(at: ctx.now, grantedAt: grant.grantedAt, expiresAt: grant.expiresAt) else { return }
                grant.reminderSentAt = ctx.now
                try await grant.save(on: ctx.db)
                let request = try await AccessRequestModel.find(grant.requestId, on: ctx.db)
                let reference = request?.reference ?? id.uuidString
                let minutes = Int((grant.expiresAt.timeIntervalSince(ctx.now) / 60).rounded(.up))
                let text = "Temporary access \(reference) for \(grant.staffId) ends in \(minutes) minute\(minutes == 1 ? "" : "s"), at \(CaseworkTime.ukClockTime(grant.expiresAt)): ask for an extension now if the work is not done"
                try await Inbox.notify(ctx, to: request?.teamLeaderStaffId, kind: "endingSoon", text: text, link: "/grants/\(id.uuidString)", request: grant.requestId)
                try await Inbox.notify(ctx, to: grant.staffId, kind: "endingSoon", text: text, link: "/grants/\(id.uuidString)", request: grant.requestId)
                try await ctx.audit(AuditEntry(.system, "grant.reminder", subjectType: "grant", subjectId: id.uuidString,
                                               detail: "\(reference) ends at \(CaseworkTime.iso8601(grant.expiresAt)); holder and team leader reminded"))
            }
        }
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
}
