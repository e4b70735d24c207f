import CaseworkCore
import Fluent
import FluentSQL
import Foundation
import SQLKit

/// The reads the records pages need, each on an index (see `IndexHotPaths`), batched, never a whole table.
/// Keyset cursors name the last row of the page before; the database compares that row's stored values itself, so
/// no instant is rounded on its way through text.
struct RecordQueries {
    /// Someone who works a segment, as its hopper page offers them to assign to.
    struct SegmentMember: Sendable, Equatable {
        let staffId: String
        let name: String
    }

    let db: any Database
    /// Set for reads outside the write lane: reads by key are then point reads (see `SQLiteReaders`).
    var readers: SQLiteReaders? = nil

    var sql: any SQLDatabase { db as! any SQLDatabase }
    var isSQLite: Bool { sql.dialect.name == "sqlite" }
    private var point: PointReads { PointReads(db: db, readers: readers) }

    // MARK: Contacts

    /// Contacts whose NINO, SCIN or CRN is exactly `identifier` (each by its unique index), then those with a word of
    /// their name starting with `namePart`, then those whose name holds it elsewhere (from three letters; one or two
    /// match the start of the name only): at most `limit`, in that order (`NameSearch`), each group by name. Read as
    /// plain values.
    func searchContacts(identifier: String, namePart: String, limit: Int) async throws -> [StoredContact] {
        var found: [StoredContact] = []
        if namePart.count >= NameSearch.fewestLettersWithinWords {
            // The identifier and the word starts in one statement (on PostgreSQL a round trip fewer a search): an
            // identifier matches at most three contacts, never a page, so the word starts were always read after it.
            let (byIdentifier, byWordStart) = try await contactsByWordStart(namePart, limit: limit, identifier: identifier.isEmpty ? nil : identifier)
            found = byIdentifier + byWordStart
            // Everyone with a word starting with the text is found by now when fewer than `limit` were: the rest
            // of the page is names holding it elsewhere, read only then (the trigram index checks every match).
            if found.count < limit { found += try await contactsByNamePart(namePart, limit: limit) }
        } else {
            if !identifier.isEmpty {
                found = try await contacts(withIdentifier: identifier).sorted(by: Self.byName)
            }
            if !namePart.isEmpty && found.count < limit {
                found += try await contactsByNameStart(namePart, limit: limit)
            }
        }
        var seen = Set<UUID>()
        return found.filter { seen.insert($0.id).inserted }.prefix(limit).map { $0 }
    }

    private static func byName(_ a: StoredContact, _ b: StoredContact) -> Bool {
        (a.searchName, a.id.text) < (b.searchName, b.id.text)
    }

    /// One contact by id: every contact view asks this, so plain SQL rather than Fluent's query builder, whose
    /// serialisation was a fifth of an audited read's time in the profile.
    func contact(_ id: UUID) async throws -> ContactModel? {
        try await point.first("SELECT * FROM contacts WHERE id = \(bind: id)").map(ContactModel.init(row:))
    }

    /// Names that start with one or two letters, from the name index.
    private func contactsByNameStart(_ part: String, limit: Int) async throws -> [StoredContact] {
        try await point.many("""
            SELECT * FROM contacts WHERE search_name >= \(bind: part) AND search_name < \(bind: part + "\u{FFFF}")
            ORDER BY search_name LIMIT \(bind: limit)
            """).map(StoredContact.init(row:)).sorted(by: Self.byName)
    }

