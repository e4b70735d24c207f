import CaseworkCore
import Fluent
import SQLKit
import Vapor

/// A grant as monitoring lists it: who holds it, for which request, until when.
struct MonitoredGrantDTO: Content {
    let grantId: String
    let requestId: String
    let reference: String
    let staffId: String
    let name: String
    let team: String
    let purpose: String
    let grantedAt: String
    let expiresAt: String
    let endedAt: String?
    let teamLeaderStaffId: String?
}

struct StageFiguresDTO: Content {
    let stage: AccessStage
    let decisions: Int
    let approved: Int
    let rejected: Int
    let returned: Int
    let medianMinutesToDecide: Int?
    let longestMinutesToDecide: Int?
}

struct DecisionDTO: Content {
    let reference: String
    let team: String
    let stage: AccessStage
    let decision: AccessDecision
    let at: String
    let minutesToDecide: Int
    let reason: String?
}

struct TeamFiguresDTO: Content {
    let team: String
    let requests: Int
    let inProgress: Int
    let granted: Int
    let rejected: Int
    let returned: Int
    let withdrawn: Int
}

/// A number of grants in one team (the charts of live grants and overdue log-offs by team).
struct TeamCountDTO: Content {
    let team: String
    let n: Int
}

/// How many rows each of the monitoring page's tables has in all; the page and the JSON show the first
/// `Monitoring.shown` of each, and each CSV has every row.
struct MonitoringCountsDTO: Content {
    let activeGrants: Int
    let endingToday: Int
    let overdueLogOffs: Int
    let refusals: Int
    let decisions: Int
    let teams: Int
}

/// Everything on the monitoring page. Grants are as they stand now; decisions and teams cover the period.
struct MonitoringDTO: Content {
    let at: String
    let from: String
    let to: String
    let counts: MonitoringCountsDTO
    let activeGrants: [MonitoredGrantDTO]
    let endingToday: [MonitoredGrantDTO]
    let overdueLogOffs: [MonitoredGrantDTO]
    let stages: [StageFiguresDTO]
    let refusals: [DecisionDTO]
    let decisions: [DecisionDTO]
    let teams: [TeamFiguresDTO]
    /// Every day of the period: requests made that day, by where they stand now (`team` is absent; `day` names it).
    let requestsPerDay: [DayFiguresDTO]
    /// Live grants by team, most first: the `Monitoring.chartedTeams` largest.
    let liveGrantsByTeam: [TeamCountDTO]
    /// Overdue log-off confirmations by team, most first: the `Monitoring.chartedTeams` largest.
    let overdueLogOffsByTeam: [TeamCountDTO]
}

struct DayFiguresDTO: Content {
    let day: String
    let requests: Int
    let inProgress: Int
    let granted: Int
    let rejected: Int
    let returned: Int
    let withdrawn: Int
}

/// SCR managers' monitoring of temporary access, and the evidence for one request.
struct Monitoring: ContextService {
    let context: ServiceContext
    /// This server's counted figures (see `MonitoringSnapshots`); nil counts every time.
    var snapshots: MonitoringSnapshots?

    init(context: ServiceContext) {
        self.context = context
    }

    init(request: Request) {
        context = request.service
        snapshots = request.casework.monitoringSnapshots
    }

    /// Rows of each table on the page and in the JSON; the CSVs have them all.
    static let shown = 50
    /// Teams a chart shows by name; a national organisation has thousands, and a chart of them all reads as none.
    static let chartedTeams = 15

    /// The last 30 days, today included.
    static func defaultPeriod(_ now: Date) -> DayPeriod {
        DayPeriod.lastDays(30, now: now)
    }

    /// The period the query names with `from` and `to`, defaulting to the last 30 days.
    static func period(_ req: Request) throws -> DayPeriod {
        try period(from: try? req.query.get(String.self, at: "from"), to: try? req.query.get(String.self, at: "to"), now: req.now)
    }

