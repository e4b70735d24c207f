import CaseworkCore
import Fluent
import Vapor

/// A grant once made: extension and removal requests (opened by its holder, endorsed by their team leader, decided
/// by provisioning), provisioning's early removal, and the team leader's log-off confirmation. The rules are
/// `GrantChanges` in the core.
struct GrantChangeService: RepositoryService {
    let context: ServiceContext
    let repository: @Sendable (any Database) -> any AccessRepository

    static let fluent = TemporaryAccess.fluent

    /// The grant and the facts its change rules need.
    static func grantFacts(_ id: UUID, in stored: any AccessRepository, at now: Date) async throws -> (GrantModel, GrantChanges.Facts) {
        guard let (grant, leader) = try await stored.grantAndTeamLeader(id) else { throw DomainError.notFound("There is no grant with id \(id.text)") }
        return (grant, GrantChanges.Facts(holder: try StaffID.stored(grant.staffId), holderTeamLeader: leader.flatMap(StaffID.init), state: grant.state(at: now)))
    }

    func openChange(_ kind: GrantChangeKind, grant id: UUID, additionalMinutes: Int?, reason: String) async throws -> GrantChangeDTO {
        let user = try context.requireUser()
        guard let role = user.role else { throw DomainError.forbidden("Choose a role first") }
        return try await context.write { ctx in
            let stored = repository(ctx.db)
            let (_, facts) = try await Self.grantFacts(id, in: stored, at: ctx.now)
            let status = try GrantChanges.open(kind, facts, by: user.profile.staffId, actingAs: role, additionalMinutes: additionalMinutes, reason: reason).get()
            let change = GrantChangeRequestModel()
            change.id = UUID()
            change.grantId = id
            change.kind = kind
            change.status = status
            change.additionalMinutes = kind == .extension ? additionalMinutes : nil
            change.reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
            change.requestedBy = user.staffId
            change.createdAt = ctx.now
            change.updatedAt = ctx.now
            try await stored.add(change)
            try await Self.notifyChange(ctx, change, grantId: id, in: stored)
            try await ctx.audit(AuditEntry(user.actor, "grant.\(kind.rawValue)Request", subjectType: "grant", subjectId: id.text,
                                           detail: "\(kind.rawValue) requested\(additionalMinutes.map { " for \($0) more minutes" } ?? ""): \(change.reason); \(status.rawValue)"))
            return GrantChangeDTO(change)
        }
    }

    func decideExtension(_ id: UUID, decision text: String, reason: String?, minutes: Int?) async throws -> GrantChangeDTO {
        let user = try context.requireUser()
        guard let role = user.role else { throw DomainError.forbidden("Choose a role first") }
        guard let decision = AccessDecision(rawValue: text) else { throw ValidationFailure(["decision": "decision must be approve or reject"]) }
        return try await context.write { ctx in
            let stored = repository(ctx.db)
            guard let change = try await stored.change(id), change.kind == GrantChangeKind.extension else {
                throw DomainError.notFound("There is no extension request with id \(id.text)")
            }
            let (grant, facts) = try await Self.grantFacts(change.grantId, in: stored, at: ctx.now)
            let (status, granted) = try GrantChanges.decide(
                status: change.status, facts: facts, requestedBy: try StaffID.stored(change.requestedBy),
                endorsedBy: change.endorsedBy.flatMap(StaffID.init), decision: decision, by: user.profile.staffId, actingAs: role,
                reason: reason, minutes: minutes, asked: change.additionalMinutes ?? 0).get()
            if change.status == .awaitingTeamLeader { change.endorsedBy = user.staffId } else { change.decidedBy = user.staffId }
            change.status = status
            change.decisionReason = reason?.trimmingCharacters(in: .whitespacesAndNewlines).nilIfEmpty
            change.updatedAt = ctx.now
            try await stored.save(change)
            var detail = "extension \(id.text) \(decision.rawValue) -> \(status.rawValue)"
            if let granted {
                grant.expiresAt = grant.expiresAt.addingTimeInterval(TimeInterval(granted * 60))
                // A new expiry earns a new "ending soon" reminder.
                grant.reminderSentAt = nil
                try await stored.save(grant)
                detail += "; now expires \(CaseworkTime.iso8601(grant.expiresAt))"
            }
            try await Inbox.settle(ctx, request: grant.requestId, link: "/grants/\(grant.id!.text)")
            try await Self.notifyChange(ctx, change, grantId: grant.id!, in: stored)
            try await ctx.audit(AuditEntry(user.actor, "grant.extensionDecision", subjectType: "grant", subjectId: grant.id!.text, detail: detail))
            return GrantChangeDTO(change)
        }
    }

