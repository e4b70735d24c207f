import CaseworkCore
import Fluent
import FluentSQL
import Foundation
import SQLKit

/// The monitoring page's reads: counts and figures in SQL, tables a page at a time by keyset, all on indexes
/// (`grants_log_off_open`, `access_decisions_*`, `access_requests_created`). What counts as live or overdue is
/// `GrantState` and `AccessMonitoring.logOffOverdue`; the conditions here select the same rows, and the rows listed
/// are checked again against those rules.
struct MonitoringQueries {
    let db: any Database
    let now: Date
    let period: DayPeriod
    /// Set for reads outside the write lane: a table's pages are then read on SQLite's readers (see `PointReads.many`).
    var readers: SQLiteReaders? = nil

    var sql: any SQLDatabase { db as! any SQLDatabase }
    private var point: PointReads { PointReads(db: db, readers: readers) }

    // MARK: Grants

    /// Live: not removed, started, not yet expired (so its log-off is not yet confirmed).
    private var live: SQLQueryString { Self.live(at: now) }

    /// Live grants `g` at an instant, on the `grants_log_off_open` index (also counted for /metrics).
    static func live(at now: Date) -> SQLQueryString {
        "g.log_off_confirmed_at IS NULL AND g.expires_at > \(bind: now) AND g.removed_at IS NULL AND g.granted_at <= \(bind: now)"
    }

    /// Ended more than the grace period ago, by expiry or removal, and not confirmed.
    private var overdue: SQLQueryString {
        "g.log_off_confirmed_at IS NULL AND (g.expires_at < \(bind: overdueCutoff) OR g.removed_at < \(bind: overdueCutoff))"
    }

    /// Grants that ended before this and are not confirmed are overdue.
    private var overdueCutoff: Date { now.addingTimeInterval(-AccessMonitoring.logOffGrace) }

    /// Live grants soonest ending first, optionally only those ending before an instant, as the tables show them:
    /// after the grant `after`, and when `through` is given up to and including it (a part of a CSV, `TablePart`).
    func liveGrants(endingBefore: Date?, limit: Int, after: UUID?, through: UUID? = nil) async throws -> [MonitoredGrantDTO] {
        guard let (cursor, last) = try await grantCursors(after: after, through: through) else { return [] }
        return try await grants(liveCondition(endingBefore: endingBefore), expiringAfter: now, limit: limit, after: cursor, through: last)
            .filter { $0.state(at: now) == .active && (endingBefore == nil || $0.expiresAt < endingBefore!) }.map(\.shown)
    }

    /// `live` apart from its expiry, which `grants` bounds together with the cursor.
    private func liveCondition(endingBefore: Date?) -> SQLQueryString {
        let condition: SQLQueryString = "g.log_off_confirmed_at IS NULL AND g.removed_at IS NULL AND g.granted_at <= \(bind: now)"
        return endingBefore.map { condition + " AND g.expires_at < \(bind: $0)" } ?? condition
    }

    func liveGrantCount(endingBefore: Date?) async throws -> Int {
        var condition = live
        if let endingBefore { condition = condition + " AND g.expires_at < \(bind: endingBefore)" }
        return try await count("SELECT COUNT(*) AS n FROM grants g WHERE " + condition)
    }

