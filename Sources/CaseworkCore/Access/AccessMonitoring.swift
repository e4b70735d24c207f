import Foundation

/// The figures SCR managers watch ("closely monitored"): how long each stage takes to decide, what each team
/// asks for and is refused, and which log-offs nobody has confirmed. Computed from requests' histories, so the
/// page, the JSON and the CSV agree by construction.
public enum AccessMonitoring {
    /// A team leader has a working day to confirm the log-off they witnessed.
    public static let logOffGrace: TimeInterval = 24 * 3600

    /// When a grant ended: removal or expiry, whichever came first; nil while it is live.
    public static func endedAt(expiresAt: Date, removedAt: Date?, now: Date) -> Date? {
        let end = min(expiresAt, removedAt ?? expiresAt)
        return end <= now ? end : nil
    }

    /// A log-off confirmation is overdue once a grant has been over for longer than the grace period.
    public static func logOffOverdue(expiresAt: Date, removedAt: Date?, confirmedAt: Date?, now: Date) -> Bool {
        guard confirmedAt == nil, let ended = endedAt(expiresAt: expiresAt, removedAt: removedAt, now: now) else { return false }
        return now.timeIntervalSince(ended) > logOffGrace
    }

    /// One step of a request's history, as recorded: "submitted", "teamLeader.approve", "scrManager.reject", "withdrawn".
    public struct Step: Sendable, Equatable {
        public let at: Date
        public let action: String
        public let reason: String?

        public init(at: Date, action: String, reason: String?) {
            self.at = at
            self.action = action
            self.reason = reason
        }
    }

    /// A request as monitoring sees it.
    public struct RequestRecord: Sendable, Equatable {
        public let reference: String
        public let team: String
        public let status: AccessRequestStatus
        public let steps: [Step]

        public init(reference: String, team: String, status: AccessRequestStatus, steps: [Step]) {
            self.reference = reference
            self.team = team
            self.status = status
            self.steps = steps.sorted { $0.at < $1.at }
        }
    }

    /// One decision with how long it waited: from the moment its stage was reached to the decision.
    public struct Decision: Sendable, Equatable {
        public let reference: String
        public let team: String
        public let stage: AccessStage
        public let decision: AccessDecision
        public let at: Date
        public let waitedSeconds: TimeInterval
        public let reason: String?
    }

    public static func decisions(_ request: RequestRecord) -> [Decision] {
        var stageReachedAt: Date?
        var found: [Decision] = []
        for step in request.steps {
            if step.action == "submitted" { stageReachedAt = step.at; continue }
            let parts = step.action.split(separator: ".")
            guard parts.count == 2, let stage = AccessStage(rawValue: String(parts[0])), let decision = AccessDecision(rawValue: String(parts[1])) else { continue }
            let reached = stageReachedAt ?? step.at
            found.append(Decision(reference: request.reference, team: request.team, stage: stage, decision: decision, at: step.at,
                                  waitedSeconds: max(0, step.at.timeIntervalSince(reached)), reason: step.reason))
            stageReachedAt = step.at
        }
        return found
    }

    /// Decisions at one stage and how long they took.
    public struct StageFigures: Sendable, Equatable {
        public let stage: AccessStage
        public let approved: Int
        public let rejected: Int
        public let returned: Int
        /// Nil when the stage has made no decision yet.
        public let medianMinutesToDecide: Int?
        public let longestMinutesToDecide: Int?

        public var decisions: Int { approved + rejected + returned }
    }

    public static func stageFigures(_ requests: [RequestRecord]) -> [StageFigures] {
        let all = requests.flatMap(decisions)
        return AccessStage.allCases.map { stage in
            let here = all.filter { $0.stage == stage }
            let waits = here.map(\.waitedSeconds).sorted()
            let median: TimeInterval? = waits.isEmpty ? nil
                : waits.count % 2 == 1 ? waits[waits.count / 2] : (waits[waits.count / 2 - 1] + waits[waits.count / 2]) / 2
            return StageFigures(stage: stage, approved: here.filter { $0.decision == .approve }.count,
                                rejected: here.filter { $0.decision == .reject }.count, returned: here.filter { $0.decision == .return }.count,
                                medianMinutesToDecide: median.map { Int(($0 / 60).rounded()) }, longestMinutesToDecide: waits.last.map { Int(($0 / 60).rounded()) })
        }
    }

    /// What one team asked for and how it went.
    public struct TeamFigures: Sendable, Equatable {
        public let team: String
        public let requests: Int
        public let inProgress: Int
        public let granted: Int
        public let rejected: Int
        public let returned: Int
        public let withdrawn: Int
    }

    public static func teamFigures(_ requests: [RequestRecord]) -> [TeamFigures] {
        Dictionary(grouping: requests, by: \.team).map { team, mine in
            func count(_ statuses: AccessRequestStatus...) -> Int { mine.filter { statuses.contains($0.status) }.count }
            return TeamFigures(team: team, requests: mine.count, inProgress: count(.awaitingTeamLeader, .awaitingScrManager, .awaitingProvisioning),
                               granted: count(.granted), rejected: count(.rejected), returned: count(.returned), withdrawn: count(.withdrawn))
        }.sorted { $0.team < $1.team }
    }

    /// Every rejection and return, newest first, with its reason.
    public static func refusals(_ requests: [RequestRecord]) -> [Decision] {
        requests.flatMap(decisions).filter { $0.decision != .approve }.sorted { $0.at > $1.at }
    }
}
