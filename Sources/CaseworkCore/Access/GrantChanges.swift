import Foundation

/// A request to extend a grant or remove it early.
public enum GrantChangeKind: String, Sendable, Codable, CaseIterable {
    case `extension`
    case removal
}

/// Where an extension or removal request stands.
public enum GrantChangeStatus: String, Sendable, Codable, CaseIterable {
    case awaitingTeamLeader
    case awaitingProvisioning
    case approved
    case refused
}

/// The rules for changing a live grant: who may ask, who endorses, who decides.
public enum GrantChanges {
    /// The facts a change request looks at.
    public struct Facts: Sendable, Equatable {
        public var holder: StaffID
        public var holderTeamLeader: StaffID?
        public var state: GrantState

        public init(holder: StaffID, holderTeamLeader: StaffID?, state: GrantState) {
            self.holder = holder
            self.holderTeamLeader = holderTeamLeader
            self.state = state
        }
    }

    /// Who may ask, and where the request starts: the holder's extension goes to their team leader for endorsement
    /// (the procedure's "inform your TL, who contacts FLLS"); the team leader's own, and any removal, go to provisioning.
    public static func open(_ kind: GrantChangeKind, _ facts: Facts, by actor: StaffID, actingAs role: Role,
                            additionalMinutes: Int?, reason: String) -> Result<GrantChangeStatus, any Error> {
        guard facts.state == .active else {
            return .failure(DomainError.conflict("The grant is \(facts.state.rawValue): only a live grant can be \(kind == .extension ? "extended" : "removed")"))
        }
        let isHolder = actor == facts.holder
        let isLeader = role == .teamLeader && actor == facts.holderTeamLeader
        guard isHolder || isLeader else {
            return .failure(DomainError.forbidden("Only the grant's holder or their team leader may ask for this"))
        }
        var failure = ValidationFailure()
        if reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { failure.add("reason", "Give the reason") }
        if kind == .extension {
            let minutes = additionalMinutes ?? 0
            if !(1...AccessRequestChain.maximumMinutes).contains(minutes) {
                failure.add("additionalMinutes", "Ask for between 1 and \(AccessRequestChain.maximumMinutes) more minutes")
            }
        }
        if !failure.isEmpty { return .failure(failure) }
        // A removal goes straight to provisioning, who removes the grant; an extension from the holder needs
        // their team leader's endorsement first.
        if kind == .removal { return .success(.awaitingProvisioning) }
        return .success(isLeader ? .awaitingProvisioning : .awaitingTeamLeader)
    }

    /// The decisions an extension takes: it is approved or refused, never returned for correction.
    public static let decisions: [AccessDecision] = [.approve, .reject]

    /// A decision on an extension: the holder's team leader endorses (or refuses), then provisioning approves
    /// (for the minutes asked or fewer) or refuses. Nobody decides their own request, nor both stages.
    public static func decide(
        status: GrantChangeStatus, facts: Facts, requestedBy: StaffID, endorsedBy: StaffID?, decision: AccessDecision,
        by actor: StaffID, actingAs role: Role, reason: String?, minutes: Int?, asked: Int
    ) -> Result<(GrantChangeStatus, Int?), any Error> {
        switch status {
        case .approved, .refused:
            return .failure(DomainError.conflict("This request was already \(status.rawValue)"))
        case .awaitingTeamLeader:
            guard role == .teamLeader, actor == facts.holderTeamLeader else {
                return .failure(DomainError.forbidden("Only the holder's team leader may endorse this request"))
            }
        case .awaitingProvisioning:
            guard role == .provisioning else { return .failure(DomainError.forbidden("Only provisioning may decide this request")) }
        }
        if actor == requestedBy && status == .awaitingProvisioning { return .failure(DomainError.forbidden("Nobody decides on their own request")) }
        if actor == facts.holder { return .failure(DomainError.forbidden("Nobody decides on their own grant")) }
        if status == .awaitingProvisioning && actor == endorsedBy {
            return .failure(DomainError.forbidden("You endorsed this request: one person never decides two stages"))
        }
        guard facts.state == .active else { return .failure(DomainError.conflict("The grant is \(facts.state.rawValue): it can no longer be extended")) }
        var failure = ValidationFailure()
        if !decisions.contains(decision) { failure.add("decision", "Approve or reject an extension request") }
        if decision == .reject && (reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { failure.add("reason", "Give the reason for refusing") }
        if let minutes, status != .awaitingProvisioning || decision != .approve || !(1...asked).contains(minutes) {
            failure.add("durationMinutes", "Provisioning may extend by 1 to \(asked) minutes, when approving")
        }
        if !failure.isEmpty { return .failure(failure) }
        if decision == .reject { return .success((.refused, nil)) }
        return status == .awaitingTeamLeader ? .success((.awaitingProvisioning, nil)) : .success((.approved, minutes ?? asked))
    }

    /// Provisioning removes a live grant at once, with a reason.
    public static func removal(_ facts: Facts, actingAs role: Role, reason: String) -> (any Error)? {
        guard role == .provisioning else { return DomainError.forbidden("Only provisioning removes temporary access") }
        guard facts.state == .active else { return DomainError.conflict("The grant is already \(facts.state.rawValue)") }
        if reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return ValidationFailure(["reason": "Give the reason for removing the access"]) }
        return nil
    }

    /// The team leader confirms they witnessed the log-off, once the grant has ended.
    public static func logOffConfirmation(_ facts: Facts, alreadyConfirmed: Bool, by actor: StaffID, actingAs role: Role) -> DomainError? {
        guard role == .teamLeader, actor == facts.holderTeamLeader else {
            return .forbidden("Only the holder's team leader confirms the log-off they witnessed")
        }
        if facts.state == .active { return .conflict("The grant is still live: confirm the log-off after it ends") }
        if alreadyConfirmed { return .conflict("The log-off was already confirmed") }
        return nil
    }
}
