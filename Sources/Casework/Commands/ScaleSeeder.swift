import CaseworkCore
import Fluent
import Foundation
import SQLKit
import Vapor

/// The shape of a national-scale organisation at a given factor (issue 9). At factor 1: 5,000 caseworker teams of
/// one team leader and nine caseworkers (50,000 staff) plus the SCR, provisioning, CFAT and administration teams;
/// 1,000,000 contacts (2% sensitive), 500,000 cases, 5,000,000 SRs (10% waiting in hoppers), 100,000 live grants
/// (one to three a holder, 10,000 of them ending at one instant), 200,000 past requests and 10,000,000 audit events.
///
/// Every row's id and name follows from its index, so a benchmark can name the records it reads without asking.
struct ScalePlan: Sendable {
    let factor: Double
    let now: Date

    var teams: Int { max(2, Int(5_000 * factor)) }
    var contacts: Int { max(100, Int(1_000_000 * factor)) / 2 * 2 }
    var cases: Int { contacts / 2 }
    var serviceRequests: Int { max(cases, Int(5_000_000 * factor)) }
    var liveGrants: Int { max(3, Int(100_000 * factor)) }
    var grantsEndingTogether: Int { max(1, liveGrants / 10) }
    var pastRequests: Int { max(20, Int(200_000 * factor)) }
    var auditEvents: Int { max(100, Int(10_000_000 * factor)) }
    var scrTeams: Int { max(1, Int(20 * factor)) }
    var provisioningTeams: Int { max(1, Int(5 * factor)) }
    var cfatTeams: Int { max(1, Int(5 * factor)) }

    /// The instant the 10,000 grants end together: half an hour after seeding, whole seconds; every other live
    /// grant ends an hour or more after seeding, so moving the clock to this instant ends exactly those.
    var endingTogetherAt: Date { CaseworkTime.wholeSecond(now.addingTimeInterval(30 * 60)) }

    // MARK: Ids

    /// Kinds of row, each with its own id space.
    enum Kind: UInt8 {
        case contact = 1, caseRecord, participant, serviceRequest, liveRequest, liveGrant, pastRequest, pastGrant,
             notification, staffRole, history, audit, decision
    }

    /// `5CA1E000-KK00-4000-8000-IIIIIIIIIIII`: a valid version-4 layout, recognisable, and derived from the index.
    static func id(_ kind: Kind, _ index: Int) -> UUID {
        let i = UInt64(index)
        return UUID(uuid: (0x5C, 0xA1, 0xE0, 0x00, kind.rawValue, 0x00, 0x40, 0x00, 0x80, 0x00,
                           UInt8((i >> 40) & 0xFF), UInt8((i >> 32) & 0xFF), UInt8((i >> 24) & 0xFF),
                           UInt8((i >> 16) & 0xFF), UInt8((i >> 8) & 0xFF), UInt8(i & 0xFF)))
    }

    // MARK: Staff

    /// A caseworker team's member: k = 0 is the team leader, 1...9 caseworkers. Nine digits, so never a demo ID.
    static func teamStaffId(team: Int, member k: Int) -> String { String(100_000_000 + team * 10 + k) }
    static func teamName(_ team: Int) -> String { "Scale Casework \(team + 1)" }

    /// Specialist teams follow one another: SCR, then provisioning, CFAT and one administration team.
    enum Specialism: Sendable { case scr, provisioning, cfat, administration }

    var specialistTeams: [(specialism: Specialism, number: Int)] {
        (0..<scrTeams).map { (.scr, $0 + 1) } + (0..<provisioningTeams).map { (.provisioning, $0 + 1) }
            + (0..<cfatTeams).map { (.cfat, $0 + 1) } + [(.administration, 1)]
    }

    static func specialistStaffId(team: Int, member k: Int) -> String { String(200_000_000 + team * 10 + k) }

    static func specialistRoles(_ specialism: Specialism, member k: Int) -> [Role] {
        switch specialism {
        case .scr: k == 0 ? [.teamLeader, .scrCaseworker] : k <= 2 ? [.scrManager, .scrCaseworker] : [.scrCaseworker]
        case .provisioning: k == 0 ? [.teamLeader, .provisioning] : [.provisioning]
        case .cfat: k == 0 ? [.teamLeader, .cfat] : [.cfat]
        case .administration: [.administrator]
        }
    }

    static func specialistTeamName(_ specialism: Specialism, _ number: Int) -> String {
        switch specialism {
        case .scr: "Scale Special Client Records \(number)"
        case .provisioning: "Scale FLLS User Provisioning \(number)"
        case .cfat: "Scale CFAT Banking \(number)"
        case .administration: "Scale Service Administration"
        }
    }

    /// The h-th holder of live grants: spread over every team, one caseworker at a time.
    func holder(_ h: Int) -> (team: Int, staffId: String) {
        let team = h % teams
        return (team, Self.teamStaffId(team: team, member: 1 + (h / teams) % 9))
    }

    /// SCR caseworkers who may be assigned sensitive work, and the deciders of the later stages.
    func scrCaseworker(_ n: Int) -> String { Self.specialistStaffId(team: n % scrTeams, member: 3 + (n / scrTeams) % 7) }
    func scrManager(_ n: Int) -> String { Self.specialistStaffId(team: n % scrTeams, member: 1 + n % 2) }
    func provisioningOfficer(_ n: Int) -> String { Self.specialistStaffId(team: scrTeams + n % provisioningTeams, member: 1 + n % 9) }

    // MARK: Contacts and cases