    /// The period from `from` to `to` (`YYYY-MM-DD`, either blank), defaulting to the last 30 days.
    static func period(from: String?, to: String?, now: Date) throws -> DayPeriod {
        try DayPeriod.parse(from: from, to: to, now: now, defaultDaysBack: 29)
    }

    /// Records the decision just made at `stage`, with how long the stage waited (`AccessMonitoring.decisions`), in
    /// the same job. It is found by its stage, not as the last step: two decisions in the same second sort either way.
    static func recordDecision(_ record: AccessRequestModel, at stage: AccessStage, ctx: WriteContext) async throws {
        // The request's history so far: what is stored, and what this batch has queued and not yet inserted.
        let stored = try await AccessQueries(db: ctx.db).history(of: [record.id!])
        let queued = await ctx.queued(AccessRequestHistoryModel.self).filter { $0.requestId == record.id! }.map(StoredHistoryStep.init)
        let steps = (stored + queued).map { AccessMonitoring.Step(at: $0.at, action: $0.action, reason: $0.reason, by: $0.byStaffId) }
        let decisions = AccessMonitoring.decisions(AccessMonitoring.RequestRecord(reference: record.reference, team: record.requesterTeam,
                                                                                  status: record.status, steps: steps))
        guard let made = decisions.last(where: { $0.stage == stage }) else { return }
        await ctx.insertAtCommit(AccessDecisionModel(made, requestId: record.id!, requestCreatedAt: record.createdAt))
    }

    /// Counted and measured in the database, each table read only as far as the page shows it.
    /// `period` is read after the role check, so someone who may not see monitoring is told that (403), whatever
    /// period they typed.
    func summary(_ chosen: () throws -> DayPeriod) async throws -> MonitoringDTO {
        try await figures(chosen).summary
    }

    /// The summary, with where the page keeps its drawing of it when it is a snapshot (`DrawnFigures`).
    func figures(_ chosen: () throws -> DayPeriod) async throws -> MonitoringSnapshots.Figures {
        try context.requireRole(.scrManager)
        let period = try chosen()
        guard let snapshots else {
            let counted = try await count(period)
            return MonitoringSnapshots.Figures(summary: counted.summary, teams: counted.teams, drawing: nil)
        }
        let counting = self
        return try await snapshots.figures(period: "\(period.from)/\(period.to)", now: context.now) { try await counting.count(period) }
    }

    /// Everything on the page and every team's figures, counted now.
    func count(_ period: DayPeriod) async throws -> MonitoringSnapshots.Counted {
        let now = context.now
        let queries = MonitoringQueries(db: db, now: now, period: period, readers: context.readers)
        let endOfToday = CaseworkTime.endOfUKDay(now)
        let active = try await queries.liveGrants(endingBefore: nil, limit: Self.shown, after: nil)
        let endingToday = try await queries.liveGrants(endingBefore: endOfToday, limit: Self.shown, after: nil)
        let overdue = try await queries.overdueLogOffs(limit: Self.shown, after: nil)
        let teams = try await queries.allTeamFigures()
        let summary = MonitoringDTO(
            at: CaseworkTime.iso8601(now), from: period.from, to: period.to,
            counts: MonitoringCountsDTO(
                activeGrants: try await queries.liveGrantCount(endingBefore: nil), endingToday: try await queries.liveGrantCount(endingBefore: endOfToday),
                overdueLogOffs: try await queries.overdueLogOffCount(), refusals: try await queries.decisionCount(refusalsOnly: true),
                decisions: try await queries.decisionCount(refusalsOnly: false), teams: teams.count),
            activeGrants: active,
            endingToday: endingToday,
            overdueLogOffs: overdue,
            stages: try await queries.stageFigures(),
            refusals: try await queries.decisions(refusalsOnly: true, limit: Self.shown, after: nil).map(Self.decisionDTO),
            decisions: try await queries.decisions(refusalsOnly: false, limit: Self.shown, after: nil).map(Self.decisionDTO),
            teams: Array(teams.prefix(Self.shown)),
            requestsPerDay: AccessMonitoring.requestsPerDay(try await queries.requestsByHour(), period: period).map {
                DayFiguresDTO(day: $0.team, requests: $0.requests, inProgress: $0.inProgress, granted: $0.granted, rejected: $0.rejected,
                              returned: $0.returned, withdrawn: $0.withdrawn)
            },
            liveGrantsByTeam: try await queries.liveGrantsByTeam(limit: Self.chartedTeams),
            overdueLogOffsByTeam: try await queries.overdueLogOffsByTeam(limit: Self.chartedTeams))
        return MonitoringSnapshots.Counted(summary: summary, teams: teams)
    }