    /// Names with a word starting with `part`: one range of `contact_name_starts` (`IndexNamesByWordStart`), its
    /// first `limit` contacts by name picked from the index's own copy of the names, and only those read.
    /// With `identifier`, the contacts whose NINO, SCIN or CRN it is exactly are read in the same statement, and
    /// answered apart (by name).
    private func contactsByWordStart(_ part: String, limit: Int, identifier: String?) async throws
        -> (byIdentifier: [StoredContact], byWordStart: [StoredContact]) {
        // A name meets the range once for each of its words that starts with the text ("ann annabel" twice for
        // "ann"). Without DISTINCT the range is sorted keeping only the first `limit` (0.21 ms for a surname shared by
        // 1,708 names, against 0.37 ms sorting them all to drop repeats); when that page does hold a name twice, it is
        // read again with DISTINCT.
        let first = try await wordStartPage(part, limit: limit, distinct: false, identifier: identifier)
        let page = first.byWordStart.count < limit || Set(first.byWordStart.map(\.id)).count == first.byWordStart.count
            ? first.byWordStart : try await wordStartPage(part, limit: limit, distinct: true, identifier: nil).byWordStart
        return (first.byIdentifier.sorted(by: Self.byName), page.sorted(by: Self.byName))
    }

    /// The range read as two: the names whose word is the text itself ("ashworth" as typed, for "karen ashworth"),
    /// which the index holds in name order, so their first `limit` are read without a sort; and the longer words and
    /// the names that go on after it, which are sorted. The two pages are merged and the first `limit` kept. A
    /// whole word typed (most searches: a surname) made the whole range sorted before: 1,708 entries for a common
    /// surname, 0.8 ms of PostgreSQL's time a search. With `distinct`, a name reached from both halves is kept once.
    private func wordStartPage(_ part: String, limit: Int, distinct: Bool, identifier: String?) async throws
        -> (byIdentifier: [StoredContact], byWordStart: [StoredContact]) {
        let unique: SQLQueryString = distinct ? "DISTINCT " : ""
        let both: SQLQueryString = distinct ? "UNION" : "UNION ALL"
        let byIdentifier: SQLQueryString = identifier.map {
            "SELECT 1 AS by_identifier, c.* FROM contacts c WHERE " + Self.identifierCondition($0) + " UNION ALL "
        } ?? ""
        let rows = try await point.many(byIdentifier + """
            SELECT 0 AS by_identifier, c.* FROM (
              SELECT search_name, contact_id FROM (
                SELECT search_name, contact_id FROM (SELECT \(unique)search_name, contact_id FROM contact_name_starts
                                                     WHERE tail = \(bind: part) ORDER BY search_name, contact_id LIMIT \(bind: limit)) whole_word
                \(both)
                SELECT search_name, contact_id FROM (SELECT \(unique)search_name, contact_id FROM contact_name_starts
                                                     WHERE tail > \(bind: part) AND tail < \(bind: part + "\u{10FFFF}")
                                                     ORDER BY search_name, contact_id LIMIT \(bind: limit)) longer
              ) merged ORDER BY search_name, contact_id LIMIT \(bind: limit)) starts
            JOIN contacts c ON c.id = starts.contact_id
            """)
        var found: (byIdentifier: [StoredContact], byWordStart: [StoredContact]) = ([], [])
        for row in rows {
            let contact = try StoredContact(row: row)
            if try row.decode(column: "by_identifier", as: Int.self) == 1 { found.byIdentifier.append(contact) } else { found.byWordStart.append(contact) }
        }
        return found
    }

    /// Names holding `part` anywhere (three letters or more), through the trigram index. Not read in place: a common
    /// part matches thousands of names, each checked against the index, so the read waits on the database's threads
    /// rather than holding an event loop (as do the two reads above, whose ranges can be long too). On SQLite these
    /// reads go through the scanners' page cache (`PointReads.many`), not a mapped connection on the thread pool:
    /// that saved 5% of a search page's time and raised the server's peak RSS from 114 to 267 MB, each thread's
    /// connection keeping its own map of the contacts it had touched.
    private func contactsByNamePart(_ part: String, limit: Int) async throws -> [StoredContact] {
        let rows: [any SQLRow]
        if isSQLite {
            // The page's names are picked from the index's own copy of them, and only those contacts are read: joined
            // before the sort, every match (1,708 for a common surname among a million) was looked up in `contacts`.
            // A quoted phrase of the trigram tokenizer is the text as a substring, found without LIKE's second look
            // at every match's text (2.1 ms rather than 4.6 for those 1,708).
            let phrase = "\"" + part.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            rows = try await point.many("""
                SELECT c.* FROM (SELECT contact_id, search_name FROM contacts_name_fts WHERE contacts_name_fts MATCH \(bind: phrase)
                                 ORDER BY search_name, contact_id LIMIT \(bind: limit)) f
                JOIN contacts c ON c.id = f.contact_id
                """)
        } else {
            // Planned for its pattern each time (not prepared): how many names hold it decides the plan.
            rows = try await sql.raw("""
                SELECT * FROM contacts WHERE search_name LIKE \(bind: "%\(part)%") ORDER BY search_name COLLATE "C", id LIMIT \(bind: limit)
                """).all()
        }
        return try rows.map(StoredContact.init(row:)).sorted(by: Self.byName)
    }

