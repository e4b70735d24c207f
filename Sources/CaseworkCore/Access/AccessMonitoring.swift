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

    /// One step of a request's history, as recorded.
    public struct Step: Sendable, Equatable {
        public let at: Date
        public let action: AccessHistoryAction
        public let reason: String?
        /// Who took the step (nil where a caller does not need it).
        public let by: String?

        public init(at: Date, action: AccessHistoryAction, reason: String?, by: String? = nil) {
            self.at = at
            self.action = action
            self.reason = reason
            self.by = by
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
        /// The staff ID of who decided.
        public let by: String?
    }

    public static func decisions(_ request: RequestRecord) -> [Decision] {
        var stageReachedAt: Date?
        var found: [Decision] = []
        for step in request.steps {
            let stage: AccessStage, decision: AccessDecision
            switch step.action {
            case .submitted: stageReachedAt = step.at; continue
            case .withdrawn: continue
            case let .decided(decidedStage, made): (stage, decision) = (decidedStage, made)
            }
            let reached = stageReachedAt ?? step.at
            found.append(Decision(reference: request.reference, team: request.team, stage: stage, decision: decision, at: step.at,
                                  waitedSeconds: max(0, step.at.timeIntervalSince(reached)), reason: step.reason, by: step.by))
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
            return StageFigures(stage: stage, approved: here.filter { $0.decision == .approve }.count,
                                rejected: here.filter { $0.decision == .reject }.count, returned: here.filter { $0.decision == .return }.count,
                                medianMinutesToDecide: median(waits[middle(of: waits.count)]).map(minutes), longestMinutesToDecide: waits.last.map(minutes))
        }
    }

    /// The figures for one stage from what the database counted: decisions by kind, the longest wait, and the one or
    /// two waits in the middle (`middle(of:)` of the sorted waits).
    public static func stageFigures(_ stage: AccessStage, counts: [AccessDecision: Int], longest: TimeInterval?, middleWaits: [TimeInterval]) -> StageFigures {
        StageFigures(stage: stage, approved: counts[.approve] ?? 0, rejected: counts[.reject] ?? 0, returned: counts[.return] ?? 0,
                     medianMinutesToDecide: median(middleWaits).map(minutes), longestMinutesToDecide: longest.map(minutes))
    }

    /// Where the median sits among `count` sorted values: the middle one, or the middle two.
    public static func middle(of count: Int) -> Range<Int> {
        count == 0 ? 0..<0 : count % 2 == 1 ? (count / 2)..<(count / 2 + 1) : (count / 2 - 1)..<(count / 2 + 1)
    }

    /// The median from the middle values alone: the one, or the mean of the two.
    static func median<C: Collection>(_ middle: C) -> TimeInterval? where C.Element == TimeInterval {
        guard let first = middle.first else { return nil }
        return middle.count == 1 ? first : (first + middle.dropFirst().first!) / 2
    }

    static func minutes(_ seconds: TimeInterval) -> Int { Int((seconds / 60).rounded()) }

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
            teamFigures(team, counts: Dictionary(grouping: mine, by: \.status).mapValues(\.count))
        }.sorted { $0.team < $1.team }
    }

    /// One team's figures from how many of its requests stand at each status.
    public static func teamFigures(_ team: String, counts: [AccessRequestStatus: Int]) -> TeamFigures {
        func count(_ statuses: AccessRequestStatus...) -> Int { statuses.reduce(0) { $0 + (counts[$1] ?? 0) } }
        let waiting = counts.filter { !$0.key.isFinal }.values.reduce(0, +)
        return TeamFigures(team: team, requests: counts.values.reduce(0, +), inProgress: waiting,
                           granted: count(.granted), rejected: count(.rejected), returned: count(.returned), withdrawn: count(.withdrawn))
    }

    /// How many requests made in each hour stand at each status: the database counts by hour, as hours are the same
    /// everywhere, and the hours are folded into UK days here (a UK day starts at midnight GMT or BST, always on an hour).
    public struct HourCount: Sendable, Equatable {
        public let hourStart: Date
        public let status: AccessRequestStatus
        public let n: Int
        public init(hourStart: Date, status: AccessRequestStatus, n: Int) {
            self.hourStart = hourStart
            self.status = status
            self.n = n
        }
    }

    /// Requests made on each UK day of the period, by where they stand now; every day of the period appears, days
    /// without requests as zeros, oldest first. `team` in each figure holds the day, `YYYY-MM-DD`.
    public static func requestsPerDay(_ hours: [HourCount], period: DayPeriod) -> [TeamFigures] {
        var counts: [String: [AccessRequestStatus: Int]] = [:]
        for hour in hours {
            counts[CaseworkTime.ukDay(hour.hourStart), default: [:]][hour.status, default: 0] += hour.n
        }
        return period.ukDays.map { teamFigures($0, counts: counts[$0] ?? [:]) }
    }

    /// Every rejection and return, newest first, with its reason.
    public static func refusals(_ requests: [RequestRecord]) -> [Decision] {
        requests.flatMap(decisions).filter { $0.decision != .approve }.sorted { $0.at > $1.at }
    }
}