    /// Overdue log-offs soonest ended by expiry first, in two ranges that each stop where they end: those expired before
    /// the cutoff (on `grants_log_off_open`, up to the cutoff), then those removed before it and expiring after it (on
    /// `grants_log_off_open_removed`). Read as one condition with an OR, every page walked on through every live grant
    /// after the overdue ones, and the CSV's last page read all hundred thousand of them.
    func overdueLogOffs(limit: Int, after: UUID?, through: UUID? = nil) async throws -> [MonitoredGrantDTO] {
        let cutoff = overdueCutoff
        guard let (cursor, last) = try await grantCursors(after: after, through: through) else { return [] }
        var rows: [MonitoredRow] = []
        if cursor.map({ $0.expiresAt < cutoff }) ?? true {
            rows = try await grants("g.log_off_confirmed_at IS NULL AND g.expires_at < \(bind: cutoff)", limit: limit, after: cursor, through: last)
        }
        if rows.count < limit && last.map({ $0.expiresAt >= cutoff }) ?? true {
            // Every grant of the first range expires before every grant of this one, so the cursor only bounds this
            // range when it stands in it (and a part that ends in the first range has none of it).
            // SQLite would otherwise walk `grants_log_off_open` from the cutoff for the order, through every live grant.
            rows += try await grants("g.log_off_confirmed_at IS NULL AND g.removed_at < \(bind: cutoff) AND g.expires_at >= \(bind: cutoff)",
                                     onSQLiteIndex: "grants_log_off_open_removed", limit: limit - rows.count,
                                     after: cursor.flatMap { $0.expiresAt >= cutoff ? $0 : nil }, through: last)
        }
        return rows.filter {
            AccessMonitoring.logOffOverdue(expiresAt: $0.expiresAt, removedAt: $0.removedAt, confirmedAt: $0.logOffConfirmedAt, now: now)
        }.map(\.shown)
    }

    func overdueLogOffCount() async throws -> Int {
        try await count("SELECT COUNT(*) AS n FROM grants g WHERE " + overdue)
    }

    /// A grant as the tables show it, with the instants the rules above look at.
    struct MonitoredRow {
        let shown: MonitoredGrantDTO
        let grantedAt: Date
        let expiresAt: Date
        let removedAt: Date?
        let logOffConfirmedAt: Date?

        func state(at now: Date) -> GrantState {
            GrantState.at(now, grantedAt: grantedAt, expiresAt: expiresAt, removedAt: removedAt)
        }
    }

    /// Where a page of grants starts: after this grant, in the tables' order (expiry, then id).
    struct GrantCursor {
        let id: UUID
        let expiresAt: Date
    }

    /// The cursor naming grant `id`, or nil when there is no such grant.
    func grantCursor(_ id: UUID) async throws -> GrantCursor? {
        guard let row = try await point.first("SELECT expires_at FROM grants WHERE id = \(bind: id)") else { return nil }
        return GrantCursor(id: id, expiresAt: try cursorInstant(row, "expires_at"))
    }

    /// The cursors of a range of a grant table: after `after`, through `through`; nil when either names no grant
    /// (the range is then empty).
    private func grantCursors(after: UUID?, through: UUID?) async throws -> (GrantCursor?, GrantCursor?)? {
        var first: GrantCursor?, last: GrantCursor?
        if let after { guard let named = try await grantCursor(after) else { return nil }; first = named }
        if let through { guard let named = try await grantCursor(through) else { return nil }; last = named }
        return (first, last)
    }