    // MARK: Hoppers

    /// One page of a hopper, oldest first; `after` is the id of the last SR on the page before.
    func hopperPage(segment: String, limit: Int, after: UUID?) async throws -> [StoredServiceRequest] {
        let pending = ServiceRequestStatus.pendingAssignment.rawValue
        // A bounded page on an index (HotQueryPlanTests), so read in place like a point read.
        let rows: [any SQLRow]
        if let after {
            rows = try await point.all("""
                SELECT s.* FROM service_requests s
                WHERE s.segment = \(bind: segment) AND s.status = \(bind: pending)
                  AND \(Keyset.after(after, table: "service_requests", alias: "s", column: "routed_at", descending: false))
                ORDER BY s.routed_at, s.id LIMIT \(bind: limit)
                """)
        } else {
            rows = try await point.all("""
                SELECT * FROM service_requests WHERE segment = \(bind: segment) AND status = \(bind: pending)
                ORDER BY routed_at, id LIMIT \(bind: limit)
                """)
        }
        return try rows.map(StoredServiceRequest.init(row:))
    }

    /// How many SRs wait in a hopper and when the oldest was routed, without reading them.
    func hopperSummary(segment: String) async throws -> (waiting: Int, oldest: Date?) {
        // The count is kept by the database's triggers as SRs come and go (`CountWaitingWork`), not counted here; the
        // oldest is the first entry of the hopper's index. One statement for both, read in place: every home page of
        // someone who works or assigns from a hopper asks this, and on PostgreSQL each statement is a round trip
        // (about 150 µs of the server's time).
        let pending = ServiceRequestStatus.pendingAssignment.rawValue
        guard let row = try await point.first("""
            SELECT waiting, (SELECT routed_at FROM service_requests WHERE segment = \(bind: segment) AND status = \(bind: pending)
                             ORDER BY routed_at, id LIMIT 1) AS oldest
            FROM hopper_counts WHERE segment = \(bind: segment)
            """) else { return (0, nil) }
        let count = try row.decode(column: "waiting", as: Int.self)
        guard count > 0 else { return (0, nil) }
        return (count, try row.decode(column: "oldest", as: Date?.self))
    }

    // MARK: Service requests

    /// Whose SRs a list shows: those assigned to a person, or those they raised.
    enum SRParty {
        case assignee, creator

        var column: SQLQueryString {
            switch self {
            case .assignee: "s.assignee_staff_id"
            case .creator: "s.creator_staff_id"
            }
        }
    }

    /// One page of the SRs assigned to a person, newest first; open ones only unless `openOnly` is false.
    func assignedTo(_ staffId: String, openOnly: Bool, limit: Int, after: UUID?) async throws -> [StoredServiceRequest] {
        try await serviceRequests(of: .assignee, staffId, openOnly: openOnly, limit: limit, after: after)
    }