    static func decisionDTO(_ d: StoredDecision) -> DecisionDTO {
        DecisionDTO(reference: d.reference, team: d.team, stage: d.stage, decision: d.decision, at: CaseworkTime.iso8601(d.at),
                    minutesToDecide: Int((d.waitedSeconds / 60).rounded()), reason: d.reason)
    }

    /// A whole table as CSV. Written a page at a time as it is read, so that its size never sits in memory; but a
    /// table of a snapshot's (`MonitoringSnapshots`) with at most `DrawnFigures.csvRowsAtMost` rows is written once
    /// and the same bytes sent to every SCR manager who downloads it while the snapshot is answered. At national
    /// volume each download of the overdue log-offs (1,000 rows) read them again for 17 ms of CPU, and sixteen
    /// managers at once waited 260 ms. Such a table is as fresh as the page's figures: read at most `staleFor` after
    /// they were counted (the teams' figures are the snapshot's own).
    func csv(_ table: MonitoringTable, period: DayPeriod) async throws -> Response.Body {
        let figures = try await figures { period }
        let write = tableWriter(table, figures: figures, period: period)
        if let drawing = figures.drawing, table.rows(in: figures.summary.counts) <= DrawnFigures.csvRowsAtMost {
            return Response.Body(buffer: try await drawing.csv(table) {
                var whole = ByteBuffer()
                try await write { page in whole.writeImmutableBuffer(page) }
                return whole
            })
        }
        return Response.Body(managedAsyncStream: { writer in try await write { try await writer.write(.buffer($0)) } })
    }

    /// Writes `table` as CSV, header first, a page of lines at a time, to the function it is given.
    typealias TableWriter = @Sendable (_ send: (ByteBuffer) async throws -> Void) async throws -> Void

