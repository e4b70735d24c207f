import CaseworkCore
import Fluent
import FluentSQL
import Foundation
import SQLKit

/// The reads the temporary access pages need, each on an index (see `IndexHotPaths`) and batched: a page of requests
/// costs the same handful of queries whatever its length. Keyset cursors name the last request of the page before.
struct AccessQueries {
    let db: any Database
    /// Set for reads outside the write lane: reads by key are then point reads (see `SQLiteReaders`).
    var readers: SQLiteReaders? = nil

    var sql: any SQLDatabase { db as! any SQLDatabase }

    /// Which requests a list shows.
    enum RequestFilter: Sendable, Hashable {
        /// Waiting at a stage that any holder of its role may decide (SCR managers, provisioning).
        case atStage(AccessRequestStatus)
        /// Waiting for this team leader's countersignature.
        case awaitingTeamLeader(String)
        /// Everything, for those who see every request; optionally one status.
        case all(AccessRequestStatus?)
        /// Those a person asked for or countersigns; optionally one status.
        case involving(String, AccessRequestStatus?)
        /// Those a person asked for; optionally one status.
        case requestedBy(String, AccessRequestStatus?)

        /// The same for everyone who may ask for it (the SCR managers' stage, provisioning's, or every request), so a
        /// server keeps its pages (`AccessListCache`).
        var isShared: Bool {
            switch self {
            case .atStage, .all: true
            case .awaitingTeamLeader, .involving, .requestedBy: false
            }
        }
    }

    /// The `accessRequests` change stamp: moved on by every change to what a list of requests shows, on any server
    /// (`StampAccessRequestChanges`).
    func changeStamp() async throws -> Int64 {
        try await point.changeStamp(.accessRequests)
    }

    private var point: PointReads { PointReads(db: db, readers: readers) }

    /// One request by id, read without Fluent's model decoding (which reads its twenty fields by reflection: with the
    /// request's save, over a quarter of the write lane's time in a CSUA150 chain; bench/chain.sh).
    func request(_ id: UUID) async throws -> AccessRequestModel? {
        try await requests(ids: [id]).first
    }

    /// A request's decision rows, one a stage decided.
    func decisionRows(of requestId: UUID) async throws -> [StoredDecision] {
        try await point.all("SELECT \(unsafeRaw: StoredDecision.columns(of: "d")) FROM access_decisions d WHERE d.request_id = \(bind: requestId)")
            .map(StoredDecision.init(row:))
    }

    /// The history of these requests, oldest step first.
    func history(of requestIds: [UUID]) async throws -> [StoredHistoryStep] {
        guard !requestIds.isEmpty else { return [] }
        return try await point.all("""
            SELECT request_id, at, by_staff_id, action, reason FROM access_request_history WHERE request_id IN (\(binds: requestIds)) ORDER BY at
            """).map(StoredHistoryStep.init(row:))
    }

    /// Moves a request to `status` (inside the write job that decided it).
    func setStatus(of requestId: UUID, to status: AccessRequestStatus, at now: Date) async throws {
        try await sql.raw("UPDATE access_requests SET status = \(bind: status.rawValue), updated_at = \(bind: now) WHERE id = \(bind: requestId)").run()
    }

    /// Who has decided each stage of a request so far, from its decision rows (one a stage decided).
    func deciders(of requestId: UUID) async throws -> [AccessStage: StaffID] {
        try Self.deciders(try await decisionRows(of: requestId))
    }

    static func deciders(_ rows: [StoredDecision]) throws -> [AccessStage: StaffID] {
        var found: [AccessStage: StaffID] = [:]
        for row in rows {
            if let by = row.byStaffId { found[row.stage] = try .stored(by) }
        }
        return found
    }

    /// One page of requests: waiting ones oldest first (a queue), the rest newest first.
    func requests(_ filter: RequestFilter, limit: Int, after: UUID?) async throws -> [StoredAccessRequest] {
        var (conditions, oldestFirst) = Self.conditions(filter)
        if let after {
            conditions.append(Keyset.after(after, table: "access_requests", alias: "r", column: "created_at", descending: !oldestFirst))
        }
        let direction: SQLQueryString = oldestFirst ? "ASC" : "DESC"
        let query: SQLQueryString = "SELECT r.* FROM access_requests r" + Self.whereClause(conditions)
            + " ORDER BY r.created_at \(direction), r.id \(direction) LIMIT \(bind: limit)"
        // A bounded page on an index (HotQueryPlanTests), so read in place like a point read.
        return try await point.all(query).map(StoredAccessRequest.init(row:))
    }

