import Foundation

/// Where a CSUA150 temporary access request stands.
public enum AccessRequestStatus: String, Sendable, Codable, CaseIterable {
    case awaitingTeamLeader
    case awaitingScrManager
    case awaitingProvisioning
    case granted
    case rejected
    case returned
    case withdrawn

    /// The status as people read it.
    public var displayName: String {
        switch self {
        case .awaitingTeamLeader: "Awaiting team leader"
        case .awaitingScrManager: "Awaiting SCR manager"
        case .awaitingProvisioning: "Awaiting provisioning (FLLS)"
        case .granted: "Granted"
        case .rejected: "Rejected"
        case .returned: "Returned"
        case .withdrawn: "Withdrawn"
        }
    }

    /// Rejected, returned, withdrawn and granted requests take no more decisions ("start a new form" copies one).
    public var isFinal: Bool {
        switch self {
        case .awaitingTeamLeader, .awaitingScrManager, .awaitingProvisioning: false
        case .granted, .rejected, .returned, .withdrawn: true
        }
    }

    /// The stage waiting for a decision, if any.
    public var stage: AccessStage? {
        switch self {
        case .awaitingTeamLeader: .teamLeader
        case .awaitingScrManager: .scrManager
        case .awaitingProvisioning: .provisioning
        // Spelled out, not `default`, so a new waiting status does not compile until its stage is named here.
        case .granted, .rejected, .returned, .withdrawn: nil
        }
    }
}

/// The three people who decide, in order.
public enum AccessStage: String, Sendable, Codable, CaseIterable {
    case teamLeader
    case scrManager
    case provisioning

    /// Whether this stage comes before `other` in the chain.
    public func precedes(_ other: AccessStage) -> Bool {
        Self.allCases.firstIndex(of: self)! < Self.allCases.firstIndex(of: other)!
    }

    /// The status of a request waiting at this stage (the inverse of `AccessRequestStatus.stage`).
    public var awaiting: AccessRequestStatus {
        switch self {
        case .teamLeader: .awaitingTeamLeader
        case .scrManager: .awaitingScrManager
        case .provisioning: .awaitingProvisioning
        }
    }

    /// The role a person must act in to decide this stage.
    public var role: Role {
        switch self {
        case .teamLeader: .teamLeader
        case .scrManager: .scrManager
        case .provisioning: .provisioning
        }
    }

    /// The stage as people read it: the deciding role's name.
    public var displayName: String { role.displayName }

    /// What a decider at this stage may say: only the team leader returns a request, for the requester to put right.
    public var decisions: [AccessDecision] {
        self == .teamLeader ? [.approve, .reject, .return] : [.approve, .reject]
    }
}

/// What a decider can say.
public enum AccessDecision: String, Sendable, Codable, CaseIterable {
    case approve
    case reject
    case `return`

    /// The decision as people read it in a list of decisions.
    public var displayName: String {
        switch self {
        case .approve: "Approved"
        case .reject: "Rejected"
        case .return: "Returned"
        }
    }
}

/// The facts the chain's rules look at.
public struct AccessRequestFacts: Sendable, Equatable {
    public var status: AccessRequestStatus
    public var requester: StaffID
    /// The requester's own team leader, from the directory when the request was made.
    public var teamLeader: StaffID?
    public var requestedMinutes: Int
    /// Who decided each stage so far.
    public var deciders: [AccessStage: StaffID]

    public init(status: AccessRequestStatus, requester: StaffID, teamLeader: StaffID?, requestedMinutes: Int, deciders: [AccessStage: StaffID] = [:]) {
        self.status = status
        self.requester = requester
        self.teamLeader = teamLeader
        self.requestedMinutes = requestedMinutes
        self.deciders = deciders
    }
}

/// The CSUA150 chain: team leader countersigns (or returns), SCR manager approves, provisioning grants.
public enum AccessRequestChain {
    /// The longest temporary access anyone may ask for: seven days.
    public static let maximumMinutes = 7 * 24 * 60
    /// The most characters a decision's reason may have.
    public static let reasonLimit = 1000

    /// What a decision does.
    public struct Outcome: Sendable, Equatable {
        public var stage: AccessStage
        public var newStatus: AccessRequestStatus
        /// Set when provisioning approves: how long the grant lasts.
        public var grantMinutes: Int?
    }