    private func tableWriter(_ table: MonitoringTable, figures: MonitoringSnapshots.Figures, period: DayPeriod) -> TableWriter {
        let queries = MonitoringQueries(db: db, now: context.now, period: period, readers: context.readers)
        let endOfToday = CaseworkTime.endOfUKDay(context.now)
        // Rows a page: each download holds one page at a time as rows, values and text (sixteen downloads of the live
        // grants at once peaked at 165 MB with pages of 250 and 175 MB with 1,000, mapped readers; see `many`).
        let page = 250
        let grantHeader = ["Reference", "Staff ID", "Name", "Team", "Purpose", "Granted at", "Expires at", "Ended at", "Team leader"]
        @Sendable func grantLine(_ g: MonitoredGrantDTO) -> [String] {
            [g.reference, g.staffId, g.name, g.team, g.purpose, g.grantedAt, g.expiresAt, g.endedAt ?? "", g.teamLeaderStaffId ?? ""]
        }
        @Sendable func decisionLine(_ d: DecisionDTO) -> [String] {
            [d.reference, d.team, d.stage.rawValue, d.decision.rawValue, d.at, String(d.minutesToDecide), d.reason ?? ""]
        }
        @Sendable func teamLine(_ t: TeamFiguresDTO) -> [String] {
            [t.team, String(t.requests), String(t.inProgress), String(t.granted), String(t.rejected), String(t.returned), String(t.withdrawn)]
        }
        func grants(_ read: @escaping @Sendable (UUID?) async throws -> [MonitoredGrantDTO]) -> TableWriter {
            { send in
                try await send(Self.csvHeader(grantHeader))
                var after: UUID?
                while true {
                    let rows = try await read(after)
                    try await send(Self.csvLines(rows, grantLine))
                    guard rows.count == page, let last = rows.last else { break }
                    after = UUID(uuidString: last.grantId)
                }
            }
        }
        switch table {
        case .activeGrants: return grants { try await queries.liveGrants(endingBefore: nil, limit: page, after: $0) }
        case .endingToday: return grants { try await queries.liveGrants(endingBefore: endOfToday, limit: page, after: $0) }
        case .overdueLogOffs: return grants { try await queries.overdueLogOffs(limit: page, after: $0) }
        case .decisions:
            return { send in
                try await send(Self.csvHeader(["Reference", "Team", "Stage", "Decision", "At", "Minutes to decide", "Reason"]))
                var after: UUID?
                while true {
                    let rows = try await queries.decisions(refusalsOnly: false, limit: page, after: after)
                    try await send(Self.csvLines(rows.map(Self.decisionDTO), decisionLine))
                    guard rows.count == page, let last = rows.last else { break }
                    after = last.id
                }
            }
        case .teams:
            // One row a team (5,000 at national volume, 175 kB), from the same count as the page's figures.
            let teams = figures.teams
            return { send in
                try await send(Self.csvHeader(["Team", "Requests", "In progress", "Granted", "Rejected", "Returned", "Withdrawn"]))
                for rows in teams.chunked(into: page) { try await send(Self.csvLines(rows, teamLine)) }
            }
        }
    }

    /// CSV lines written into one buffer, sent when it is a page's worth.
    private static func csvLines<Rows: Sequence>(_ rows: Rows, _ fields: (Rows.Element) -> [String]) -> ByteBuffer {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(rows.underestimatedCount * 128)
        for row in rows { CSVWriter.appendLine(fields(row), to: &bytes) }
        return ByteBuffer(bytes: bytes)
    }

    private static func csvHeader(_ fields: [String]) -> ByteBuffer { csvLines([fields]) { $0 } }
}

/// The tables monitoring offers as CSV, by their file's name.
enum MonitoringTable: String, CaseIterable, Sendable {
    case activeGrants = "active-grants"
    case endingToday = "ending-today"
    case overdueLogOffs = "overdue-log-offs"
    case decisions
    case teams

    /// The table's rows, as `counts` counts them.
    func rows(in counts: MonitoringCountsDTO) -> Int {
        switch self {
        case .activeGrants: counts.activeGrants
        case .endingToday: counts.endingToday
        case .overdueLogOffs: counts.overdueLogOffs
        case .decisions: counts.decisions
        case .teams: counts.teams
        }
    }
}

// MARK: Evidence

struct EvidenceEventDTO: Content {
    let at: String
    let actorStaffId: String?
    let action: String
    let outcome: String
    let detail: String
}

struct EvidenceNotificationDTO: Content {
    let at: String
    let to: String
    let kind: NotificationKind
    let text: String
    let readAt: String?
}

struct EvidenceEmailDTO: Content {
    let queuedAt: String
    let to: String
    let subject: String
    let status: OutboxStatus
    let attempts: Int
    let sentAt: String?
}

struct EvidenceGrantDTO: Content {
    let grant: GrantDTO
    let removedAt: String?
    let removedBy: String?
    let removalReason: String?
    let reminderSentAt: String?
    let endRecordedAt: String?
}