    /// How many requests a list holds in all, where its pages show fifty at a time: counted on the index its pages
    /// are read from (HotQueryPlanTests), reading no request.
    func count(_ filter: RequestFilter) async throws -> Int {
        let query: SQLQueryString = "SELECT COUNT(*) AS n FROM access_requests r" + Self.whereClause(Self.conditions(filter).conditions)
        return try await point.first(query)?.decode(column: "n", as: Int.self) ?? 0
    }

    private static func whereClause(_ conditions: [SQLQueryString]) -> SQLQueryString {
        var clause: SQLQueryString = ""
        for (index, condition) in conditions.enumerated() {
            clause = clause + (index == 0 ? " WHERE " : " AND ") + condition
        }
        return clause
    }

    /// What selects a list's requests, and whether it is a queue (waiting requests, oldest first).
    private static func conditions(_ filter: RequestFilter) -> (conditions: [SQLQueryString], oldestFirst: Bool) {
        var conditions: [SQLQueryString] = []
        let oldestFirst: Bool
        switch filter {
        case .atStage(let status):
            conditions.append("r.status = \(bind: status.rawValue)")
            oldestFirst = true
        case .awaitingTeamLeader(let staffId):
            conditions.append("r.team_leader_staff_id = \(bind: staffId)")
            conditions.append("r.status = \(bind: AccessRequestStatus.awaitingTeamLeader.rawValue)")
            oldestFirst = true
        case .all(let status):
            if let status { conditions.append("r.status = \(bind: status.rawValue)") }
            oldestFirst = false
        case .involving(let staffId, let status):
            conditions.append("(r.requester_staff_id = \(bind: staffId) OR r.team_leader_staff_id = \(bind: staffId))")
            if let status { conditions.append("r.status = \(bind: status.rawValue)") }
            oldestFirst = false
        case .requestedBy(let staffId, let status):
            conditions.append("r.requester_staff_id = \(bind: staffId)")
            if let status { conditions.append("r.status = \(bind: status.rawValue)") }
            oldestFirst = false
        }
        return (conditions, oldestFirst)
    }

    /// One page of a list and the id it ends at when there is more: `limit` requests, reading one more to tell.
    func page(_ filter: RequestFilter, limit: Int, after: UUID?) async throws -> (items: [StoredAccessRequest], next: String?) {
        let rows = try await requests(filter, limit: limit + 1, after: after)
        let page = Array(rows.prefix(limit))
        return (page, rows.count > limit ? page.last?.id.text : nil)
    }

    /// What a job that tells people about many requests at once names each by: its reference and team leader, by id.
    struct RequestLabel: Sendable {
        let reference: String
        let teamLeaderStaffId: String?
    }

    /// The labels of requests by id, three columns of each: the expiry and reminders read a thousand at a time, and
    /// the whole request (its form's twenty-odd columns, as a Fluent model) was a tenth of their work.
    func labels(ids: [UUID]) async throws -> [UUID: RequestLabel] {
        guard !ids.isEmpty else { return [:] }
        var labels: [UUID: RequestLabel] = [:]
        for row in try await point.all("SELECT id, reference, team_leader_staff_id FROM access_requests WHERE id IN (\(binds: ids))") {
            labels[try row.decode(column: "id", as: UUID.self)] = RequestLabel(
                reference: try row.decode(column: "reference", as: String.self),
                teamLeaderStaffId: try row.decode(column: "team_leader_staff_id", as: String?.self))
        }
        return labels
    }

    /// Requests by id, read by `AccessRequestModel.init(row:)`.
    func requests(ids: [UUID]) async throws -> [AccessRequestModel] {
        guard !ids.isEmpty else { return [] }
        return try await point.all("SELECT * FROM access_requests WHERE id IN (\(binds: ids))").map(AccessRequestModel.init(row:))
    }

    /// What a page of requests shows besides the requests themselves, read in three queries (people with their
    /// roles in one plain query).
    struct RequestDetails: Sendable {
        let staff: [String: StaffProfile]
        let history: [UUID: [StoredHistoryStep]]
        /// Each granted request's grant id.
        let grants: [UUID: UUID]
    }

    /// `known`: each request's grant id by request id, when the caller has read them (the grants are then not read).
    func details(of records: [StoredAccessRequest], grants known: [UUID: UUID]? = nil) async throws -> RequestDetails {
        guard !records.isEmpty else { return RequestDetails(staff: [:], history: [:], grants: [:]) }
        let ids = records.map(\.id)
        let people = Array(Set(records.flatMap { [$0.requesterStaffId] + ($0.teamLeaderStaffId.map { [$0] } ?? []) }))
        let staff = try await DirectoryQueries(db: db, readers: readers).profiles(people)
        let history = try await history(of: ids)
        var grants = known ?? [:]
        if known == nil {
            for row in try await point.all("SELECT id, request_id FROM grants WHERE request_id IN (\(binds: ids))") {
                grants[try row.decode(column: "request_id", as: UUID.self)] = try row.decode(column: "id", as: UUID.self)
            }
        }
        return RequestDetails(staff: staff, history: Dictionary(grouping: history, by: \.requestId), grants: grants)
    }

