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
    /// Each table's CSV, and the parts it downloads in (`TablePart`).
    let downloads: [MonitoringDownloadDTO]
}

/// A monitoring table's CSV: every row of it, in `parts` of at most `partRows` rows each (one part when it has no
/// more rows than that).
struct MonitoringDownloadDTO: Content {
    let table: MonitoringTable
    let rows: Int
    let partRows: Int
    let parts: [CSVPartDTO]
}

/// One part of a table's CSV (`TablePart`), and where to download it.
struct CSVPartDTO: Content {
    let part: Int
    /// The key of the row this part starts after, in the table's order (a grant's or a decision's id, a team's
    /// name); absent for the first part.
    let after: String?
    /// The key of this part's last row; absent for the last part.
    let through: String?
    let href: String
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
        partRows = request.casework.settings.csvPartRows
    }

    /// Rows of each table on the page and in the JSON; the CSVs have them all.
    static let shown = 50
    /// Rows a part of a CSV holds at most (`Settings.csvPartRows`).
    var partRows = Settings.defaultCSVPartRows
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
        let counts = MonitoringCountsDTO(
            activeGrants: try await queries.liveGrantCount(endingBefore: nil), endingToday: try await queries.liveGrantCount(endingBefore: endOfToday),
            overdueLogOffs: try await queries.overdueLogOffCount(), refusals: try await queries.decisionCount(refusalsOnly: true),
            decisions: try await queries.decisionCount(refusalsOnly: false), teams: teams.count)
        var downloads: [MonitoringDownloadDTO] = []
        for table in MonitoringTable.allCases {
            let rows = table.rows(in: counts)
            // Where the parts end is read only for a table that has more than one.
            let ends = rows <= partRows ? [] : table == .teams ? Self.teamPartEnds(teams, every: partRows)
                : try await queries.partEnds(table, every: partRows, endOfToday: endOfToday)
            downloads.append(download(table, rows: rows, parts: TablePart.parts(endingAt: ends), period: period))
        }
        let summary = MonitoringDTO(
            at: CaseworkTime.iso8601(now), from: period.from, to: period.to,
            counts: counts,
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
            overdueLogOffsByTeam: try await queries.overdueLogOffsByTeam(limit: Self.chartedTeams),
            downloads: downloads)
        return MonitoringSnapshots.Counted(summary: summary, teams: teams)
    }

    /// Where each part of the teams' table but the last ends: every `rows`-th team's name (they are in name order).
    static func teamPartEnds(_ teams: [TeamFiguresDTO], every rows: Int) -> [String] {
        stride(from: rows - 1, to: teams.count - 1, by: rows).map { teams[$0].team }
    }

    private func download(_ table: MonitoringTable, rows: Int, parts: [TablePart], period: DayPeriod) -> MonitoringDownloadDTO {
        MonitoringDownloadDTO(table: table, rows: rows, partRows: partRows, parts: parts.map {
            CSVPartDTO(part: $0.number, after: $0.after, through: $0.through, href: $0.href(table, period: period, of: parts.count))
        })
    }

    static func decisionDTO(_ d: StoredDecision) -> DecisionDTO {
        DecisionDTO(reference: d.reference, team: d.team, stage: d.stage, decision: d.decision, at: CaseworkTime.iso8601(d.at),
                    minutesToDecide: Int((d.waitedSeconds / 60).rounded()), reason: d.reason)
    }

    /// A part of a table's CSV as downloaded: its bytes, its file's name, and the link to the next part (nil after the
    /// last, and for a part that is not one of the figures' own).
    struct CSVDownload {
        let body: Response.Body
        let filename: String
        let next: String?
    }

    /// A part of a table as CSV (`TablePart`; a table of at most `partRows` rows is one part). Written a page at a time
    /// as it is read, so that its size never sits in memory; but a part of a snapshot's (`MonitoringSnapshots`) is
    /// written once and the same bytes sent to every SCR manager who downloads it while the snapshot is answered
    /// (`DrawnFigures.csv`). At national volume each download of the overdue log-offs (1,000 rows) read them again
    /// for 17 ms of CPU, and sixteen managers at once waited 260 ms. Such a part is as fresh as the page's figures:
    /// read at most `staleFor` after they were counted (the teams' figures are the snapshot's own).
    func csv(_ table: MonitoringTable, period: DayPeriod, asked: AskedPart) async throws -> CSVDownload {
        let figures = try await figures { period }
        let parts = figures.summary.downloads.first { $0.table == table }?.parts.map(TablePart.init) ?? [TablePart(number: 1, after: nil, through: nil)]
        let part = try asked.resolved(among: parts, table: table)
        let own = parts.contains(part)
        if !own { try await checkEnds(of: part, in: table, period: period) }
        let write = tableWriter(table, figures: figures, period: period, part: part)
        let body: Response.Body
        if let drawing = figures.drawing, own {
            body = Response.Body(buffer: try await drawing.csv(table, part: part.number) {
                var whole = ByteBuffer()
                try await write { page in whole.writeImmutableBuffer(page) }
                return whole
            })
        } else {
            body = Response.Body(managedAsyncStream: { writer in try await write { try await writer.write(.buffer($0)) } })
        }
        let next = own && part.number < parts.count ? parts[part.number].href(table, period: period, of: parts.count) : nil
        return CSVDownload(body: body, filename: part.filename(table, period: period, of: parts.count), next: next)
    }

    /// A part's ends, when they are not the figures' own: a grant's or a decision's id that names one. (Any name ends a
    /// part of the teams.)
    private func checkEnds(of part: TablePart, in table: MonitoringTable, period: DayPeriod) async throws {
        let queries = MonitoringQueries(db: db, now: context.now, period: period, readers: context.readers)
        for (name, key) in [("after", part.after), ("through", part.through)] {
            guard let key, table != .teams else { continue }
            let what = table == .decisions ? "decision" : "grant"
            guard let id = UUID(uuidString: key) else {
                throw ValidationFailure([name: "\(name) must be a \(what)'s id, as the monitoring page's links give it, not \(key)"])
            }
            let found = table == .decisions ? try await queries.decisionCursor(id) != nil : try await queries.grantCursor(id) != nil
            guard found else {
                throw DomainError.notFound("There is no \(what) \(key): download the parts from the monitoring page again")
            }
        }
    }

    /// Writes `table` as CSV, header first, a page of lines at a time, to the function it is given.
    typealias TableWriter = @Sendable (_ send: (ByteBuffer) async throws -> Void) async throws -> Void

    private func tableWriter(_ table: MonitoringTable, figures: MonitoringSnapshots.Figures, period: DayPeriod, part: TablePart) -> TableWriter {
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
        // Keys that are not ids were refused by `checkEnds` (or are the figures' own).
        let first = part.after.flatMap(UUID.init(uuidString:)), through = part.through.flatMap(UUID.init(uuidString:))
        func grants(_ read: @escaping @Sendable (UUID?) async throws -> [MonitoredGrantDTO]) -> TableWriter {
            { send in
                try await send(Self.csvHeader(grantHeader))
                var after = first
                while true {
                    let rows = try await read(after)
                    try await send(Self.csvLines(rows, grantLine))
                    guard rows.count == page, let last = rows.last else { break }
                    after = UUID(uuidString: last.grantId)
                }
            }
        }
        switch table {
        case .activeGrants: return grants { try await queries.liveGrants(endingBefore: nil, limit: page, after: $0, through: through) }
        case .endingToday: return grants { try await queries.liveGrants(endingBefore: endOfToday, limit: page, after: $0, through: through) }
        case .overdueLogOffs: return grants { try await queries.overdueLogOffs(limit: page, after: $0, through: through) }
        case .decisions:
            return { send in
                try await send(Self.csvHeader(["Reference", "Team", "Stage", "Decision", "At", "Minutes to decide", "Reason"]))
                var after = first
                while true {
                    let rows = try await queries.decisions(refusalsOnly: false, limit: page, after: after, through: through)
                    try await send(Self.csvLines(rows.map(Self.decisionDTO), decisionLine))
                    guard rows.count == page, let last = rows.last else { break }
                    after = last.id
                }
            }
        case .teams:
            // One row a team (5,000 at national volume, 175 kB), from the same count as the page's figures, in name order.
            let teams = figures.teams.filter { team in
                part.after.map { team.team > $0 } ?? true && part.through.map { team.team <= $0 } ?? true
            }
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

/// One part of a monitoring table's CSV: the rows after the row keyed `after` (nil: from the table's start) through
/// the row keyed `through` (nil: to its end), in the table's order. A table of more rows than `Monitoring.partRows`
/// downloads in parts, so that no download is much over a megabyte: at national volume the live grants were 13.6 MB
/// in one file and a month's decisions 26.8 MB, where 5,000 rows are 400–700 kB. A part is named by its ends, not by
/// its number alone, so parts downloaded minutes apart still join up: none holds a row another holds, and a row in
/// none of them is one that left the table meanwhile (a live grant that ended).
struct TablePart: Sendable, Equatable {
    let number: Int
    let after: String?
    let through: String?

    init(number: Int, after: String?, through: String?) {
        self.number = number
        self.after = after
        self.through = through
    }

    init(_ dto: CSVPartDTO) {
        self.init(number: dto.part, after: dto.after, through: dto.through)
    }

    /// The parts of a table whose parts but the last end at `ends`, in order.
    static func parts(endingAt ends: [String]) -> [TablePart] {
        (0...ends.count).map { i in TablePart(number: i + 1, after: i == 0 ? nil : ends[i - 1], through: i < ends.count ? ends[i] : nil) }
    }

    /// The link that downloads this part, one of `count`: the whole table's link when it is the only one.
    func href(_ table: MonitoringTable, period: DayPeriod, of count: Int) -> String {
        var href = "/monitoring/\(table.rawValue).csv?from=\(period.from)&to=\(period.to)"
        guard count > 1 else { return href }
        href += "&part=\(number)"
        if let after { href += "&after=" + Self.escaped(after) }
        if let through { href += "&through=" + Self.escaped(through) }
        return href
    }

    func filename(_ table: MonitoringTable, period: DayPeriod, of count: Int) -> String {
        "\(table.rawValue)-\(period.from)-to-\(period.to)" + (count > 1 ? "-part-\(number)-of-\(count)" : "") + ".csv"
    }

    /// A key as a query's value: a team's name may hold any character.
    private static func escaped(_ key: String) -> String {
        key.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? key
    }
}

/// The part of a CSV a download asks for, by its query's `part`, `after` and `through` as the page's links give them.
/// With none of them, the first part; with a number alone, that part of the figures as now counted.
struct AskedPart: Sendable {
    var number: Int?
    var after: String?
    var through: String?

    init(_ req: Request) throws {
        if let typed = try? req.query.get(String.self, at: "part") {
            guard let number = Int(typed), number >= 1 else {
                throw ValidationFailure(["part": "part must be a whole number from 1, as the monitoring page's links give it, not \(typed)"])
            }
            self.number = number
        }
        after = try? req.query.get(String.self, at: "after")
        through = try? req.query.get(String.self, at: "through")
    }

    /// The part asked for, of a table now in `parts`.
    func resolved(among parts: [TablePart], table: MonitoringTable) throws -> TablePart {
        guard after == nil && through == nil else { return TablePart(number: number ?? 1, after: after, through: through) }
        let number = number ?? 1
        guard number <= parts.count else {
            throw DomainError.notFound("\(table.rawValue).csv is \(parts.count == 1 ? "one part" : "\(parts.count) parts") for this period: "
                                       + "choose part 1\(parts.count == 1 ? "" : " to \(parts.count)")")
        }
        return parts[number - 1]
    }
}

/// The tables monitoring offers as CSV, by their file's name.
enum MonitoringTable: String, CaseIterable, Codable, Sendable {
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
        let (notes, emails) = try await queries.notificationsAndEmails(aboutRequest: id)
        func event(_ e: StoredAuditEvent) -> EvidenceEventDTO {
            EvidenceEventDTO(at: e.at, actorStaffId: e.actorStaffId, action: e.action, outcome: e.outcome, detail: e.detail)
        }
        // The holder's reads of sensitive contacts from submission until an hour after the grant ended (or the request
        // closed): the views the grant allowed, and the refusals either side of it.
        let closedAt = grant.map { AccessMonitoring.endedAt(expiresAt: $0.expiresAt, removedAt: $0.removedAt, now: context.now) ?? context.now } ?? record.updatedAt
        var subjects = [id.text]
        if let grant { subjects.append(grant.id.text) }
        let audited = try await queries.contactAccessAndEvents(by: record.requesterStaffId, from: record.createdAt, to: closedAt.addingTimeInterval(3600),
                                                              limit: 500, about: subjects)
        let access = audited.access.map(event)
        let trail = audited.events.map(event)
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
        object.write(CodingKeys.downloads, downloads)
    }
}

extension MonitoringDownloadDTO: JSONObjectWritable {
    func writeMembers(to object: inout JSONObjectWriter) {
        object.write(CodingKeys.table, table)
        object.write(CodingKeys.rows, rows)
        object.write(CodingKeys.partRows, partRows)
        object.write(CodingKeys.parts, parts)
    }
}

extension CSVPartDTO: ObjectWritable {
    func writeEachMember<Writer: ObjectMemberWriter>(to object: inout Writer) {
        object.write(CodingKeys.part, part)
        object.write(CodingKeys.after, after)
        object.write(CodingKeys.through, through)
        object.write(CodingKeys.href, href)
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