    /// Grants matching `condition` (and, when given, expiring after `expiringAfter`), by expiry then id, after the
    /// cursor and through `last` (`grantRange`): each with its request's reference, team and team leader and its
    /// holder's name, in one statement (a CSV reads a hundred pages of these). `onSQLiteIndex` names the index SQLite
    /// must walk, where its planner would rather walk one in the order asked for and filter far more rows.
    private func grants(_ condition: SQLQueryString, expiringAfter: Date? = nil, onSQLiteIndex index: String? = nil, limit: Int,
                        after cursor: GrantCursor?, through last: GrantCursor? = nil) async throws -> [MonitoredRow] {
        let indexed: SQLQueryString = isSQLite && index != nil ? " INDEXED BY \(unsafeRaw: index!)" : ""
        var query: SQLQueryString = """
            SELECT g.id, g.request_id, g.staff_id, g.purpose, g.granted_at, g.expires_at, g.removed_at, g.log_off_confirmed_at,
                r.reference, r.requester_team, r.team_leader_staff_id, s.name AS holder_name, s.team AS holder_team
            FROM grants g
            """
        query = query + indexed + " LEFT JOIN access_requests r ON r.id = g.request_id LEFT JOIN staff s ON s.staff_id = g.staff_id WHERE "
            + Self.grantRange(condition, expiringAfter: expiringAfter, after: cursor, through: last) + Self.grantOrder + " LIMIT \(bind: limit)"
        let now = self.now
        return try await point.many(query).map { row in
            let grantedAt = try row.decode(column: "granted_at", as: Date.self)
            let expiresAt = try row.decode(column: "expires_at", as: Date.self)
            let removedAt = try row.decode(column: "removed_at", as: Date?.self)
            let purpose = try GrantPurpose.stored(try row.decode(column: "purpose", as: String.self))
            let shown = MonitoredGrantDTO(
                grantId: try row.decode(column: "id", as: UUID.self).text, requestId: try row.decode(column: "request_id", as: UUID.self).text,
                reference: try row.decode(column: "reference", as: String?.self) ?? "", staffId: try row.decode(column: "staff_id", as: String.self),
                name: try row.decode(column: "holder_name", as: String?.self) ?? "",
                team: try row.decode(column: "requester_team", as: String?.self) ?? row.decode(column: "holder_team", as: String?.self) ?? "",
                purpose: purpose.displayName, grantedAt: CaseworkTime.iso8601(grantedAt), expiresAt: CaseworkTime.iso8601(expiresAt),
                endedAt: AccessMonitoring.endedAt(expiresAt: expiresAt, removedAt: removedAt, now: now).map(CaseworkTime.iso8601),
                teamLeaderStaffId: try row.decode(column: "team_leader_staff_id", as: String?.self))
            return MonitoredRow(shown: shown, grantedAt: grantedAt, expiresAt: expiresAt, removedAt: removedAt,
                                logOffConfirmedAt: try row.decode(column: "log_off_confirmed_at", as: Date?.self))
        }
    }

    /// `condition` within a range of the tables' order (expiry, then id, `grantOrder`): after the cursor (or
    /// expiring after `expiringAfter`, whichever is later) and up to and including `last`.
    ///
    /// The cursor's expiry is read first and the page's scan starts there: given both "expires after now" and "after
    /// the cursor" as separate bounds, SQLite walked from now on every page, and a CSV of a hundred thousand live
    /// grants never finished.
    private static func grantRange(_ condition: SQLQueryString, expiringAfter: Date?, after cursor: GrantCursor?,
                                   through last: GrantCursor?) -> SQLQueryString {
        var range = condition
        if let cursor {
            if let expiringAfter, expiringAfter >= cursor.expiresAt {
                range = range + " AND g.expires_at > \(bind: expiringAfter)"
            } else {
                range = range + " AND g.expires_at >= \(bind: cursor.expiresAt) AND (g.expires_at > \(bind: cursor.expiresAt) OR g.id > \(bind: cursor.id))"
            }
        } else if let expiringAfter {
            range = range + " AND g.expires_at > \(bind: expiringAfter)"
        }
        if let last {
            range = range + " AND g.expires_at <= \(bind: last.expiresAt) AND (g.expires_at < \(bind: last.expiresAt) OR g.id <= \(bind: last.id))"
        }
        return range
    }

    /// The grant tables' order.
    private static let grantOrder: SQLQueryString = " ORDER BY g.expires_at, g.id"

    // MARK: Parts of the CSVs