/// The whole story of one request: the form, each decision with who, when and why, the grant and every change to
/// it, its end and the log-off confirmation, the notifications and emails sent, the sensitive records its holder
/// opened or was refused, and the audit events that record all of it.
struct EvidenceDTO: Content {
    let request: AccessRequestDTO
    let grant: EvidenceGrantDTO?
    let changes: [GrantChangeDTO]
    let notifications: [EvidenceNotificationDTO]
    let emails: [EvidenceEmailDTO]
    let recordAccess: [EvidenceEventDTO]
    let auditEvents: [EvidenceEventDTO]
}

extension Monitoring {
    func evidence(_ id: UUID) async throws -> EvidenceDTO {
        try context.requireRole(AccessPolicy.evidenceRoles)
        let temporaryAccess = TemporaryAccess(context: context)
        let queries = EvidenceQueries(db: db, readers: context.readers)
        guard let record = try await AccessQueries(db: db, readers: context.readers).request(id) else {
            throw DomainError.notFound("There is no access request with id \(id.text)")
        }
        let grant = try await queries.grant(ofRequest: id)
        let requestDTO = try await temporaryAccess.dto(record, grant: grant?.id)
        let changes = try await grant.asyncMap { try await queries.changes(ofGrant: $0.id).map(GrantChangeDTO.init) } ?? []
        let notes = try await queries.notifications(aboutRequest: id).map {
            EvidenceNotificationDTO(at: CaseworkTime.iso8601($0.at), to: $0.staffId, kind: $0.kind, text: $0.text, readAt: $0.readAt.map(CaseworkTime.iso8601))
        }
        let emails = try await queries.emails(aboutRequest: id)
        func event(_ e: StoredAuditEvent) -> EvidenceEventDTO {
            EvidenceEventDTO(at: e.at, actorStaffId: e.actorStaffId, action: e.action, outcome: e.outcome, detail: e.detail)
        }
        // The holder's reads of sensitive contacts from submission until an hour after the grant ended (or the request
        // closed): the views the grant allowed, and the refusals either side of it.
        let closedAt = grant.map { AccessMonitoring.endedAt(expiresAt: $0.expiresAt, removedAt: $0.removedAt, now: context.now) ?? context.now } ?? record.updatedAt
        let access = try await queries.contactAccess(by: record.requesterStaffId, from: record.createdAt, to: closedAt.addingTimeInterval(3600), limit: 500)
            .map(event)
        var subjects = [id.text]
        if let grant { subjects.append(grant.id.text) }
        let trail = try await queries.auditEvents(about: subjects).map(event)
        return EvidenceDTO(
            request: requestDTO,
            grant: grant.map {
                EvidenceGrantDTO(grant: GrantDTO($0, now: context.now), removedAt: $0.removedAt.map(CaseworkTime.iso8601), removedBy: $0.removedBy,
                                 removalReason: $0.removalReason, reminderSentAt: $0.reminderSentAt.map(CaseworkTime.iso8601),
                                 endRecordedAt: $0.endProcessedAt.map(CaseworkTime.iso8601))
            },
            changes: changes, notifications: notes, emails: emails, recordAccess: access, auditEvents: trail)
    }
}

// The monitoring answer's rows write their own JSON and build their own Leaf data from one list of their members
// (`ObjectWritable`): the page and its API list up to fifty of each table, and encoding them was 29% of the
// page's time and most of the API's (bench/scale.sh with PROFILE=1).

extension MonitoringDTO: JSONObjectWritable {
    func writeMembers(to object: inout JSONObjectWriter) {
        object.write(CodingKeys.at, at)
        object.write(CodingKeys.from, from)
        object.write(CodingKeys.to, to)
        object.write(CodingKeys.counts, counts)
        object.write(CodingKeys.activeGrants, activeGrants)
        object.write(CodingKeys.endingToday, endingToday)
        object.write(CodingKeys.overdueLogOffs, overdueLogOffs)
        object.write(CodingKeys.stages, stages)
        object.write(CodingKeys.refusals, refusals)
        object.write(CodingKeys.decisions, decisions)
        object.write(CodingKeys.teams, teams)
        object.write(CodingKeys.requestsPerDay, requestsPerDay)
        object.write(CodingKeys.liveGrantsByTeam, liveGrantsByTeam)
        object.write(CodingKeys.overdueLogOffsByTeam, overdueLogOffsByTeam)
    }
}