    /// One page of a person's SRs (assigned to them, or raised by them), newest first, through that column's index;
    /// open ones only unless `openOnly` is false.
    func serviceRequests(of party: SRParty, _ staffId: String, openOnly: Bool, limit: Int, after: UUID?) async throws -> [StoredServiceRequest] {
        // Open work is walked in the partial indexes of the open SRs (migration 024): closed work is kept and outgrows
        // the open. `'closed'` is written as a literal so both planners match the indexes' condition.
        let status: SQLQueryString = openOnly ? "AND s.status <> \(unsafeRaw: Self.closedLiteral)" : ""
        // A bounded page on an index (HotQueryPlanTests), so read in place like a point read.
        let rows: [any SQLRow]
        if let after {
            rows = try await point.all("""
                SELECT s.* FROM service_requests s
                WHERE \(party.column) = \(bind: staffId) \(status)
                  AND \(Keyset.after(after, table: "service_requests", alias: "s", column: "created_at", descending: true))
                ORDER BY s.created_at DESC, s.id DESC LIMIT \(bind: limit)
                """)
        } else {
            rows = try await point.all("""
                SELECT s.* FROM service_requests s WHERE \(party.column) = \(bind: staffId) \(status)
                ORDER BY s.created_at DESC, s.id DESC LIMIT \(bind: limit)
                """)
        }
        return try rows.map(StoredServiceRequest.init(row:))
    }

    /// `ServiceRequestStatus.closed` as SQL text, the condition of the open-work indexes (`IndexOpenWorkByPerson`).
    static let closedLiteral = "'\(ServiceRequestStatus.closed.rawValue)'"

    /// One SR by id, as plain values.
    func serviceRequest(_ id: UUID) async throws -> StoredServiceRequest? {
        try await point.first("SELECT * FROM service_requests WHERE id = \(bind: id)").map(StoredServiceRequest.init(row:))
    }

    /// What SRs' pages show beside their own rows, read for all of them at once.
    struct ServiceRequestDetails: Sendable {
        var caseNumbers: [UUID: String] = [:]
        /// The contacts linked to each SR directly.
        var linkedContacts: [UUID: [StoredContact]] = [:]
        /// Each SR's history, oldest first.
        var history: [UUID: [StoredServiceRequestHistory]] = [:]
        var assigneeNames: [String: String] = [:]
    }

    /// The cases' numbers, linked contacts, history and assignees' names of these SRs: four indexed reads whatever
    /// their number, each read in place and as plain values (a page of SRs decoded as Fluent models, and their
    /// cases, contacts and history with them, spent most of the SR list's time asking the runtime for metadata).
    /// `knownNames`: names the caller has already (see `DirectoryQueries.names`).
    func details(of srs: [StoredServiceRequest], knownNames: [String: String] = [:]) async throws -> ServiceRequestDetails {
        guard !srs.isEmpty else { return ServiceRequestDetails() }
        let ids = srs.map(\.id)
        var details = ServiceRequestDetails()
        let caseIds = Array(Set(srs.compactMap(\.caseId)))
        if !caseIds.isEmpty {
            for row in try await point.all("SELECT id, case_number FROM cases WHERE id IN (\(binds: caseIds))") {
                details.caseNumbers[try row.decode(column: "id", as: UUID.self)] = try row.decode(column: "case_number", as: String.self)
            }
        }
        for row in try await point.all("""
            SELECT l.service_request_id AS linked_to, c.* FROM service_request_contacts l JOIN contacts c ON c.id = l.contact_id
            WHERE l.service_request_id IN (\(binds: ids))
            """) {
            details.linkedContacts[try row.decode(column: "linked_to", as: UUID.self), default: []].append(try StoredContact(row: row))
        }
        for row in try await point.all("""
            SELECT service_request_id, at, by_staff_id, action, detail FROM service_request_history
            WHERE service_request_id IN (\(binds: ids)) ORDER BY service_request_id, at, id
            """) {
            let entry = try StoredServiceRequestHistory(row: row)
            details.history[entry.serviceRequestId, default: []].append(entry)
        }
        details.assigneeNames = try await DirectoryQueries(db: db, readers: readers).names(Array(Set(srs.compactMap(\.assigneeStaffId))), known: knownNames)
        return details
    }

    // MARK: Segments