    /// Where each part of `table` but the last ends: the key of every `rows`-th row, in the table's order (a
    /// `TablePart` runs after one through the next). Each is found by skipping `rows` entries of the table's index from
    /// the one before, reading no row's columns: at national volume the live grants (100,000) are twenty skips, the
    /// period's decisions (345,000) seventy. The teams are the snapshot's own (`Monitoring.teamPartEnds`).
    func partEnds(_ table: MonitoringTable, every rows: Int, endOfToday: Date) async throws -> [String] {
        switch table {
        case .activeGrants, .endingToday:
            let condition = liveCondition(endingBefore: table == .endingToday ? endOfToday : nil)
            return try await grantPartEnds(every: rows) { after in
                Self.grantRange(condition, expiringAfter: self.now, after: after, through: nil)
            }
        case .overdueLogOffs:
            // As one condition (an OR, not the two ranges the pages read): these are found once a count, and only
            // where more than a part's rows are overdue.
            return try await grantPartEnds(every: rows) { after in
                Self.grantRange(self.overdue, expiringAfter: nil, after: after, through: nil)
            }
        case .decisions:
            var ends: [String] = []
            var after: DecisionCursor?
            while let end = try await partEnd(point.all("SELECT d.id, d.request_created_at, d.at FROM access_decisions d WHERE "
                                                        + decisionRange(kind: nil, after: after, through: nil) + " LIMIT 2 OFFSET \(literal: rows - 1)")) {
                let cursor = try decisionCursor(row: end)
                ends.append(cursor.id.text)
                after = cursor
            }
            return ends
        case .teams:
            return []
        }
    }

    /// The first of the rows at a part's end, when another row follows it: a part ending at the table's last row
    /// is the last part, with no end of its own.
    private func partEnd(_ rows: [any SQLRow]) -> (any SQLRow)? {
        rows.count == 2 ? rows[0] : nil
    }

    private func grantPartEnds(every rows: Int, range: (GrantCursor?) -> SQLQueryString) async throws -> [String] {
        if !isSQLite {
            // PostgreSQL numbers the rows in one pass and one sort. Asked to skip 5,000 from a cursor, it took the
            // rows after it for a handful (a generic plan, the time bound a parameter), read every one and sorted
            // them for each skip: 50-80 ms each, 1.6 s of a national count (bench/scale.sh --postgres, statements
            // logged over 10 ms).
            return try await point.all("SELECT t.id FROM (SELECT g.id, row_number() OVER (" + Self.grantOrder + ") AS n, COUNT(*) OVER () AS total"
                                       + " FROM grants g WHERE " + range(nil) + ") t WHERE t.n % \(literal: rows) = 0 AND t.n < t.total ORDER BY t.n")
                .map { try $0.decode(column: "id", as: UUID.self).text }
        }
        var ends: [String] = []
        var after: GrantCursor?
        while let end = try await partEnd(point.all("SELECT g.id, g.expires_at FROM grants g WHERE " + range(after) + Self.grantOrder
                                                    + " LIMIT 2 OFFSET \(literal: rows - 1)")) {
            let cursor = GrantCursor(id: try end.decode(column: "id", as: UUID.self), expiresAt: try cursorInstant(end, "expires_at"))
            ends.append(cursor.id.text)
            after = cursor
        }
        return ends
    }

    // MARK: Decisions in the period

    private var inPeriod: SQLQueryString {
        "d.request_created_at >= \(bind: period.start) AND d.request_created_at < \(bind: period.end)"
    }

    /// Rejections and returns: most decisions are approvals, so each kind of refusal is read through its own index
    /// (`access_decisions_by_kind`) rather than by walking the period past the approvals.
    static let refusalKinds: [AccessDecision] = [.reject, .return]

    private func decisionCondition(kind: AccessDecision?) -> SQLQueryString {
        kind.map { "d.decision = \(bind: $0.rawValue) AND " + inPeriod } ?? inPeriod
    }

    func decisionCount(refusalsOnly: Bool) async throws -> Int {
        guard refusalsOnly else { return try await count("SELECT COUNT(*) AS n FROM access_decisions d WHERE " + inPeriod) }
        var total = 0
        for kind in Self.refusalKinds {
            total += try await count("SELECT COUNT(*) AS n FROM access_decisions d WHERE " + decisionCondition(kind: kind))
        }
        return total
    }