    static let firstNames = ["Amelia", "Oliver", "Isla", "George", "Ava", "Noah", "Mia", "Arthur", "Ivy", "Leo", "Freya", "Oscar",
                             "Lily", "Harry", "Grace", "Jack", "Sophie", "Thomas", "Ella", "James", "Ruby", "William", "Chloe", "Henry",
                             "Evie", "Alfie", "Emily", "Charlie", "Poppy", "Joshua", "Daisy", "Jacob", "Megan", "Samuel", "Holly",
                             "Daniel", "Zara", "Aidan", "Nadia", "Ravi", "Priya", "Tariq", "Aisha", "Kofi", "Ama", "Bogdan", "Agnieszka",
                             "Siobhan", "Ciaran", "Rhys", "Cerys", "Fraser", "Eilidh", "Marcus", "Joanne", "Gareth", "Helen", "Stuart",
                             "Karen", "Dennis", "Yusuf"]
    static let surnameStarts = ["Ash", "Brad", "Black", "Chad", "Dun", "East", "Fair", "Gold", "Green", "Hart", "Hol", "Kings",
                                "Lang", "Mar", "Mill", "North", "Oak", "Pen", "Ray", "Rother", "South", "Stan", "Thorn", "Under",
                                "Wake", "West", "Whit", "Wood", "Yar", "Els"]
    static let surnameEnds = ["worth", "ford", "field", "ley", "ton", "wood", "by", "combe", "hurst", "more", "well", "bridge",
                              "wick", "ham", "den", "stone", "croft", "gate", "land", "shaw"]

    static func surname(_ n: Int) -> String {
        surnameStarts[n % surnameStarts.count] + surnameEnds[(n / surnameStarts.count) % surnameEnds.count]
    }

    static func contactName(_ c: Int) -> String {
        "\(firstNames[c % firstNames.count]) \(surname(c / firstNames.count))"
    }

    /// Valid, unique and never a demo NINO: prefixes W, X and Y with an allowed second letter.
    static func nino(_ c: Int) -> String {
        let seconds = Array("ABCEGHJKLMNPRSTWXYZ")
        let firsts = Array("WXY")
        let pair = c / 1_000_000
        let prefix = String(firsts[(pair / seconds.count) % firsts.count]) + String(seconds[pair % seconds.count])
        let digits = String(c % 1_000_000)
        return prefix + String(repeating: "0", count: 6 - digits.count) + digits + String(Array("ABCD")[c % 4])
    }

    /// 2% of contacts are Special Client Records; every 25th case has one as its receiving parent.
    static func isSensitive(_ c: Int) -> Bool { c % 50 == 0 }
    static func caseIsSensitive(_ j: Int) -> Bool { j % 25 == 0 }
    static func caseNumber(_ j: Int) -> String { "CM-\(3_000_000 + j)" }

    /// The j-th sensitive case, which live grants and their SRs are about.
    func sensitiveCase(_ n: Int) -> Int { 25 * (n % max(1, cases / 25)) }

    // MARK: Service requests

    /// 10% waiting in a hopper, 15% open, 15% assigned or in progress, 60% closed.
    static func srStatus(_ s: Int) -> ServiceRequestStatus {
        switch s % 20 {
        case 0, 1: .pendingAssignment
        case 2, 3, 4: .open
        case 5, 6: .assigned
        case 7: .inProgress
        default: .closed
        }
    }

    static func srReference(_ s: Int) -> String {
        let digits = String(s)
        return "SR-Z" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }
}

/// `casework seed --scale FACTOR`: fills a migrated database with `ScalePlan`'s organisation, in bulk (many rows a
/// statement, many statements a transaction), on SQLite or PostgreSQL. The audit events continue the chain from its
/// head, so `verify-audit` passes afterwards. Seeding twice adds nothing.
struct ScaleSeeder {
    let app: Application
    let plan: ScalePlan
    let progress: @Sendable (String) -> Void

    var sql: any SQLDatabase { app.db as! any SQLDatabase }

    /// Returns false when the scale organisation is already there.
    func seed() async throws -> Bool {
        if try await StaffModel.find(ScalePlan.teamStaffId(team: 0, member: 0), on: app.db) != nil { return false }
        let passwordHash = try await app.password.async.hash(app.casework.settings.demoPassword).get()
        // Secondary indexes of the big tables are dropped for the load and built again after it, by sorting: far
        // quicker than keeping them up to date a row at a time. Unique constraints stay, so duplicates still fail.
        let indexes = try await secondaryIndexes()
        try await timed("dropping \(indexes.count) indexes") {
            for index in indexes { try await sql.raw("DROP INDEX \(ident: index.name)").run() }
        }
        try await timed("staff") { try await seedStaff(passwordHash: passwordHash) }
        try await timed("contacts") { try await seedContacts() }
        try await timed("cases") { try await seedCases() }
        try await timed("service requests") { try await seedServiceRequests() }
        try await timed("live grants") { try await seedLiveGrants() }
        try await timed("past requests") { try await seedPastRequests() }
        try await timed("audit events") { try await seedAuditEvents() }
        try await timed("rebuilding \(indexes.count) indexes") {
            for index in indexes { try await sql.raw("\(unsafeRaw: index.definition)").run() }
        }
        // Fresh statistics, so the planners choose the indexes from the first request on. Only this schema's tables are
        // named: PostgreSQL's bare ANALYZE visits every schema in the database, and another schema being dropped under it
        // (a parallel test's, or another tenant's) fails it. PostgreSQL's tables are vacuumed too, as autovacuum leaves a
        // live database's: until then no page is marked all-visible, so an index-only scan (the word starts of a name
        // search) visits the table for every entry, and the first reads of each page write its rows' hint bits.
        let postgres = sql.dialect.name != "sqlite"
        for table in ["staff", "staff_roles"] + Self.bulkTables {
            try await sql.raw("\(unsafeRaw: postgres ? "VACUUM (ANALYZE)" : "ANALYZE") \(ident: table)").run()
        }
        return true
    }

    /// The big tables' indexes that no constraint needs, with the SQL that makes each.
    private static let bulkTables = ["contacts", "contact_name_starts", "cases", "case_participants", "service_requests", "access_requests", "access_request_history",
                                     "access_decisions", "grants", "notifications", "audit_events"]