    /// Provisioning ends a grant at once; open removal requests on it are marked approved.
    func remove(_ id: UUID, reason: String) async throws -> GrantDTO {
        let user = try context.requireUser()
        guard let role = user.role else { throw DomainError.forbidden("Choose a role first") }
        let dto: GrantDTO = try await context.write { ctx in
            let stored = repository(ctx.db)
            let (grant, facts) = try await Self.grantFacts(id, in: stored, at: ctx.now)
            if let refusal = GrantChanges.removal(facts, actingAs: role, reason: reason) { throw refusal }
            // Whole seconds, rounded down: the removal is in force from this request on, on every database.
            grant.removedAt = CaseworkTime.wholeSecond(ctx.now)
            grant.removedBy = user.staffId
            grant.removalReason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
            try await stored.save(grant)
            try await stored.approveWaitingRemovals(ofGrant: id, by: user.staffId)
            try await Inbox.settle(ctx, request: grant.requestId, link: "/grants/\(id.text)")
            try await ctx.audit(AuditEntry(user.actor, "grant.remove", subjectType: "grant", subjectId: id.text, detail: "removed: \(grant.removalReason ?? "")"))
            return GrantDTO(grant, now: ctx.now)
        }
        return dto
    }

    /// Extension and removal requests waiting for the signed-in person: a team leader's endorsement of their team's
    /// extensions, or provisioning's decision on any.
    func changesAwaitingMe() async throws -> [GrantChangeDTO] {
        let user = try context.requireUser()
        switch user.role {
        case .teamLeader:
            // The leader countersigned the grant's request: asked of the database, through their own requests.
            return try await AccessQueries(db: db, readers: context.readers).changesAwaitingEndorsement(by: user.staffId).map(GrantChangeDTO.init)
        case .provisioning:
            return try await AccessQueries(db: db, readers: context.readers).changesWaiting(at: .awaitingProvisioning).map(GrantChangeDTO.init)
        default:
            return []
        }
    }

    /// Tells whoever must act next on an extension or removal request, and the holder and team leader of its outcome.
    static func notifyChange(_ ctx: WriteContext, _ change: GrantChangeRequestModel, grantId: UUID, in stored: any AccessRepository) async throws {
        guard let grant = try await stored.grant(grantId), let record = try await stored.request(grant.requestId) else { return }
        let link = "/grants/\(grantId.text)"
        let what = change.kind == GrantChangeKind.extension
            ? "An extension of \(change.additionalMinutes ?? 0) minutes to temporary access \(record.reference) for \(grant.staffId)"
            : "Removal of temporary access \(record.reference) for \(grant.staffId)"
        switch change.status {
        case .awaitingTeamLeader:
            try await Inbox.notify(ctx, to: record.teamLeaderStaffId, kind: .awaitingYou, text: "\(what) awaits your endorsement", link: link, request: record.id)
        case .awaitingProvisioning:
            try await Inbox.notifyStage(ctx, .provisioning, text: "\(what) awaits provisioning", link: link, request: record.id)
        case .approved, .refused:
            let text = "\(what) was \(change.status)\(change.decisionReason.map { ": \($0)" } ?? "")"
            try await Inbox.notify(ctx, to: grant.staffId, kind: .extension, text: text, link: link, request: record.id)
            try await Inbox.notify(ctx, to: record.teamLeaderStaffId, kind: .extension, text: text, link: link, request: record.id)
        }
    }

    func confirmLogOff(_ id: UUID) async throws -> GrantDTO {
        let user = try context.requireUser()
        guard let role = user.role else { throw DomainError.forbidden("Choose a role first") }
        return try await context.write { ctx in
            let stored = repository(ctx.db)
            let (grant, facts) = try await Self.grantFacts(id, in: stored, at: ctx.now)
            if let refusal = GrantChanges.logOffConfirmation(facts, alreadyConfirmed: grant.logOffConfirmedAt != nil, by: user.profile.staffId, actingAs: role) {
                throw refusal
            }
            grant.logOffConfirmedAt = ctx.now
            grant.logOffConfirmedBy = user.staffId
            try await stored.save(grant)
            try await ctx.audit(AuditEntry(user.actor, "grant.logOffConfirmed", subjectType: "grant", subjectId: id.text, detail: "team leader witnessed the log-off"))
            return GrantDTO(grant, now: ctx.now)
        }
    }
}