    /// The newest requests' decisions first, each request's newest decision first: the order of the period index,
    /// so a page reads its rows and stops, where "newest decision first" would sort every decision of the period.
    /// After the decision `after`, and when `through` is given up to and including it (a part of a CSV).
    func decisions(refusalsOnly: Bool, limit: Int, after: UUID?, through: UUID? = nil) async throws -> [StoredDecision] {
        var first: DecisionCursor?, last: DecisionCursor?
        if let after { guard let named = try await decisionCursor(after) else { return [] }; first = named }
        if let through { guard let named = try await decisionCursor(through) else { return [] }; last = named }
        guard refusalsOnly else { return try await decisions(kind: nil, limit: limit, after: first, through: last) }
        var found: [StoredDecision] = []
        for kind in Self.refusalKinds { found += try await decisions(kind: kind, limit: limit, after: first, through: last) }
        return Array(found.sorted { ($0.requestCreatedAt, $0.at, $0.id.text) > ($1.requestCreatedAt, $1.at, $1.id.text) }.prefix(limit))
    }

    /// Where a page of decisions starts or a part ends: a decision, by the values the period's order sorts on.
    struct DecisionCursor {
        let id: UUID
        let requestCreatedAt: Date
        let at: Date
    }

    /// The cursor naming decision `id`, or nil when there is no such decision.
    func decisionCursor(_ id: UUID) async throws -> DecisionCursor? {
        try await point.first("SELECT id, request_created_at, at FROM access_decisions WHERE id = \(bind: id)").map(decisionCursor(row:))
    }

    private func decisionCursor(row: any SQLRow) throws -> DecisionCursor {
        DecisionCursor(id: try row.decode(column: "id", as: UUID.self), requestCreatedAt: try cursorInstant(row, "request_created_at"),
                       at: try cursorInstant(row, "at"))
    }

    private func decisions(kind: AccessDecision?, limit: Int, after: DecisionCursor?, through: DecisionCursor?) async throws -> [StoredDecision] {
        try await point.many("SELECT \(unsafeRaw: StoredDecision.columns(of: "d")) FROM access_decisions d WHERE "
                             + decisionRange(kind: kind, after: after, through: through) + " LIMIT \(bind: limit)").map(StoredDecision.init(row:))
    }

    /// The period's decisions (of one kind, when given) after the cursor and up to and including `last`, ordered. As
    /// for grants, the cursor's values are read first and bound the scan on their own: beside the period's end as a
    /// second bound, SQLite walked the period from its end on every page.
    private func decisionRange(kind: AccessDecision?, after cursor: DecisionCursor?, through last: DecisionCursor?) -> SQLQueryString {
        var range: SQLQueryString = "d.request_created_at >= \(bind: period.start)"
        if let kind { range = range + " AND d.decision = \(bind: kind.rawValue)" }
        if let cursor, cursor.requestCreatedAt < period.end {
            let made = cursor.requestCreatedAt, at = cursor.at
            range = range + " AND d.request_created_at <= \(bind: made)"
                + " AND (d.request_created_at < \(bind: made) OR d.at < \(bind: at) OR (d.at = \(bind: at) AND d.id < \(bind: cursor.id)))"
        } else {
            range = range + " AND d.request_created_at < \(bind: period.end)"
        }
        if let last {
            let made = last.requestCreatedAt, at = last.at
            range = range + " AND d.request_created_at >= \(bind: made)"
                + " AND (d.request_created_at > \(bind: made) OR d.at > \(bind: at) OR (d.at = \(bind: at) AND d.id >= \(bind: last.id)))"
        }
        return range + " ORDER BY d.request_created_at DESC, d.at DESC, d.id DESC"
    }