    private func secondaryIndexes() async throws -> [(name: String, definition: String)] {
        struct Index: Decodable { let name: String; let definition: String }
        var found: [Index] = []
        for table in Self.bulkTables {
            if sql.dialect.name == "sqlite" {
                found += try await sql.raw("""
                    SELECT name, sql AS definition FROM sqlite_master WHERE type = 'index' AND tbl_name = \(bind: table) AND sql IS NOT NULL
                    """).all(decoding: Index.self)
            } else {
                found += try await sql.raw("""
                    SELECT indexname AS name, indexdef AS definition FROM pg_indexes
                    WHERE schemaname = current_schema() AND tablename = \(bind: table)
                      AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE connamespace = current_schema()::regnamespace)
                    """).all(decoding: Index.self)
            }
        }
        return found.map { ($0.name, $0.definition) }
    }

    private func timed(_ what: String, _ work: () async throws -> Void) async throws {
        let started = Date()
        try await work()
        progress(String(format: "%@: %.1f s", what, Date().timeIntervalSince(started)))
    }

    // MARK: Bulk insertion

    /// Writes rows in statements of as many rows as the dialect's bind limit allows, committing every ~50,000 rows.
    private func insert(_ table: String, _ columns: [String], count: Int, row: @escaping @Sendable (Int) -> [any Encodable & Sendable]) async throws {
        try await insert(table, columns, count: count, rowsPerItem: 1) { [row($0)] }
    }

    /// As above, for items that each make up to `rowsPerItem` rows (a contact's word starts, say).
    private func insert(_ table: String, _ columns: [String], count: Int, rowsPerItem: Int,
                        rows: @escaping @Sendable (Int) -> [[any Encodable & Sendable]]) async throws {
        let perStatement = max(1, (sql.dialect.name == "sqlite" ? 30_000 : 60_000) / columns.count / rowsPerItem)
        let perTransaction = max(perStatement, 50_000 / rowsPerItem / perStatement * perStatement)
        var start = 0
        while start < count {
            let end = min(count, start + perTransaction)
            let range = start..<end
            try await app.db.transaction { tx in
                let sql = tx as! any SQLDatabase
                try await Self.bulkCache(sql)
                var at = range.lowerBound
                while at < range.upperBound {
                    let stop = min(range.upperBound, at + perStatement)
                    var builder = sql.insert(into: table).columns(columns)
                    for index in at..<stop {
                        for row in rows(index) { builder = builder.values(row) }
                    }
                    try await builder.run()
                    at = stop
                }
            }
            start = end
        }
    }

    /// SQLite's page cache is 2 MB a connection by default; a bulk load into a growing file wants far more.
    private static func bulkCache(_ sql: any SQLDatabase) async throws {
        if sql.dialect.name == "sqlite" { try await sql.raw("PRAGMA cache_size = -262144").run() }
    }

    // MARK: Staff

    private func seedStaff(passwordHash: String) async throws {
        let plan = plan
        let now = plan.now
        let columns = ["staff_id", "name", "search_name", "email", "phone", "team", "grade", "area", "team_leader_staff_id", "active",
                       "password_hash", "must_change_password", "failed_sign_ins", "created_at", "updated_at"]
        let areas = ["North East", "North West", "Midlands", "South West", "London", "Wales", "Scotland"]
        @Sendable func staffRow(_ staffId: String, name: String, team: String, grade: String, area: String, leader: String?) -> [any Encodable & Sendable] {
            [staffId, name, name.lowercased(), "\(staffId)@cm.example.gov.uk", "0300 123 \(staffId.suffix(4))", team, grade, area,
             leader, true, passwordHash, false, 0, now, now]
        }
        // Team leaders come first within each team, so a member's team leader is always already there.
        try await insert("staff", columns, count: plan.teams * 10) { n in
            let team = n / 10, k = n % 10
            let staffId = ScalePlan.teamStaffId(team: team, member: k)
            return staffRow(staffId, name: "\(ScalePlan.firstNames[n % ScalePlan.firstNames.count]) \(ScalePlan.surname(n / 7))",
                            team: ScalePlan.teamName(team), grade: k == 0 ? "HEO" : "EO", area: areas[team % areas.count],
                            leader: k == 0 ? nil : ScalePlan.teamStaffId(team: team, member: 0))
        }
        let specialists = plan.specialistTeams
        try await insert("staff", columns, count: specialists.count * 10) { n in
            let team = n / 10, k = n % 10
            let (specialism, number) = specialists[team]
            return staffRow(ScalePlan.specialistStaffId(team: team, member: k), name: "\(ScalePlan.firstNames[(n + 5) % ScalePlan.firstNames.count]) \(ScalePlan.surname(n + 11))",
                            team: ScalePlan.specialistTeamName(specialism, number), grade: k == 0 ? "SEO" : "HEO", area: "National",
                            leader: k == 0 ? nil : ScalePlan.specialistStaffId(team: team, member: 0))
        }
        let roleColumns = ["id", "staff_id", "role"]
        try await insert("staff_roles", roleColumns, count: plan.teams * 10) { n in
            [ScalePlan.id(.staffRole, n), ScalePlan.teamStaffId(team: n / 10, member: n % 10), n % 10 == 0 ? Role.teamLeader.rawValue : Role.caseworker.rawValue]
        }
        let specialistRoles: [(String, Role)] = specialists.enumerated().flatMap { team, entry in
            (0..<10).flatMap { k in
                ScalePlan.specialistRoles(entry.specialism, member: k).map { (ScalePlan.specialistStaffId(team: team, member: k), $0) }
            }
        }
        let offset = plan.teams * 10
        try await insert("staff_roles", roleColumns, count: specialistRoles.count) { n in
            [ScalePlan.id(.staffRole, offset + n), specialistRoles[n].0, specialistRoles[n].1.rawValue]
        }
    }