extension MonitoringCountsDTO: JSONObjectWritable {
    func writeMembers(to object: inout JSONObjectWriter) {
        object.write(CodingKeys.activeGrants, activeGrants)
        object.write(CodingKeys.endingToday, endingToday)
        object.write(CodingKeys.overdueLogOffs, overdueLogOffs)
        object.write(CodingKeys.refusals, refusals)
        object.write(CodingKeys.decisions, decisions)
        object.write(CodingKeys.teams, teams)
    }
}

extension MonitoredGrantDTO: ObjectWritable {
    func writeEachMember<Writer: ObjectMemberWriter>(to object: inout Writer) {
        object.write(CodingKeys.grantId, grantId)
        object.write(CodingKeys.requestId, requestId)
        object.write(CodingKeys.reference, reference)
        object.write(CodingKeys.staffId, staffId)
        object.write(CodingKeys.name, name)
        object.write(CodingKeys.team, team)
        object.write(CodingKeys.purpose, purpose)
        object.write(CodingKeys.grantedAt, grantedAt)
        object.write(CodingKeys.expiresAt, expiresAt)
        object.write(CodingKeys.endedAt, endedAt)
        object.write(CodingKeys.teamLeaderStaffId, teamLeaderStaffId)
    }
}

extension StageFiguresDTO: ObjectWritable {
    func writeEachMember<Writer: ObjectMemberWriter>(to object: inout Writer) {
        object.write(CodingKeys.stage, stage)
        object.write(CodingKeys.decisions, decisions)
        object.write(CodingKeys.approved, approved)
        object.write(CodingKeys.rejected, rejected)
        object.write(CodingKeys.returned, returned)
        object.write(CodingKeys.medianMinutesToDecide, medianMinutesToDecide)
        object.write(CodingKeys.longestMinutesToDecide, longestMinutesToDecide)
    }
}

extension DecisionDTO: ObjectWritable {
    func writeEachMember<Writer: ObjectMemberWriter>(to object: inout Writer) {
        object.write(CodingKeys.reference, reference)
        object.write(CodingKeys.team, team)
        object.write(CodingKeys.stage, stage)
        object.write(CodingKeys.decision, decision)
        object.write(CodingKeys.at, at)
        object.write(CodingKeys.minutesToDecide, minutesToDecide)
        object.write(CodingKeys.reason, reason)
    }
}

extension TeamFiguresDTO: ObjectWritable {
    func writeEachMember<Writer: ObjectMemberWriter>(to object: inout Writer) {
        object.write(CodingKeys.team, team)
        object.write(CodingKeys.requests, requests)
        object.write(CodingKeys.inProgress, inProgress)
        object.write(CodingKeys.granted, granted)
        object.write(CodingKeys.rejected, rejected)
        object.write(CodingKeys.returned, returned)
        object.write(CodingKeys.withdrawn, withdrawn)
    }
}

extension DayFiguresDTO: ObjectWritable {
    func writeEachMember<Writer: ObjectMemberWriter>(to object: inout Writer) {
        object.write(CodingKeys.day, day)
        object.write(CodingKeys.requests, requests)
        object.write(CodingKeys.inProgress, inProgress)
        object.write(CodingKeys.granted, granted)
        object.write(CodingKeys.rejected, rejected)
        object.write(CodingKeys.returned, returned)
        object.write(CodingKeys.withdrawn, withdrawn)
    }
}

extension TeamCountDTO: ObjectWritable {
    func writeEachMember<Writer: ObjectMemberWriter>(to object: inout Writer) {
        object.write(CodingKeys.team, team)
        object.write(CodingKeys.n, n)
    }
}