    /// Each stage's decisions by kind, its longest wait and its median, counted by the database.
    func stageFigures() async throws -> [StageFiguresDTO] {
        struct Row: Decodable {
            let stage: AccessStage
            let decision: AccessDecision
            let n: Int
            let longest: Double?
        }
        let rows = try await sql.raw("SELECT d.stage AS stage, d.decision AS decision, COUNT(*) AS n, MAX(d.waited_seconds) AS longest FROM access_decisions d WHERE "
                                     + inPeriod + " GROUP BY d.stage, d.decision").all(decoding: Row.self)
        var figures: [StageFiguresDTO] = []
        for stage in AccessStage.allCases {
            let here = rows.filter { $0.stage == stage }
            let counts = Dictionary(here.map { ($0.decision, $0.n) }, uniquingKeysWith: +)
            let total = here.reduce(0) { $0 + $1.n }
            let middle = AccessMonitoring.middle(of: total)
            var middleWaits: [Double] = []
            if !middle.isEmpty {
                struct Wait: Decodable { let waited: Double }
                middleWaits = try await sql.raw("SELECT d.waited_seconds AS waited FROM access_decisions d WHERE d.stage = \(bind: stage.rawValue) AND "
                                                + inPeriod + " ORDER BY d.waited_seconds LIMIT \(bind: middle.count) OFFSET \(bind: middle.lowerBound)")
                    .all(decoding: Wait.self).map(\.waited)
            }
            let f = AccessMonitoring.stageFigures(stage, counts: counts, longest: here.compactMap(\.longest).max(), middleWaits: middleWaits)
            figures.append(StageFiguresDTO(stage: stage, decisions: f.decisions, approved: f.approved, rejected: f.rejected, returned: f.returned,
                                           medianMinutesToDecide: f.medianMinutesToDecide, longestMinutesToDecide: f.longestMinutesToDecide))
        }
        return figures
    }

    // MARK: Teams in the period

    private var requestsInPeriod: SQLQueryString {
        "r.created_at >= \(bind: period.start) AND r.created_at < \(bind: period.end)"
    }

    /// Every team with requests in the period, in name order, each with its requests by status: one pass over the
    /// period's requests (124,000 in the last 30 days at national volume, 120 ms of SQLite's time), from which the
    /// page's table, its count of teams and the teams CSV are all taken. Counting the page's first fifty teams on
    /// their own cost as much again, and so did counting the teams.
    func allTeamFigures() async throws -> [TeamFiguresDTO] {
        struct Row: Decodable {
            let team: String
            let status: AccessRequestStatus
            let n: Int
        }
        let rows = try await sql.raw("SELECT r.requester_team AS team, r.status AS status, COUNT(*) AS n FROM access_requests r WHERE "
                                     + requestsInPeriod + " GROUP BY r.requester_team, r.status").all(decoding: Row.self)
        return Dictionary(grouping: rows, by: \.team).map { team, statuses in
            let counts = Dictionary(statuses.map { ($0.status, $0.n) }, uniquingKeysWith: +)
            let f = AccessMonitoring.teamFigures(team, counts: counts)
            return TeamFiguresDTO(team: f.team, requests: f.requests, inProgress: f.inProgress, granted: f.granted, rejected: f.rejected,
                                  returned: f.returned, withdrawn: f.withdrawn)
        }.sorted { $0.team < $1.team }
    }

    // MARK: Charts

    /// Requests made in the period, counted by the hour they were made and where they stand now, on the
    /// `access_requests_created` index; `AccessMonitoring.requestsPerDay` folds the hours into UK days.
    func requestsByHour() async throws -> [AccessMonitoring.HourCount] {
        struct Row: Decodable {
            let hour: Int
            let status: AccessRequestStatus
            let n: Int
        }
        // SQLite keeps instants as seconds since 1970; PostgreSQL as timestamps.
        let hour: SQLQueryString = isSQLite ? "CAST(r.created_at / 3600 AS INTEGER)" : "CAST(FLOOR(EXTRACT(EPOCH FROM r.created_at) / 3600) AS BIGINT)"
        let rows = try await sql.raw("SELECT " + hour + " AS hour, r.status AS status, COUNT(*) AS n FROM access_requests r WHERE "
                                     + requestsInPeriod + " GROUP BY 1, r.status").all(decoding: Row.self)
        return rows.map { AccessMonitoring.HourCount(hourStart: Date(timeIntervalSince1970: Double($0.hour) * 3600), status: $0.status, n: $0.n) }
    }