    // MARK: Records

    private func seedContacts() async throws {
        let now = plan.now
        let towns = ["Gateshead", "Sunderland", "Birmingham", "Plymouth", "Leeds", "Cardiff", "Glasgow", "Norwich", "Bristol", "Hull"]
        try await insert("contacts", ["id", "name", "search_name", "nino", "scin", "crn", "date_of_birth", "address", "sensitive", "created_at", "updated_at"],
                         count: plan.contacts) { c in
            let name = ScalePlan.contactName(c)
            let year = 1960 + c % 40, month = 1 + c % 12, day = 1 + c % 28
            let born = "\(year)-\(month < 10 ? "0" : "")\(month)-\(day < 10 ? "0" : "")\(day)"
            return [ScalePlan.id(.contact, c), name, NameSearch.searchable(name), ScalePlan.nino(c),
                    ScalePlan.isSensitive(c) ? "SCZ\(c)" : nil, String?.none, born,
                    "\(1 + c % 200) \(ScalePlan.surname(c / 3)) Road, \(towns[c % towns.count])", ScalePlan.isSensitive(c),
                    now.addingTimeInterval(-Double(c % 1_000) * 86_400), now]
        }
        // A scale contact's name is a first name and a surname: two word starts each.
        try await insert(ContactNameStarts.table, ContactNameStarts.columns, count: plan.contacts, rowsPerItem: 2) { c in
            ContactNameStarts.rows(contactId: ScalePlan.id(.contact, c), searchName: NameSearch.searchable(ScalePlan.contactName(c)))
        }
    }

    private func seedCases() async throws {
        let now = plan.now
        try await insert("cases", ["id", "case_number", "created_at"], count: plan.cases) { j in
            [ScalePlan.id(.caseRecord, j), ScalePlan.caseNumber(j), now.addingTimeInterval(-Double(j % 900) * 86_400)]
        }
        try await insert("case_participants", ["id", "case_id", "contact_id", "role"], count: plan.contacts) { c in
            [ScalePlan.id(.participant, c), ScalePlan.id(.caseRecord, c / 2), ScalePlan.id(.contact, c),
             c % 2 == 0 ? ParticipantRole.receivingParent.rawValue : ParticipantRole.payingParent.rawValue]
        }
    }

    private func seedServiceRequests() async throws {
        let plan = plan
        let now = plan.now
        let slugs = (0..<plan.teams).map { Segment.forTeam(ScalePlan.teamName($0)).id }
        let types = ServiceRequestType.allCases.filter { !ServiceRequestType.financeSupportTypes.contains($0) }
        // The SR each grant ending together was granted for is assigned to its holder, as temporary access is asked
        // for to work one: when those grants end, that work goes back to the SCR hopper, which the expiry job does.
        let holderOf = Dictionary(liveGrants().prefix(plan.grantsEndingTogether).map { ($0.caseIndex, $0.holder) },
                                  uniquingKeysWith: { _, later in later })
        try await insert("service_requests", ["id", "reference", "type", "description", "status", "case_id", "owning_team", "segment",
                                              "routing_rule", "needs_finance_support", "parent_id", "creator_staff_id", "assignee_staff_id",
                                              "created_at", "routed_at", "updated_at"],
                         count: plan.serviceRequests) { s in
            let j = s % plan.cases
            // Twenty SRs in a row to one team, so each team has every status (srStatus cycles over twenty).
            let team = (s / 20) % plan.teams
            let creator = ScalePlan.teamStaffId(team: team, member: 1 + s % 9)
            let status = holderOf[s] == nil ? ScalePlan.srStatus(s) : .assigned
            let sensitive = ScalePlan.caseIsSensitive(j)
            let created = now.addingTimeInterval(-Double(3_600 + (s * 7) % (730 * 86_400)))
            var segment: String?
            var rule: String?
            var routed: Date?
            var assignee: String?
            if status != .open {
                segment = sensitive ? Segment.scr.id : slugs[team]
                rule = sensitive ? "sensitiveContact" : "owningTeam"
                // Waiting work spread over the last 30 days, so hoppers have an oldest and a newest.
                routed = status == .pendingAssignment ? now.addingTimeInterval(-Double(60 + (s * 13) % (30 * 86_400))) : created.addingTimeInterval(600)
                if status != .pendingAssignment { assignee = holderOf[s] ?? (sensitive ? plan.scrCaseworker(s) : creator) }
            }
            return [ScalePlan.id(.serviceRequest, s), ScalePlan.srReference(s), types[s % types.count].rawValue,
                    "Scale data: work item \(s) on \(ScalePlan.caseNumber(j))", status.rawValue, ScalePlan.id(.caseRecord, j),
                    ScalePlan.teamName(team), segment, rule, false, UUID?.none, creator, assignee, created, routed, created]
        }
    }

    // MARK: Temporary access

    /// A request's own columns, then the CSUA150's fields (`AccessRequestModel.detailColumns`).
    private static let requestColumns = ["id", "reference", "status", "requester_staff_id", "team_leader_staff_id", "service_request_id",
                                         "contact_id", "created_at", "updated_at"] + AccessRequestModel.detailColumns
    private static let grantColumns = ["id", "request_id", "staff_id", "purpose", "service_request_id", "contact_id", "granted_at", "expires_at",
                                       "removed_at", "removed_by", "removal_reason", "log_off_confirmed_at", "log_off_confirmed_by",
                                       "end_processed_at", "reminder_sent_at"]
    private static let historyColumns = ["id", "request_id", "at", "by_staff_id", "action", "reason"]