    // MARK: Grants

    /// Grants whose log-off a team leader has still to confirm (every live one of their team's is among them),
    /// soonest ending first, with each request's reference: through the leader's own granted requests.
    func unconfirmedGrants(countersignedBy leader: String) async throws -> [(grant: UnconfirmedGrant, reference: String)] {
        // One statement, the leader's granted requests the outer loop (their index) and each one's grant found by its
        // unique request id, the confirmed left out there: two statements before (on PostgreSQL a round trip each, and
        // the second bound some forty ids). SQLite is told the order (CROSS JOIN): given the unconfirmed condition
        // it walks every unconfirmed grant in the country instead (44 ms at national scale). PostgreSQL's estimates
        // (forty-odd requests a leader) choose that order themselves, and it has no CROSS JOIN ... ON. The requests
        // are read from the leader's index alone, and each grant from the unconfirmed grants' index
        // (`IndexTeamLeadersUnconfirmedGrants`), which SQLite is named: it prefers the unique one, and reads every
        // confirmed grant to pass it over. Only the five columns the home shows: read whole, the leader's forty-odd
        // grants were the page's dearest statement on PostgreSQL (130 us) and 5% of the server's time decoding them.
        let join: SQLQueryString = sql.dialect.name == "sqlite"
            ? "access_requests r CROSS JOIN grants g INDEXED BY grants_unconfirmed_by_request ON g.request_id = r.id"
            : "access_requests r JOIN grants g ON g.request_id = r.id"
        let rows = try await point.all("""
            SELECT \(unsafeRaw: UnconfirmedGrant.columns(of: "g")), r.reference AS request_reference FROM \(join)
            WHERE r.team_leader_staff_id = \(bind: leader) AND r.status = \(bind: AccessRequestStatus.granted.rawValue)
              AND g.log_off_confirmed_at IS NULL
            """)
        return try rows.map { (try UnconfirmedGrant(row: $0), try $0.decode(column: "request_reference", as: String.self)) }
            .sorted { $0.grant.expiresAt < $1.grant.expiresAt }
    }

    /// Extension and removal requests waiting for `leader`'s endorsement, oldest first: found from the leader's own
    /// granted requests (their index) through each one's grant, so the read is the size of one team's grants. (Every
    /// change waiting for any team leader in the country was read before, and the leader's kept in Swift.) Only a
    /// granted request has a grant, so no other status can lead to a change.
    func changesAwaitingEndorsement(by leader: String) async throws -> [GrantChangeRequestModel] {
        try await point.all("""
            SELECT c.* FROM access_requests r JOIN grants g ON g.request_id = r.id JOIN grant_change_requests c ON c.grant_id = g.id
            WHERE r.team_leader_staff_id = \(bind: leader) AND r.status = \(bind: AccessRequestStatus.granted.rawValue)
              AND c.status = \(bind: GrantChangeStatus.awaitingTeamLeader.rawValue)
            ORDER BY c.created_at, c.id
            """).map { try $0.decode(fluentModel: GrantChangeRequestModel.self) }
    }

    /// Extension and removal requests waiting at a stage anyone in its role decides (provisioning), oldest first:
    /// read in place like `changesAwaitingEndorsement`, on the status index, rather than through Fluent's pool.
    /// Ordered by the time alone, as Fluent's query was: two asked at one instant come in the index's order, the
    /// order they were made, where a tie broken by id would put them in a random one.
    func changesWaiting(at status: GrantChangeStatus) async throws -> [GrantChangeRequestModel] {
        try await point.all("""
            SELECT c.* FROM grant_change_requests c WHERE c.status = \(bind: status.rawValue) ORDER BY c.created_at
            """).map { try $0.decode(fluentModel: GrantChangeRequestModel.self) }
    }