    /// Live grants counted by the requester's team, most first (the `teams` most; the rest are summed by the caller).
    func liveGrantsByTeam(limit: Int) async throws -> [TeamCountDTO] {
        try await grantsByTeam(live, limit: limit)
    }

    /// Overdue log-off confirmations counted by the requester's team, most first.
    func overdueLogOffsByTeam(limit: Int) async throws -> [TeamCountDTO] {
        try await grantsByTeam(overdue, limit: limit)
    }

    private func grantsByTeam(_ condition: SQLQueryString, limit: Int) async throws -> [TeamCountDTO] {
        try await sql.raw("SELECT r.requester_team AS team, COUNT(*) AS n FROM grants g JOIN access_requests r ON r.id = g.request_id WHERE "
                          + condition + " GROUP BY r.requester_team ORDER BY n DESC, r.requester_team LIMIT \(bind: limit)")
            .all(decoding: TeamCountDTO.self)
    }

    private var isSQLite: Bool { sql.dialect.name == "sqlite" }

    /// An instant of a cursor's row, read to be bound back into the next page's statement. On SQLite, as the seconds
    /// stored: read as a `Date` they are rounded to the microsecond (as SQLiteNIO does), and a bound rounded down
    /// took its own row again (the decisions of one request, made in the same instant, were walked for ever) where
    /// one rounded up passed over rows of that instant. A `Date` made from the seconds binds back as exactly them.
    /// PostgreSQL keeps microseconds, which a `Date` holds.
    private func cursorInstant(_ row: any SQLRow, _ column: String) throws -> Date {
        isSQLite ? Date(timeIntervalSince1970: try row.decode(column: column, as: Double.self)) : try row.decode(column: column, as: Date.self)
    }

    private func count(_ query: SQLQueryString) async throws -> Int {
        struct Count: Decodable { let n: Int }
        return try await sql.raw(query).first(decoding: Count.self)?.n ?? 0
    }
}

/// What the evidence page gathers about one request beside the request itself: its grant and that grant's changes,
/// the notifications and emails it caused, and the audit events. Each is a bounded read on an index
/// (`HotQueryPlanTests`), so read in place when `readers` are given (see `PointReads`).
struct EvidenceQueries {
    let db: any Database
    var readers: SQLiteReaders? = nil

    private var point: PointReads { PointReads(db: db, readers: readers) }

    func grant(ofRequest id: UUID) async throws -> StoredGrant? {
        try await StoredGrant.rows(on: db, readers: readers, where: "request_id = \(bind: id)", limit: 1).first
    }

    /// A grant's extension and removal requests, oldest first.
    func changes(ofGrant id: UUID) async throws -> [GrantChangeRequestModel] {
        try await point.all("SELECT * FROM grant_change_requests WHERE grant_id = \(bind: id) ORDER BY created_at")
            .map { try $0.decode(fluentModel: GrantChangeRequestModel.self) }
    }

    /// The notifications and the emails a request caused, each oldest first, read in one statement (on PostgreSQL
    /// a round trip fewer of the evidence's nine). Both lists are found by the request's id in their own table's index;
    /// their rows share one shape: when, to whom, the kind or the email's status, the text or the subject, when it
    /// was read or sent, and the email's attempts.
    func notificationsAndEmails(aboutRequest id: UUID) async throws -> (notifications: [EvidenceNotificationDTO], emails: [EvidenceEmailDTO]) {
        let rows = try await point.all("""
            SELECT 0 AS list, at, staff_id AS who, kind AS what, text, read_at AS done_at, 0 AS attempts
              FROM notifications WHERE access_request_id = \(bind: id)
            UNION ALL
            SELECT 1 AS list, created_at, to_address, status, subject, sent_at, attempts
              FROM outbox_messages WHERE access_request_id = \(bind: id)
            ORDER BY list, at
            """)
        var found: (notifications: [EvidenceNotificationDTO], emails: [EvidenceEmailDTO]) = ([], [])
        for row in rows {
            let at = CaseworkTime.iso8601(try row.decode(column: "at", as: Date.self))
            let who = try row.decode(column: "who", as: String.self), what = try row.decode(column: "what", as: String.self)
            let text = try row.decode(column: "text", as: String.self)
            let done = try row.decode(column: "done_at", as: Date?.self).map(CaseworkTime.iso8601)
            if try row.decode(column: "list", as: Int.self) == 0 {
                found.notifications.append(EvidenceNotificationDTO(at: at, to: who, kind: try .stored(what), text: text, readAt: done))
            } else {
                found.emails.append(EvidenceEmailDTO(queuedAt: at, to: who, subject: text, status: try .stored(what),
                                                     attempts: try row.decode(column: "attempts", as: Int.self), sentAt: done))
            }
        }
        return found
    }