    /// The CSUA150's fields of a scale request: to view a contact, the client named by the SR, no further details.
    private static func requestDetails(team: Int, minutes: Int, justification: String) -> AccessRequestInput.Valid {
        AccessRequestInput.Valid(purpose: .viewContact, minutes: minutes, justification: justification, furtherDetails: "", phone: "0300 123 0000",
                                 team: ScalePlan.teamName(team), grade: "EO", area: "National", clientName: nil, scin: nil, nino: nil)
    }

    /// A live grant: which holder, which sensitive case, when it started and ends.
    struct LiveGrant: Sendable {
        let holder: String
        let team: Int
        let caseIndex: Int
        let grantedAt: Date
        let expiresAt: Date
    }

    /// Holders take one to three grants each, in turn; the first tenth of grants end together.
    func liveGrants() -> [LiveGrant] {
        var grants: [LiveGrant] = []
        grants.reserveCapacity(plan.liveGrants)
        var h = 0
        while grants.count < plan.liveGrants {
            let (team, holder) = plan.holder(h)
            // One to three each, 2.33 on average: at every factor there are enough caseworkers (nine a team of
            // ten) for each to hold no more than three.
            for _ in 0..<[2, 3, 2, 3, 1, 3][h % 6] where grants.count < plan.liveGrants {
                let g = grants.count
                let granted = CaseworkTime.wholeSecond(plan.now.addingTimeInterval(-Double(60 + (g * 17) % (4 * 3_600))))
                let expires = g < plan.grantsEndingTogether ? plan.endingTogetherAt
                    : CaseworkTime.wholeSecond(plan.now.addingTimeInterval(Double(3_600 + (g * 31) % (7 * 3_600))))
                grants.append(LiveGrant(holder: holder, team: team, caseIndex: plan.sensitiveCase(g), grantedAt: granted, expiresAt: expires))
            }
            h += 1
        }
        return grants
    }

    private func seedLiveGrants() async throws {
        let plan = plan
        let grants = liveGrants()
        let minutes: @Sendable (LiveGrant) -> Int = { Int($0.expiresAt.timeIntervalSince($0.grantedAt) / 60) + 1 }
        try await insert("access_requests", Self.requestColumns, count: grants.count) { g in
            let grant = grants[g]
            let created = grant.grantedAt.addingTimeInterval(-7_200)
            let details = Self.requestDetails(team: grant.team, minutes: minutes(grant),
                                              justification: "Scale data: a change of circumstances on \(ScalePlan.caseNumber(grant.caseIndex))")
            return [ScalePlan.id(.liveRequest, g), "CSUA-L\(g)", AccessRequestStatus.granted.rawValue, grant.holder,
                    ScalePlan.teamStaffId(team: grant.team, member: 0), ScalePlan.id(.serviceRequest, grant.caseIndex),
                    ScalePlan.id(.contact, 2 * grant.caseIndex), created, grant.grantedAt] + AccessRequestModel.detailValues(details)
        }
        try await insert("access_request_history", Self.historyColumns, count: grants.count * 4) { n in
            let g = n / 4, grant = grants[g]
            let steps: [(TimeInterval, String, AccessHistoryAction)] = [
                (-7_200, grant.holder, .submitted), (-5_400, ScalePlan.teamStaffId(team: grant.team, member: 0), .decided(.teamLeader, .approve)),
                (-3_600, plan.scrManager(g), .decided(.scrManager, .approve)), (0, plan.provisioningOfficer(g), .decided(.provisioning, .approve)),
            ]
            let step = steps[n % 4]
            return [ScalePlan.id(.history, n), ScalePlan.id(.liveRequest, g), grant.grantedAt.addingTimeInterval(step.0), step.1, step.2.rawValue, String?.none]
        }
        try await insertDecisions(count: grants.count, idOffset: 0) { g in
            let grant = grants[g]
            let steps: [(TimeInterval, AccessHistoryAction, String)] = [
                (-7_200, .submitted, grant.holder), (-5_400, .decided(.teamLeader, .approve), ScalePlan.teamStaffId(team: grant.team, member: 0)),
                (-3_600, .decided(.scrManager, .approve), plan.scrManager(g)), (0, .decided(.provisioning, .approve), plan.provisioningOfficer(g)),
            ]
            return (ScalePlan.id(.liveRequest, g), "CSUA-L\(g)", ScalePlan.teamName(grant.team), grant.grantedAt.addingTimeInterval(-7_200),
                    steps.map { AccessMonitoring.Step(at: grant.grantedAt.addingTimeInterval($0.0), action: $0.1, reason: nil, by: $0.2) })
        }
        try await insert("grants", Self.grantColumns, count: grants.count) { g in
            let grant = grants[g]
            return [ScalePlan.id(.liveGrant, g), ScalePlan.id(.liveRequest, g), grant.holder, GrantPurpose.viewContact.rawValue,
                    ScalePlan.id(.serviceRequest, grant.caseIndex), ScalePlan.id(.contact, 2 * grant.caseIndex), grant.grantedAt, grant.expiresAt,
                    Date?.none, String?.none, String?.none, Date?.none, String?.none, Date?.none, Date?.none]
        }
        // Each grant told its holder and their team leader; a fifth are still unread.
        try await insert("notifications", ["id", "staff_id", "at", "kind", "text", "link", "read_at", "access_request_id"], count: grants.count * 2) { n in
            let g = n / 2, grant = grants[g]
            let to = n % 2 == 0 ? grant.holder : ScalePlan.teamStaffId(team: grant.team, member: 0)
            return [ScalePlan.id(.notification, n), to, grant.grantedAt, NotificationKind.granted.rawValue,
                    "Temporary access CSUA-L\(g) was granted for \(minutes(grant)) minutes", "/access-requests/\(ScalePlan.id(.liveRequest, g).text)",
                    g % 5 == 0 ? nil : grant.grantedAt.addingTimeInterval(300), ScalePlan.id(.liveRequest, g)]
        }
    }