    /// Applies a decision, or explains why it cannot be made. Checks, in order: the request still waits for a
    /// decision (409); the actor acts in the stage's role, and for the first stage is the requester's own team
    /// leader (403); nobody decides their own request, nor two stages of one request (403); return is the team
    /// leader's; reject and return need a reason; a grant is never longer than requested (422).
    public static func decide(
        _ facts: AccessRequestFacts, _ decision: AccessDecision, by actor: StaffID, actingAs role: Role,
        reason: String?, durationMinutes: Int?
    ) -> Result<Outcome, any Error> {
        guard let stage = facts.status.stage else {
            return .failure(DomainError.conflict("This request is \(facts.status.rawValue): it takes no more decisions"))
        }
        // Someone entitled to a stage the request has already passed (its decider submitting again, or another
        // holder of that role) is refused by the request's state: 409. A role with no say at all: 403 below.
        if let passed = AccessStage.allCases.first(where: { $0.role == role }), passed.precedes(stage),
           passed != .teamLeader || facts.teamLeader == actor {
            let who = facts.deciders[passed] == actor ? "you decided it" : "it was decided"
            return .failure(DomainError.conflict("The \(passed.rawValue) stage of this request is already decided (\(who)): it now waits for \(stage.rawValue)"))
        }
        guard role == stage.role else {
            return .failure(DomainError.forbidden("This request is waiting for the \(stage.rawValue) stage: only a \(stage.role.displayName) may decide it"))
        }
        if stage == .teamLeader && facts.teamLeader != actor {
            return .failure(DomainError.forbidden("Only the requester's own team leader may countersign or return this request"))
        }
        if actor == facts.requester {
            return .failure(DomainError.forbidden("Nobody decides on their own request"))
        }
        if let earlier = facts.deciders.first(where: { $0.value == actor && $0.key != stage }) {
            return .failure(DomainError.forbidden("You decided the \(earlier.key.rawValue) stage of this request: one person never decides two stages"))
        }
        let why = reason?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        var failure = ValidationFailure()
        if !stage.decisions.contains(decision) {
            failure.add("decision", "Only the team leader returns a request; at this stage approve or reject it")
        }
        if decision != .approve && why.isEmpty {
            failure.add("reason", "Give the reason for \(decision == .reject ? "rejecting" : "returning") the request")
        }
        if why.count > reasonLimit { failure.add("reason", "Reason must be 1,000 characters or fewer") }
        if let minutes = durationMinutes {
            if stage != .provisioning || decision != .approve {
                failure.add("durationMinutes", "Only provisioning sets the duration, when approving")
            } else if minutes < 1 || minutes > facts.requestedMinutes {
                failure.add("durationMinutes", "Grant between 1 and \(facts.requestedMinutes) minutes: never longer than requested")
            }
        }
        if !failure.isEmpty { return .failure(failure) }
        switch (stage, decision) {
        case (.teamLeader, .approve): return .success(Outcome(stage: stage, newStatus: .awaitingScrManager))
        case (.scrManager, .approve): return .success(Outcome(stage: stage, newStatus: .awaitingProvisioning))
        case (.provisioning, .approve):
            return .success(Outcome(stage: stage, newStatus: .granted, grantMinutes: durationMinutes ?? facts.requestedMinutes))
        case (_, .reject): return .success(Outcome(stage: stage, newStatus: .rejected))
        case (_, .return): return .success(Outcome(stage: stage, newStatus: .returned))
        }
    }

    /// Whether this person, acting in this role, may decide the request now: `decide` refuses them neither as
    /// forbidden nor by the request's state (only what they would type could still be wrong). The page shows the
    /// decision form exactly when this holds.
    public static func mayDecide(_ facts: AccessRequestFacts, by actor: StaffID, actingAs role: Role?) -> Bool {
        guard let role else { return false }
        switch decide(facts, .approve, by: actor, actingAs: role, reason: nil, durationMinutes: nil) {
        case .success: return true
        case .failure(let error): return error is ValidationFailure
        }
    }

    /// The requester may withdraw their request until it is granted or otherwise finished.
    public static func withdrawal(_ facts: AccessRequestFacts, by actor: StaffID) -> DomainError? {
        if actor != facts.requester { return .forbidden("Only the person who asked may withdraw a request") }
        if facts.status.isFinal { return .conflict("This request is \(facts.status.rawValue): it can no longer be withdrawn") }
        return nil
    }
}

/// A grant's state at an instant: it reads as expired the moment its time is up, without waiting for any job.
public enum GrantState: String, Sendable, Codable, CaseIterable {
    case active
    case expired
    case removed

    public static func at(_ instant: Date, grantedAt: Date, expiresAt: Date, removedAt: Date?) -> GrantState {
        if let removedAt, removedAt <= instant { return .removed }
        return grantedAt <= instant && instant < expiresAt ? .active : .expired
    }
}