    /// The team whose segment this is: the viewer's own team when it is theirs, else looked up among the teams.
    func teamName(for segment: Segment, viewerTeam: String?) async throws -> String? {
        if let viewerTeam, Segment.forTeam(viewerTeam) == segment { return viewerTeam }
        let teams = try await StaffModel.query(on: db).unique().all(\.$team)
        return teams.first { Segment.forTeam($0) == segment }
    }

    /// Everyone who may be assigned a segment's work: a team's caseworkers, the SCR caseworkers, CFAT. The query
    /// reads the candidates (`membersCondition`); `Segment.hasMember` decides.
    func members(of segment: Segment, teamName: String?) async throws -> [StaffProfile] {
        guard let candidates = Self.membersCondition(of: segment, teamName: teamName) else { return [] }
        return try await DirectoryQueries(db: db, readers: readers).activeProfiles(where: candidates).filter { segment.hasMember($0) }
    }

    /// The same people by staff ID and name only, in staff ID order, for the hopper page's choice of assignee: the
    /// SCR hopper's is a couple of hundred people on every view, and reading each one's whole profile and roles was
    /// a sixth of the page. The condition asks what `Segment.hasMember` asks (active, holding the segment's
    /// `memberRole`, in the team for a team's segment); a test holds the two lists equal.
    func memberNames(of segment: Segment, teamName: String?) async throws -> [RecordQueries.SegmentMember] {
        guard let candidates = Self.membersCondition(of: segment, teamName: teamName) else { return [] }
        let rows = try await point.all(
            "SELECT st.staff_id, st.name FROM staff st WHERE st.active = \(bind: true) AND " + candidates + " ORDER BY st.staff_id")
        return try rows.map { SegmentMember(staffId: try $0.decode(column: "staff_id", as: String.self), name: try $0.decode(column: "name", as: String.self)) }
    }

    /// The `directory` change stamp, which every change to who is in the directory, their name, team or roles moves
    /// (`StampDirectoryChanges`).
    func directoryStamp() async throws -> Int64 {
        try await point.changeStamp(.directory)
    }

    /// Who may work a segment (on `st`): those holding its member role, and for a team's segment, in that team
    /// (none when the team is not known). The SCR and CFAT segments are found from their role's few holders; a
    /// team's from its ten people, each then checked for the role: asked as `IN` the holders of the caseworker role
    /// (45,000 at national volume) were read first, and the team hopper page fell from 1,462 to 229 a second.
    private static func membersCondition(of segment: Segment, teamName: String?) -> SQLQueryString? {
        let role = segment.memberRole.rawValue
        guard case .team = segment else { return "st.staff_id IN (SELECT staff_id FROM staff_roles WHERE role = \(bind: role))" }
        guard let teamName else { return nil }
        return "st.team = \(bind: teamName) AND EXISTS (SELECT 1 FROM staff_roles r WHERE r.staff_id = st.staff_id AND r.role = \(bind: role))"
    }

    // MARK: Finding records by what people type, and what an SR involves

    /// Finds a case by its id or case number.
    func findCase(_ text: String) async throws -> CaseModel? {
        if let id = UUID(uuidString: text) { return try await CaseModel.find(id, on: db) }
        return try await CaseModel.query(on: db).filter(\.$caseNumber == text.uppercased().trimmingCharacters(in: .whitespaces)).first()
    }