    /// How a past request ended: 60% granted (and since expired), 15% rejected, 10% returned, 5% withdrawn, and 5%
    /// still waiting at one of the three stages (submitted in the last two days).
    static func pastOutcome(_ p: Int) -> AccessRequestStatus {
        switch p % 20 {
        case 12, 13, 14: .rejected
        case 15, 16: .returned
        case 17: .withdrawn
        case 18: [.awaitingTeamLeader, .awaitingScrManager, .awaitingProvisioning][(p / 20) % 3]
        default: .granted
        }
    }

    private func seedPastRequests() async throws {
        let plan = plan
        let now = plan.now
        let year = 365.0 * 86_400
        @Sendable func created(_ p: Int) -> Date {
            Self.pastOutcome(p).isFinal
                ? CaseworkTime.wholeSecond(now.addingTimeInterval(-86_400 * 2 - year * Double(p) / Double(plan.pastRequests)))
                : CaseworkTime.wholeSecond(now.addingTimeInterval(-Double(600 + (p * 37) % (2 * 86_400))))
        }
        @Sendable func requester(_ p: Int) -> (team: Int, staffId: String) { plan.holder(p * 7) }
        /// The steps each outcome took, as (seconds after submission, by, action, reason).
        @Sendable func steps(_ p: Int) -> [(TimeInterval, String, AccessHistoryAction, String?)] {
            let (team, staffId) = requester(p)
            let leader = ScalePlan.teamStaffId(team: team, member: 0)
            let submitted: (TimeInterval, String, AccessHistoryAction, String?) = (0, staffId, .submitted, nil)
            let countersigned: (TimeInterval, String, AccessHistoryAction, String?) = (Double(1_800 + p % 7_200), leader, .decided(.teamLeader, .approve), nil)
            let approved: (TimeInterval, String, AccessHistoryAction, String?) = (Double(9_000 + p % 14_400), plan.scrManager(p), .decided(.scrManager, .approve), nil)
            switch Self.pastOutcome(p) {
            case .granted:
                return [submitted, countersigned, approved, (Double(24_000 + p % 3_600), plan.provisioningOfficer(p), .decided(.provisioning, .approve), nil)]
            case .rejected:
                return p % 2 == 0
                    ? [submitted, countersigned, (Double(9_000 + p % 14_400), plan.scrManager(p), .decided(.scrManager, .reject), "Not enough justification for SCR access")]
                    : [submitted, countersigned, approved, (Double(24_000 + p % 3_600), plan.provisioningOfficer(p), .decided(.provisioning, .reject), "The SR does not need the contact's details")]
            case .returned:
                return [submitted, (Double(1_800 + p % 7_200), leader, .decided(.teamLeader, .return), "The SCIN does not match the case")]
            case .withdrawn:
                return [submitted, (Double(600 + p % 3_600), staffId, .withdrawn, nil)]
            case .awaitingTeamLeader:
                return [submitted]
            case .awaitingScrManager:
                return [submitted, (Double(300), leader, .decided(.teamLeader, .approve), nil)]
            case .awaitingProvisioning:
                return [submitted, (Double(300), leader, .decided(.teamLeader, .approve), nil), (Double(400), plan.scrManager(p), .decided(.scrManager, .approve), nil)]
            }
        }
        try await insert("access_requests", Self.requestColumns, count: plan.pastRequests) { p in
            let (team, staffId) = requester(p)
            let j = plan.sensitiveCase(p * 3 + 1)
            let last = steps(p).last!
            let details = Self.requestDetails(team: team, minutes: 120, justification: "Scale data: past request \(p) on \(ScalePlan.caseNumber(j))")
            return [ScalePlan.id(.pastRequest, p), "CSUA-P\(p)", Self.pastOutcome(p).rawValue, staffId, ScalePlan.teamStaffId(team: team, member: 0),
                    ScalePlan.id(.serviceRequest, j), ScalePlan.id(.contact, 2 * j), created(p), created(p).addingTimeInterval(last.0)]
                + AccessRequestModel.detailValues(details)
        }
        // A fixed four slots a request, so history ids are stable; requests with fewer steps leave slots unused.
        let flat: [(Int, Int)] = (0..<plan.pastRequests).flatMap { p in (0..<steps(p).count).map { (p, $0) } }
        try await insert("access_request_history", Self.historyColumns, count: flat.count) { n in
            let (p, i) = flat[n]
            let step = steps(p)[i]
            return [ScalePlan.id(.history, plan.liveGrants * 4 + p * 4 + i), ScalePlan.id(.pastRequest, p), created(p).addingTimeInterval(step.0),
                    step.1, step.2.rawValue, step.3]
        }
        try await insertDecisions(count: plan.pastRequests, idOffset: plan.liveGrants * 3) { p in
            (ScalePlan.id(.pastRequest, p), "CSUA-P\(p)", ScalePlan.teamName(requester(p).team), created(p),
             steps(p).map { AccessMonitoring.Step(at: created(p).addingTimeInterval($0.0), action: $0.2, reason: $0.3, by: $0.1) })
        }
        // Granted requests' grants have expired and been processed; one in two hundred still awaits its log-off confirmation.
        let granted = (0..<plan.pastRequests).filter { Self.pastOutcome($0) == .granted }
        try await insert("grants", Self.grantColumns, count: granted.count) { n in
            let p = granted[n]
            let (team, staffId) = requester(p)
            let j = plan.sensitiveCase(p * 3 + 1)
            let grantedAt = created(p).addingTimeInterval(steps(p).last!.0)
            let expires = grantedAt.addingTimeInterval(7_200)
            let confirmed = p % 200 == 0 ? nil : expires.addingTimeInterval(900)
            return [ScalePlan.id(.pastGrant, p), ScalePlan.id(.pastRequest, p), staffId, GrantPurpose.viewContact.rawValue,
                    ScalePlan.id(.serviceRequest, j), ScalePlan.id(.contact, 2 * j), grantedAt, expires, Date?.none, String?.none, String?.none,
                    confirmed, confirmed == nil ? nil : ScalePlan.teamStaffId(team: team, member: 0), expires.addingTimeInterval(5),
                    expires.addingTimeInterval(-900)]
        }
    }