    // Both audit reads skip Fluent's model decoding (`StoredAuditEvent.init(row:)`): a holder's reads can be hundreds
    // of events.

    /// A person's audited reads and refusals of sensitive contacts between two instants, the first `limit` in order.
    /// Walked in the holder's index, which carries the type and time (migration 025), and each database is kept from
    /// choosing another:
    /// - SQLite is told not to choose the index of every event of the type (`+`): without statistics it rates the two
    ///   alike, and that one holds every contact event of everyone.
    /// - PostgreSQL is given the type and time as one row value, `(subject_type, at)` between `('contact', from)` and
    ///   `('contact', to)`, which only the holder's index (its last two columns) can test. Written as three
    ///   conditions, the time could also be looked up in the index of every event by time, and PostgreSQL chose that
    ///   one: `at` is text there, and it took a window of ten hours to hold about one event, so it read every event
    ///   of everyone in the window to keep the holder's (11,354 for one grant at national volume: 7.4 ms, against
    ///   0.1 ms in the holder's index).
    func contactAccess(by staffId: String, from: Date, to: Date, limit: Int) async throws -> [StoredAuditEvent] {
        try await AuditEventLists.read([contactAccessList(by: staffId, from: from, to: to, limit: limit)], on: point)[0]
    }

    private func contactAccessList(by staffId: String, from: Date, to: Date, limit: Int) -> AuditEventLists.List {
        let from = CaseworkTime.iso8601Millis(from), to = CaseworkTime.iso8601Millis(to)
        let window: SQLQueryString = (db as? any SQLDatabase)?.dialect.name == "sqlite"
            ? "+subject_type = 'contact' AND at >= \(bind: from) AND at <= \(bind: to)"
            : "(subject_type, at) >= ('contact', \(bind: from)) AND (subject_type, at) <= ('contact', \(bind: to))"
        return AuditEventLists.List(query: """
            SELECT * FROM audit_events WHERE actor_staff_id = \(bind: staffId) AND \(window) ORDER BY seq LIMIT \(literal: limit)
            """, inOrder: AuditEventLists.oldestFirst)
    }

    /// The holder's reads of sensitive contacts (`contactAccess`) and the events about the request and its grant
    /// (`auditEvents(about:)`), in one statement (`AuditEventLists`).
    func contactAccessAndEvents(by staffId: String, from: Date, to: Date, limit: Int, about subjectIds: [String]) async throws
        -> (access: [StoredAuditEvent], events: [StoredAuditEvent]) {
        let found = try await AuditEventLists.read([contactAccessList(by: staffId, from: from, to: to, limit: limit), eventsList(about: subjectIds)], on: point)
        return (found[0], found[1])
    }

    /// The audit events whose subject is one of these ids, in order.
    func auditEvents(about subjectIds: [String]) async throws -> [StoredAuditEvent] {
        try await AuditEventLists.read([eventsList(about: subjectIds)], on: point)[0]
    }

    private func eventsList(about subjectIds: [String]) -> AuditEventLists.List {
        AuditEventLists.List(query: "SELECT * FROM audit_events WHERE subject_id IN (\(binds: subjectIds)) ORDER BY seq", inOrder: AuditEventLists.oldestFirst)
    }
}
