import CaseworkCore
import Fluent
import Foundation

/// What a leaver's deactivation ends in temporary access (`Directory.deactivate` asks, whoever deactivates them).
enum LeaverAccess {
    /// Removes the person's live grants ("account deactivated"), each end recorded as any ended grant's is (the team
    /// leader's log-off task, work they may no longer see back to its hopper), and withdraws their open access
    /// requests, telling each team leader. Audited with `actor`. Returns how many grants and requests it ended.
    static func end(for staffId: String, by actor: Actor, ctx: WriteContext,
                    repository: @Sendable (any Database) -> any AccessRepository = TemporaryAccess.fluent) async throws -> (grants: Int, requests: Int) {
        let stored = repository(ctx.db)
        let live = try await stored.liveGrants(heldBy: staffId, at: ctx.now)
        for grant in live {
            grant.removedAt = CaseworkTime.wholeSecond(ctx.now)
            grant.removedBy = actor.staffId ?? "system"
            grant.removalReason = "account deactivated"
            try await stored.save(grant)
            try await ctx.audit(AuditEntry(actor, "grant.remove", subjectType: "grant", subjectId: grant.id!.text, detail: "removed: account deactivated"))
        }
        if !live.isEmpty { _ = try await GrantExpiry.process(live.map { $0.id! }, ctx: ctx) }

        let open = try await stored.openRequests(of: staffId)
        for record in open {
            let id = record.id!
            record.status = AccessRequestStatus.withdrawn
            record.updatedAt = ctx.now
            try await stored.save(record)
            await ctx.insertAtCommit(AccessRequestHistoryModel(requestId: id, at: ctx.now, by: actor.staffId ?? "system", action: .withdrawn, reason: "account deactivated"))
            try await Inbox.settle(ctx, request: id, link: "/access-requests/\(id.text)")
            try await Inbox.notify(ctx, to: record.teamLeaderStaffId, kind: .withdrawn,
                                   text: "Temporary access request \(record.reference) was withdrawn: \(staffId)'s account was deactivated",
                                   link: "/access-requests/\(id.text)", request: id)
            try await ctx.audit(AuditEntry(actor, "access.withdraw", subjectType: "accessRequest", subjectId: id.text,
                                           detail: "\(record.reference) withdrawn: account deactivated"))
        }
        return (live.count, open.count)
    }
}