    /// Candidates for "log-off overdue": unconfirmed grants that expired, or were removed, before `endedBefore`.
    /// `AccessMonitoring.logOffOverdue` still decides; this only keeps the read to those that might be.
    /// Two ranges that each end, in one statement (an SCR manager's home asks it, and on PostgreSQL each statement is
    /// a round trip): the first `limit` expired before the cutoff, walked by expiry, then the first `limit` removed
    /// before it, walked by removal (one condition with an OR walked every live grant after them).
    /// Read as `UnconfirmedGrant`s, the five columns the list shows: up to a hundred rows a home page, and decoding
    /// every column of each was 8% of an SCR manager's home on PostgreSQL.
    func unconfirmedGrants(endedBefore: Date, limit: Int) async throws -> [UnconfirmedGrant] {
        let columns = UnconfirmedGrant.columns
        let rows = try await point.all("""
            SELECT * FROM (SELECT \(unsafeRaw: columns) FROM grants WHERE log_off_confirmed_at IS NULL AND expires_at < \(bind: endedBefore)
                           ORDER BY expires_at LIMIT \(bind: limit)) expired
            UNION ALL
            SELECT * FROM (SELECT \(unsafeRaw: columns) FROM grants WHERE log_off_confirmed_at IS NULL AND removed_at < \(bind: endedBefore)
                           ORDER BY removed_at LIMIT \(bind: limit)) removed
            """)
        var seen = Set<UUID>()
        return try rows.map(UnconfirmedGrant.init(row:)).filter { seen.insert($0.id).inserted }
    }

    /// The live grants a person holds and the contacts each covers: the contact it names, and those its SR involves
    /// (linked to the SR, or parties to its case). Every view of a sensitive contact by someone without SCR rights
    /// asks this, so it is one statement on the indexes (grants by holder, links by SR, participants by case), read
    /// as a point read outside the write lane.
    func coverage(for staffId: StaffID, at now: Date) async throws -> [GrantCoverage] {
        let rows = try await PointReads(db: db, readers: readers).all(Self.coverageStatement(
            live: "g.staff_id = \(bind: staffId.value) AND g.expires_at > \(bind: now) AND g.removed_at IS NULL"))
        return try Self.coverages(rows, at: now)
    }

    /// `coverage(for:at:)` for many holders in one statement, by holder (those with no live grant are absent). The
    /// expiry job asks this once for every holder in a batch whose sensitive work it must recheck.
    func coverage(for staffIds: [StaffID], at now: Date) async throws -> [StaffID: [GrantCoverage]] {
        guard !staffIds.isEmpty else { return [:] }
        let rows = try await sql.rowsReadByType(Self.coverageStatement(
            live: "g.staff_id IN (\(binds: staffIds.map(\.value))) AND g.expires_at > \(bind: now) AND g.removed_at IS NULL"))
        return Dictionary(grouping: try Self.coverages(rows, at: now), by: \.holder)
    }

    /// The grants `live` selects, a row for each contact each covers (the one it names, those linked to its SR, and
    /// the parties to its SR's case).
    private static func coverageStatement(live: SQLQueryString) -> SQLQueryString {
        let grant: SQLQueryString = "g.id, g.staff_id, g.purpose, g.granted_at, g.expires_at, g.removed_at"
        return """
            SELECT \(grant), g.contact_id AS covered FROM grants g WHERE \(live)
            UNION ALL
            SELECT \(grant), l.contact_id AS covered FROM grants g
                JOIN service_request_contacts l ON l.service_request_id = g.service_request_id WHERE \(live)
            UNION ALL
            SELECT \(grant), p.contact_id AS covered FROM grants g
                JOIN service_requests s ON s.id = g.service_request_id
                JOIN case_participants p ON p.case_id = s.case_id WHERE \(live)
            """
    }

    /// The active grants among `coverageStatement`'s rows, in the order first read, each with every contact it covers.
    private static func coverages(_ rows: [any SQLRow], at now: Date) throws -> [GrantCoverage] {
        var order: [UUID] = []
        var found: [UUID: GrantCoverage] = [:]
        for row in rows {
            let id = try row.decode(column: "id", as: UUID.self)
            if found[id] == nil {
                let grantedAt = try row.decode(column: "granted_at", as: Date.self), expiresAt = try row.decode(column: "expires_at", as: Date.self)
                let state = GrantState.at(now, grantedAt: grantedAt, expiresAt: expiresAt, removedAt: try row.decode(column: "removed_at", as: Date?.self))
                guard state == .active, let holder = StaffID(try row.decode(column: "staff_id", as: String.self)) else { continue }
                order.append(id)
                found[id] = GrantCoverage(holder: holder, purpose: try .stored(try row.decode(column: "purpose", as: String.self)), contactIds: [],
                                          from: grantedAt, until: expiresAt)
            }
            if let covered = try row.decode(column: "covered", as: UUID?.self) { found[id]?.contactIds.insert(covered.text) }
        }
        return order.compactMap { found[$0] }
    }
}