    /// Monitoring's record of each decision (`access_decisions`), worked out from the steps by the same rule the
    /// server uses (`AccessMonitoring.decisions`); at most three a request, so ids take three slots each.
    private func insertDecisions(count: Int, idOffset: Int,
                                 request: @escaping @Sendable (Int) -> (id: UUID, reference: String, team: String, createdAt: Date, steps: [AccessMonitoring.Step])) async throws {
        let columns = ["id", "request_id", "request_created_at", "reference", "team", "stage", "decision", "at", "waited_seconds", "reason", "by_staff_id"]
        var start = 0
        while start < count {
            let end = min(count, start + 20_000)
            var rows: [[any Encodable & Sendable]] = []
            for n in start..<end {
                let r = request(n)
                let made = AccessMonitoring.decisions(AccessMonitoring.RequestRecord(reference: r.reference, team: r.team, status: .granted, steps: r.steps))
                for (slot, d) in made.prefix(3).enumerated() {
                    rows.append([ScalePlan.id(.decision, idOffset + n * 3 + slot), r.id, r.createdAt, d.reference, d.team, d.stage.rawValue,
                                 d.decision.rawValue, d.at, d.waitedSeconds, d.reason, d.by])
                }
            }
            let batch = rows
            try await insert("access_decisions", columns, count: batch.count) { batch[$0] }
            start = end
        }
    }

    // MARK: Audit

    /// Ten million events over the last year, continuing the chain from its head. The chain is worked out a page
    /// ahead on another task while the page before is written, each page in one transaction that checks the head is
    /// where this seeding left it and moves it on, so the head always matches the last event committed.
    private func seedAuditEvents() async throws {
        let plan = plan
        let count = plan.auditEvents
        let page = 50_000
        guard let head = try await AuditChainHeadModel.find(1, on: app.db) else { throw AuditTrailMissing() }
        @Sendable func chain(from offset: Int, seq first: Int, previous start: String) -> [ChainedAuditRecord] {
            var previous = start
            var rows: [ChainedAuditRecord] = []
            rows.reserveCapacity(page)
            for (n, i) in (offset..<min(count, offset + page)).enumerated() {
                let chained = AuditChain.chain(Self.auditRecord(i, seq: first + n + 1, plan: plan), previousHash: previous)
                previous = chained.hash
                rows.append(chained)
            }
            return rows
        }
        var written = 0
        var expectedSeq = head.lastSeq
        var expectedHash = head.lastHash
        let perStatement = (sql.dialect.name == "sqlite" ? 30_000 : 60_000) / AuditEventRows.columns.count
        var next: Task<[ChainedAuditRecord], Never>? = Task.detached { chain(from: 0, seq: head.lastSeq, previous: head.lastHash) }
        while let pending = next {
            let rows = await pending.value
            guard let last = rows.last else { break }
            let size = rows.count
            let following = written + size
            next = following < count ? Task.detached { chain(from: following, seq: last.record.seq, previous: last.hash) } : nil
            let (seq, previous) = (last.record.seq, last.hash)
            let batch = rows
            let (fromSeq, fromHash) = (expectedSeq, expectedHash)
            let (toSeq, toHash) = (seq, previous)
            try await app.db.transaction { tx in
                let sql = tx as! any SQLDatabase
                try await Self.bulkCache(sql)
                try await AuditChainHeadModel.query(on: tx).filter(\.$id == 1).set(\.$id, to: 1).update()
                guard let current = try await AuditChainHeadModel.find(1, on: tx) else { throw AuditTrailMissing() }
                guard current.lastSeq == fromSeq, current.lastHash == fromHash else {
                    throw AuditWrittenDuringSeeding()
                }
                try await AuditEventRows.insert(batch, perStatement: perStatement, on: sql)
                try await AuditChainHeadModel.query(on: tx).filter(\.$id == 1).set(\.$lastSeq, to: toSeq).set(\.$lastHash, to: toHash).update()
            }
            expectedSeq = toSeq
            expectedHash = toHash
            written += size
            if written % 1_000_000 == 0 || written == count { progress("audit events: \(written) of \(count)") }
        }
    }