    /// Finds a contact by its id, NINO, SCIN or CRN.
    func findContact(_ text: String) async throws -> ContactModel? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let id = UUID(uuidString: trimmed) { return try await contact(id) }
        let compact = trimmed.uppercased().filter { !$0.isWhitespace }
        guard !compact.isEmpty else { return nil }
        return try await contacts(withIdentifier: compact).first.map(ContactModel.init)
    }

    /// Contacts whose NINO, SCIN or CRN is exactly `compact` (upper case, no spaces): each by its unique index, so
    /// at most three rows, read in place.
    func contacts(withIdentifier compact: String) async throws -> [StoredContact] {
        try await point.all("SELECT * FROM contacts c WHERE " + Self.identifierCondition(compact)).map(StoredContact.init(row:))
    }

    /// The contact (`c`) whose NINO, SCIN or CRN is `compact`.
    private static func identifierCondition(_ compact: String) -> SQLQueryString {
        "c.nino = \(bind: compact) OR c.scin = \(bind: compact) OR c.crn = \(bind: compact)"
    }

    /// The contacts an SR touches: linked directly, or through its case.
    func involvedContacts(_ sr: ServiceRequestModel) async throws -> [ContactModel] {
        var contacts = try await ServiceRequestContactModel.query(on: db).filter(\.$serviceRequest.$id == sr.id!).with(\.$contact).all().map(\.contact)
        if let caseId = sr.$case.id {
            contacts += try await CaseParticipantModel.query(on: db).filter(\.$case.$id == caseId).with(\.$contact).all().map(\.contact)
        }
        return contacts
    }

    /// The sensitive contacts each of these people's SRs in `statuses` involves (linked directly or through its case),
    /// by SR; SRs that involve none are left out. One statement on the indexes (SRs by assignee and status, covering;
    /// links by SR; participants by case; sensitive contacts by their partial index): a caseworker holds a hundred SRs or so, and only the few with a
    /// sensitive contact are read in full by the caller, rather than every one decoded to be looked at.
    func sensitiveContactsOfAssigned(_ staffIds: [String], statuses: [ServiceRequestStatus]) async throws -> [UUID: Set<UUID>] {
        guard !staffIds.isEmpty, !statuses.isEmpty else { return [:] }
        let theirs: SQLQueryString = " s.assignee_staff_id IN (\(binds: staffIds)) AND s.status IN (\(binds: statuses.map(\.rawValue)))"
        // Each contact is looked up in the partial index of sensitive ones (`IndexWorkReturnedAtExpiry`), not the
        // million-row table: PostgreSQL picks it for the literal `TRUE`; SQLite prefers the unique index on `id`
        // unless told, and was then five times slower.
        let sensitive: SQLQueryString = isSQLite ? "contacts c INDEXED BY contacts_sensitive" : "contacts c"
        // Each SR's case participants by the case's index. Joined plainly, PostgreSQL (costing a random read at four
        // sequential ones) hashed every sensitive contact's participants instead: a parallel scan of the million
        // participants, 155-206 ms a batch of a thousand holders at national volume, against 19-21 ms this way.
        // `OFFSET 0` keeps the subquery from being flattened back into that join. SQLite has no `LATERAL` and needs
        // no such help.
        let participants: SQLQueryString = isSQLite
            ? """
              SELECT s.id AS sr, c.id AS contact FROM service_requests s
                  JOIN case_participants p ON p.case_id = s.case_id
                  JOIN \(sensitive) ON c.id = p.contact_id AND c.sensitive = TRUE WHERE
              """
            : """
              SELECT s.id AS sr, x.contact FROM service_requests s CROSS JOIN LATERAL (
                  SELECT p.contact_id AS contact FROM case_participants p JOIN contacts c ON c.id = p.contact_id AND c.sensitive = TRUE
                  WHERE p.case_id = s.case_id OFFSET 0) x WHERE
              """
        let rows = try await sql.rowsReadByType("""
            SELECT s.id AS sr, c.id AS contact FROM service_requests s
                JOIN service_request_contacts l ON l.service_request_id = s.id
                JOIN \(sensitive) ON c.id = l.contact_id AND c.sensitive = TRUE WHERE
            """ + theirs + " UNION ALL " + participants + theirs)
        var found: [UUID: Set<UUID>] = [:]
        for row in rows {
            found[try row.decode(column: "sr", as: UUID.self), default: []].insert(try row.decode(column: "contact", as: UUID.self))
        }
        return found
    }

    /// Service requests by id, in id order, as plain values.
    func serviceRequests(ids: [UUID]) async throws -> [StoredServiceRequest] {
        guard !ids.isEmpty else { return [] }
        return try await sql.rowsReadByType("SELECT * FROM service_requests WHERE id IN (\(binds: ids)) ORDER BY id").map(StoredServiceRequest.init(row:))
    }
}