    /// The i-th seeded event: what people do all day, spread over staff, contacts and SRs.
    static func auditRecord(_ i: Int, seq: Int, plan: ScalePlan) -> AuditRecord {
        let staffCount = plan.teams * 10
        let start = plan.now.addingTimeInterval(-365 * 86_400)
        let step = (365.0 * 86_400 - 3_600) / Double(plan.auditEvents)
        let actor = ScalePlan.teamStaffId(team: (i % staffCount) / 10, member: i % 10)
        let c = (i &* 7_919) % plan.contacts
        let s = (i &* 104_729) % plan.serviceRequests
        let (action, type, subject, outcome, detail): (String, String, String, AuditOutcome, String)
        switch i % 10 {
        case 0, 1, 2: (action, type, subject, outcome, detail) = ("sr.view", "serviceRequest", ScalePlan.id(.serviceRequest, s).text, .success, "viewed \(ScalePlan.srReference(s))")
        case 3: (action, type, subject, outcome, detail) = ("sr.create", "serviceRequest", ScalePlan.id(.serviceRequest, s).text, .success, "\(ScalePlan.srReference(s)) changeOfCircumstances")
        case 4: (action, type, subject, outcome, detail) = ("sr.route", "serviceRequest", ScalePlan.id(.serviceRequest, s).text, .success, "\(ScalePlan.srReference(s)) open -> pendingAssignment")
        case 5: (action, type, subject, outcome, detail) = ("signIn", "staff", actor, .success, "signed in")
        case 6: (action, type, subject, outcome, detail) = ("contact.search", "contact", ScalePlan.id(.contact, c).text, .success, "shown in search results")
        case 7: (action, type, subject, outcome, detail) = i % 1_000 == 7
            ? ("contact.view", "contact", ScalePlan.id(.contact, c - c % 50).text, .denied, "viewed the contact; no live grant covers it")
            : ("contact.view", "contact", ScalePlan.id(.contact, c - c % 50).text, .success, "viewed the contact; temporary grant")
        case 8: (action, type, subject, outcome, detail) = ("sr.assign", "serviceRequest", ScalePlan.id(.serviceRequest, s).text, .success, "\(ScalePlan.srReference(s)) assigned")
        default: (action, type, subject, outcome, detail) = ("case.view", "case", ScalePlan.id(.caseRecord, c / 2).text, .success, "participant of case \(ScalePlan.caseNumber(c / 2))")
        }
        return AuditRecord(seq: seq, id: ScalePlan.id(.audit, seq).text, at: CaseworkTime.iso8601Millis(start.addingTimeInterval(step * Double(i))),
                           actorStaffId: actor, actorRole: (i % 10 == 0 ? Role.teamLeader : Role.caseworker).rawValue, action: action,
                           subjectType: type, subjectId: subject, outcome: outcome, detail: detail)
    }
}

/// The chain head moved while seeding: something else wrote audit events.
struct AuditWrittenDuringSeeding: Error, CustomStringConvertible {
    var description: String { "Another process wrote to the audit trail while seeding: stop every server on this database and seed again" }
}

/// What a benchmark needs to name people and records in the scale organisation.
struct ScaleManifest: Encodable {
    struct Holder: Encodable {
        let staffId: String
        let grantId: String
        let contactId: String
        let requestId: String
    }

    struct Person: Encodable {
        let staffId: String
        let segment: String
    }

    let factor: Double
    let counts: [String: Int]
    let teamLeaders: [Person]
    let caseworkers: [Person]
    let grantHolders: [Holder]
    let scrManagers: [String]
    let scrCaseworkers: [String]
    let provisioning: [String]
    let cfat: [String]
    let administrators: [String]
    let contactNames: [String]
    let ninos: [String]
    let auditSubjects: [String]
    let auditActors: [String]
    let accessRequests: [String]
    let endingTogetherAt: String
    let endingTogether: Int

    init(_ plan: ScalePlan, liveGrants: [ScaleSeeder.LiveGrant], sample: Int = 200) {
        factor = plan.factor
        counts = ["teams": plan.teams, "staff": plan.teams * 10 + plan.specialistTeams.count * 10, "contacts": plan.contacts, "cases": plan.cases,
                  "serviceRequests": plan.serviceRequests, "liveGrants": plan.liveGrants, "pastRequests": plan.pastRequests,
                  "auditEvents": plan.auditEvents]
        let teams = (0..<min(sample, plan.teams)).map { $0 * max(1, plan.teams / sample) % plan.teams }
        teamLeaders = teams.map { Person(staffId: ScalePlan.teamStaffId(team: $0, member: 0), segment: Segment.forTeam(ScalePlan.teamName($0)).id) }
        caseworkers = teams.map { Person(staffId: ScalePlan.teamStaffId(team: $0, member: 2), segment: Segment.forTeam(ScalePlan.teamName($0)).id) }
        // Holders of grants that stay live through the read benchmarks (not those that end together).
        let stride = max(1, (liveGrants.count - plan.grantsEndingTogether) / sample)
        grantHolders = Swift.stride(from: plan.grantsEndingTogether, to: liveGrants.count, by: stride).prefix(sample).map { g in
            Holder(staffId: liveGrants[g].holder, grantId: ScalePlan.id(.liveGrant, g).text,
                   contactId: ScalePlan.id(.contact, 2 * liveGrants[g].caseIndex).text, requestId: ScalePlan.id(.liveRequest, g).text)
        }
        scrManagers = (0..<min(2 * plan.scrTeams, 20)).map(plan.scrManager)
        scrCaseworkers = (0..<min(7 * plan.scrTeams, 20)).map(plan.scrCaseworker)
        provisioning = (0..<min(9 * plan.provisioningTeams, 20)).map(plan.provisioningOfficer)
        cfat = (0..<min(9 * plan.cfatTeams, 20)).map { ScalePlan.specialistStaffId(team: plan.scrTeams + plan.provisioningTeams + $0 % plan.cfatTeams, member: 1 + $0 % 9) }
        let adminTeam = plan.specialistTeams.count - 1
        administrators = (0..<10).map { ScalePlan.specialistStaffId(team: adminTeam, member: $0) }
        let contactStride = max(1, plan.contacts / sample)
        contactNames = (0..<sample).map { ScalePlan.surname(($0 * 7) % (ScalePlan.surnameStarts.count * ScalePlan.surnameEnds.count)) }
        ninos = (0..<sample).map { ScalePlan.nino(($0 * contactStride + 1) % plan.contacts) }
        auditSubjects = (0..<sample).map { ScalePlan.id(.contact, (($0 * contactStride) - ($0 * contactStride) % 50) % plan.contacts).text }
        auditActors = (0..<sample).map { ScalePlan.teamStaffId(team: ($0 * max(1, plan.teams / sample)) % plan.teams, member: 1 + $0 % 9) }
        accessRequests = (0..<min(sample, plan.pastRequests)).map { ScalePlan.id(.pastRequest, $0 * max(1, plan.pastRequests / sample)).text }
        endingTogetherAt = CaseworkTime.iso8601(plan.endingTogetherAt)
        endingTogether = plan.grantsEndingTogether
    }
}
