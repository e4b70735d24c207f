import CaseworkCore
import Fluent
import Vapor

/// Temporary SCR access: the CSUA150 request, its three-stage decision chain, and the grant.
struct TemporaryAccess: RepositoryService {
    let context: ServiceContext
    let repository: @Sendable (any Database) -> any AccessRepository
    static let fluent: @Sendable (any Database) -> any AccessRepository = { FluentAccessRepository(db: $0) }

    /// Rows read outside the write lane.
    private var stored: any AccessRepository { repository(db) }
    /// The hot reads outside the write lane: by key, point reads on SQLite.
    private var queries: AccessQueries { AccessQueries(db: db, readers: context.readers) }
    /// This server's pages of the lists a role shares (see `AccessListCache`); nil reads every one.
    var lists: AccessListCache? = nil
    /// The change stamp, read once for all the shared lists one request shows.
    var listStamp = AccessListCache.StampOfOneRequest()

    func create(_ form: NewAccessRequest) async throws -> AccessRequestDTO {
        let user = try context.requireRole(.caseworker)
        var failure = ValidationFailure()
        let valid = form.input.validated(for: user.profile, into: &failure)
        var serviceRequest: ServiceRequestModel?
        let srText = (form.serviceRequestId ?? "").trimmingCharacters(in: .whitespaces)
        if srText.isEmpty {
            failure.add("serviceRequestId", "Give the service request this access is for")
        } else {
            serviceRequest = try await stored.serviceRequest(srText)
        }
        if !srText.isEmpty && serviceRequest == nil { failure.add("serviceRequestId", "There is no service request \(srText)") }
        // The sensitive contact: chosen by id, or named by NINO or SCIN and resolved.
        var contact: ContactModel?
        for text in [form.contactId, form.nino, form.scin].compactMap({ $0?.trimmingCharacters(in: .whitespaces) }) where !text.isEmpty && contact == nil {
            contact = try await RecordQueries(db: db).findContact(text)
        }
        let named = [form.contactId, form.nino, form.scin].contains { !($0 ?? "").trimmingCharacters(in: .whitespaces).isEmpty }
        if named && contact == nil { failure.add("contactId", "No contact matches the contact id, NINO or SCIN given") }
        if let contact, !contact.sensitive { failure.add("contactId", "That contact is not sensitive: no temporary access is needed to see it") }
        if form.purpose == GrantPurpose.viewContact.rawValue && contact == nil && failure["contactId"] == nil {
            failure.add("contactId", "Name the sensitive contact to view: its NINO, SCIN or contact id")
        }
        try failure.throwIfAny()
        guard let valid, let sr = serviceRequest else { throw failure }
        let contactId = contact?.id
        let id: UUID = try await context.write { ctx in
            let record = AccessRequestModel()
            record.id = UUID()
            record.reference = "CSUA-" + String(record.id!.text.prefix(8))
            record.status = AccessRequestStatus.awaitingTeamLeader
            record.requesterStaffId = user.staffId
            record.teamLeaderStaffId = user.profile.teamLeaderStaffId?.value
            record.serviceRequestId = sr.id
            record.contactId = contactId
            record.details = valid
            record.createdAt = ctx.now
            record.updatedAt = ctx.now
            try await repository(ctx.db).add(record)
            await ctx.insertAtCommit(AccessRequestHistoryModel(requestId: record.id!, at: ctx.now, by: user.staffId, action: .submitted, reason: nil))
            try await Inbox.notify(ctx, to: record.teamLeaderStaffId, kind: .awaitingYou,
                                   text: "Temporary access request \(record.reference) from \(user.staffId) awaits your countersignature",
                                   link: "/access-requests/\(record.id!.text)", request: record.id)
            try await ctx.audit(AuditEntry(user.actor, "access.request", subjectType: "accessRequest", subjectId: record.id!.text,
                                           detail: "\(record.reference) \(valid.purpose.rawValue) for \(valid.minutes) minutes on \(sr.reference); awaiting team leader \(record.teamLeaderStaffId ?? "")"))
            return record.id!
        }
        return try await view(id)
    }

    /// "Start a new form": the caller's own rejected, returned or withdrawn request, with its SR's reference, to copy
    /// into a new CSUA150 (`AccessPolicy.copyableStatuses`).
    func copyable(_ text: String) async throws -> (record: AccessRequestModel, serviceRequestReference: String?) {
        let user = try context.requireRole(.caseworker)
        guard let id = UUID(uuidString: text), let old = try await stored.request(id) else {
            throw DomainError.notFound("There is no access request with id \(text) to copy")
        }
        guard old.requesterStaffId == user.staffId else { throw DomainError.forbidden("You can start a new form only from your own request") }
        guard AccessPolicy.copyableStatuses.contains(old.status) else {
            throw DomainError.conflict("\(old.reference) is \(old.status.displayName.lowercased()): only a rejected, returned or withdrawn request is copied into a new form")
        }
        let sr = try await old.serviceRequestId.asyncMap { try await stored.serviceRequest($0.text) } ?? nil
        return (old, sr?.reference)
    }

    /// The requester, their team leader, the deciders, SCR managers and provisioning may read a request.
    func view(_ id: UUID) async throws -> AccessRequestDTO {
        let user = try context.requireUser()
        guard let record = try await queries.request(id) else {
            throw DomainError.notFound("There is no access request with id \(id.text)")
        }
        guard AccessPolicy.mayView(requester: record.requesterStaffId, teamLeader: record.teamLeaderStaffId, viewer: user.staffId, role: user.role) else { throw DomainError.forbidden("Only the requester, their team leader, SCR managers and provisioning may see this request") }
        return try await dto(record)
    }

    /// A request as the chain's rules see it, for a page's "may I decide?" (`AccessRequestChain.mayDecide`).
    func facts(_ id: UUID) async throws -> AccessRequestFacts {
        guard let record = try await queries.request(id) else {
            throw DomainError.notFound("There is no access request with id \(id.text)")
        }
        return try record.facts(deciders: try await queries.deciders(of: id))
    }

    /// Inside a write job: who has decided each stage, from the stored decision rows and those this batch has queued
    /// and not yet inserted.
    static func deciders(_ id: UUID, ctx: WriteContext) async throws -> [AccessStage: StaffID] {
        let stored = try await AccessQueries(db: ctx.db).decisionRows(of: id)
        let queued = await ctx.queued(AccessDecisionModel.self).filter { $0.requestId == id }.map(StoredDecision.init)
        return try AccessQueries.deciders(stored + queued)
    }

    func dto(_ record: AccessRequestModel) async throws -> AccessRequestDTO {
        try await dtos([StoredAccessRequest(record)])[0]
    }

    /// One request as the API answers it, whose grant (if any) the caller has read already.
    func dto(_ record: AccessRequestModel, grant: UUID?) async throws -> AccessRequestDTO {
        try await dtos([StoredAccessRequest(record)], grants: [record.id!: grant].compactMapValues { $0 })[0]
    }

    /// Requests as the API answers them, in four queries however many there are (three when the caller has read
    /// their grants: each request's grant id, by request id).
    func dtos(_ records: [StoredAccessRequest], grants: [UUID: UUID]? = nil) async throws -> [AccessRequestDTO] {
        let details = try await queries.details(of: records, grants: grants)
        return try records.map { record in
            guard let requester = details.staff[record.requesterStaffId] else {
                throw Directory.noOne(with: record.requesterStaffId)
            }
            let leader = record.teamLeaderStaffId.flatMap { details.staff[$0] }
            return AccessRequestDTO(standing: .init(
                id: record.id.text, reference: record.reference, status: record.status, statusName: record.status.displayName,
                purposeName: record.form.purpose.displayName, requester: StaffDTO(requester), teamLeader: leader.map(StaffDTO.init),
                serviceRequestId: record.serviceRequestId?.text, contactId: record.contactId?.text,
                history: (details.history[record.id] ?? []).map { AccessHistoryDTO(at: CaseworkTime.iso8601($0.at), by: $0.byStaffId, action: $0.action, reason: $0.reason) },
                grantId: details.grants[record.id]?.text),
                details: record.details(phoneIfNoneGiven: requester.phone))
        }
    }

    /// Requests by status, or those waiting for the caller's decision: one page, waiting ones oldest first, others
    /// newest first. SCR managers and provisioning see every request; anyone else those they asked for or countersign.
    func list(status: String?, awaitingMe: Bool, limit: Int = Paging.defaultLimit, cursor: String? = nil) async throws -> Listed<AccessRequestDTO> {
        guard let (filter, after) = try listFilter(status: status, awaitingMe: awaitingMe, askedByMe: false, cursor: cursor) else { return .none }
        return try await shared(filter, after: after, limit: limit, shape: .requests) {
            let (page, next) = try await queries.page(filter, limit: limit, after: after)
            return Listed(items: try await dtos(page), next: next)
        }
    }

    /// The same page as stored requests with their requesters' names, for the lists on the pages, which print a few
    /// fields of each: the history, grants and team leaders a whole request carries are not read (reading them for
    /// the hundred rows of an SCR manager's list was most of its page's time). `askedByMe` keeps to the requests the
    /// caller asked for, unless they oversee every request (the page's "Requests": a team leader's team's requests
    /// are not listed there).
    func listRows(status: String?, awaitingMe: Bool, askedByMe: Bool = false, limit: Int = Paging.defaultLimit, cursor: String? = nil)
        async throws -> Listed<ListedRow> {
        let user = try context.requireUser()
        guard let (filter, after) = try listFilter(status: status, awaitingMe: awaitingMe, askedByMe: askedByMe, cursor: cursor) else { return .none }
        return try await shared(filter, after: after, limit: limit, shape: .rows) {
            let (page, next) = try await queries.page(filter, limit: limit, after: after)
            let names = try await DirectoryQueries(db: db, readers: context.readers).names(Array(Set(page.map(\.requesterStaffId))),
                                                                                           known: [user.staffId: user.profile.name])
            return Listed(items: try page.map { record in
                guard let name = names[record.requesterStaffId] else {
                    throw Directory.noOne(with: record.requesterStaffId)
                }
                return ListedRow(request: record, requesterName: name)
            }, next: next)
        }
    }

    /// How many requests wait for the caller's decision in all (their page lists fifty at a time): as shared as the
    /// list itself, so an SCR manager's count is kept with their list while nothing has changed.
    func countAwaitingMe() async throws -> Int {
        guard let (filter, _) = try listFilter(status: nil, awaitingMe: true, askedByMe: false, cursor: nil) else { return 0 }
        return try await shared(filter, after: nil, limit: 0, shape: .count) { try await queries.count(filter) }
    }

    /// One page of a list, as `list` and `listRows` answer it and `AccessListCache` keeps it.
    struct Listed<Item: Sendable>: Sendable {
        let items: [Item]
        /// Where the next page starts, when there is one (the last request's id).
        let next: String?

        static var none: Listed { Listed(items: [], next: nil) }
    }

    struct ListedRow: Sendable {
        let request: StoredAccessRequest
        let requesterName: String
    }

    /// Which requests a list shows (the rule behind `list` and `listRows`), and after which; nil when nothing can
    /// be waiting for the caller.
    private func listFilter(status: String?, awaitingMe: Bool, askedByMe: Bool, cursor: String?) throws -> (AccessQueries.RequestFilter, UUID?)? {
        let user = try context.requireUser()
        var wanted: AccessRequestStatus?
        if let status, !status.isEmpty {
            guard let value = AccessRequestStatus(rawValue: status) else {
                throw ValidationFailure(["status": "status must be one of \(AccessRequestStatus.allCases.map(\.rawValue).joined(separator: ", "))"])
            }
            wanted = value
        }
        let filter: AccessQueries.RequestFilter
        if awaitingMe {
            guard let stage = AccessPolicy.statusAwaiting(user.role) else { return nil }
            // A status that is not the caller's stage leaves nothing awaiting them.
            if let wanted, wanted != stage { return nil }
            filter = stage == .awaitingTeamLeader ? .awaitingTeamLeader(user.staffId) : .atStage(stage)
        } else if AccessPolicy.overseesAll(user.role) {
            filter = .all(wanted)
        } else if askedByMe {
            filter = .requestedBy(user.staffId, wanted)
        } else {
            filter = .involving(user.staffId, wanted)
        }
        return (filter, try Paging.cursorId(cursor))
    }

    /// A page of a list everyone in a role shares, from this server's `AccessListCache` while nothing it shows has
    /// changed; any other list is read.
    private func shared<Page: Sendable>(_ filter: AccessQueries.RequestFilter, after: UUID?, limit: Int, shape: AccessListCache.Key.Shape,
                                        read: () async throws -> Page) async throws -> Page {
        guard filter.isShared, let lists else { return try await read() }
        // Read before the page, so a page read while a change commits is kept under the stamp from before it.
        let stamp = try await context.changeStamp(.accessRequests) { try await listStamp.read { try await queries.changeStamp() } }
        return try await lists.page(AccessListCache.Key(filter: filter, after: after, limit: limit, shape: shape), stamp: stamp, read: read)
    }

    /// One decision. The state is re-read inside the write lane, so a stale or repeated decision is a 409,
    /// and the grants table's unique request id means two racing approvals can never make two grants.
    func decide(_ id: UUID, decision text: String, reason: String?, durationMinutes: Int?) async throws -> AccessRequestDTO {
        let user = try context.requireUser()
        guard let role = user.role else { throw DomainError.forbidden("Choose a role first") }
        guard let decision = AccessDecision(rawValue: text) else {
            throw ValidationFailure(["decision": "decision must be approve, reject or return"])
        }
        try await context.write { ctx in
            let stored = AccessQueries(db: ctx.db)
            guard let record = try await stored.request(id) else {
                throw DomainError.notFound("There is no access request with id \(id.text)")
            }
            let facts = try record.facts(deciders: try await Self.deciders(id, ctx: ctx))
            let outcome = try AccessRequestChain.decide(facts, decision, by: user.profile.staffId, actingAs: role,
                                                        reason: reason, durationMinutes: durationMinutes).get()
            record.status = outcome.newStatus
            record.updatedAt = ctx.now
            try await stored.setStatus(of: id, to: outcome.newStatus, at: ctx.now)
            let why = reason?.trimmingCharacters(in: .whitespacesAndNewlines).nilIfEmpty
            await ctx.insertAtCommit(AccessRequestHistoryModel(requestId: id, at: ctx.now, by: user.staffId, action: .decided(outcome.stage, decision), reason: why))
            try await Monitoring.recordDecision(record, at: outcome.stage, ctx: ctx)
            var detail = "\(record.reference) \(outcome.stage.rawValue) \(decision.rawValue) -> \(outcome.newStatus.rawValue)\(why.map { ": \($0)" } ?? "")"
            if let minutes = outcome.grantMinutes {
                let grant = GrantModel()
                grant.id = UUID()
                grant.requestId = id
                grant.staffId = record.requesterStaffId
                grant.purpose = record.purpose
                grant.serviceRequestId = record.serviceRequestId
                grant.contactId = record.contactId
                // Whole seconds, so the expiry the API reports is exactly when access ends.
                grant.grantedAt = CaseworkTime.wholeSecond(ctx.now)
                grant.expiresAt = grant.grantedAt.addingTimeInterval(TimeInterval(minutes * 60))
                // At once, not with the batch's inserts: the grants table's unique request id is checked here.
                try await repository(ctx.db).add(grant)
                detail += "; grant \(grant.id!.text) for \(minutes) minutes until \(CaseworkTime.iso8601(grant.expiresAt))"
            }
            try await Inbox.settle(ctx, request: id, link: "/access-requests/\(id.text)")
            try await Self.notifyOutcome(ctx, record: record, newStatus: outcome.newStatus, reason: why, grantMinutes: outcome.grantMinutes)
            try await ctx.audit(AuditEntry(user.actor, "access.decide", subjectType: "accessRequest", subjectId: id.text, detail: detail))
        }
        return try await view(id)
    }

    /// Tells the next decider and, at each outcome, the requester and their team leader. Only the reference and a link:
    /// never a client's name, NINO or SCIN.
    static func notifyOutcome(_ ctx: WriteContext, record: AccessRequestModel, newStatus: AccessRequestStatus, reason: String?, grantMinutes: Int?) async throws {
        let link = "/access-requests/\(record.id!.text)"
        let request = record.id
        switch newStatus {
        case .awaitingScrManager:
            try await Inbox.notifyStage(ctx, .scr, text: "Temporary access request \(record.reference) awaits an SCR manager's decision", link: link, request: request)
        case .awaitingProvisioning:
            try await Inbox.notifyStage(ctx, .provisioning, text: "Temporary access request \(record.reference) awaits provisioning", link: link, request: request)
        case .granted:
            let text = "Temporary access \(record.reference) was granted for \(grantMinutes ?? record.requestedMinutes) minutes"
            try await Inbox.notify(ctx, to: record.teamLeaderStaffId, kind: .granted, text: text + ": tell \(record.requesterStaffId), and witness their log-off when it ends", link: link, request: request)
            try await Inbox.notify(ctx, to: record.requesterStaffId, kind: .granted, text: text, link: link, request: request)
        case .rejected, .returned:
            let text = "Temporary access request \(record.reference) was \(newStatus.rawValue): \(reason ?? "")"
            try await Inbox.notify(ctx, to: record.requesterStaffId, kind: newStatus == .rejected ? .rejected : .returned, text: text, link: link, request: request)
            try await Inbox.notify(ctx, to: record.teamLeaderStaffId, kind: newStatus == .rejected ? .rejected : .returned, text: text, link: link, request: request)
        case .awaitingTeamLeader, .withdrawn:
            break
        }
    }

    func withdraw(_ id: UUID) async throws -> AccessRequestDTO {
        let user = try context.requireUser()
        try await context.write { ctx in
            let stored = AccessQueries(db: ctx.db)
            guard let record = try await stored.request(id) else {
                throw DomainError.notFound("There is no access request with id \(id.text)")
            }
            if let refusal = AccessRequestChain.withdrawal(try record.facts(deciders: try await Self.deciders(id, ctx: ctx)), by: user.profile.staffId) { throw refusal }
            record.status = AccessRequestStatus.withdrawn
            record.updatedAt = ctx.now
            try await stored.setStatus(of: id, to: .withdrawn, at: ctx.now)
            await ctx.insertAtCommit(AccessRequestHistoryModel(requestId: id, at: ctx.now, by: user.staffId, action: .withdrawn, reason: nil))
            try await Inbox.settle(ctx, request: id, link: "/access-requests/\(id.text)")
            try await Inbox.notify(ctx, to: record.teamLeaderStaffId, kind: .withdrawn, text: "Temporary access request \(record.reference) was withdrawn by \(user.staffId)",
                                   link: "/access-requests/\(id.text)", request: id)
            try await ctx.audit(AuditEntry(user.actor, "access.withdraw", subjectType: "accessRequest", subjectId: id.text, detail: "\(record.reference) withdrawn"))
        }
        return try await view(id)
    }

    func grant(_ id: UUID) async throws -> GrantDTO {
        try await visibleGrant(id).grant
    }

    /// A grant as its page shows it: with the team leader who countersigned it, and its extension and removal
    /// requests.
    func grantWithChanges(_ id: UUID) async throws -> (grant: GrantDTO, teamLeader: String?, changes: [GrantChangeDTO]) {
        let (grant, leader) = try await visibleGrant(id)
        return (grant, leader, try await stored.changes(ofGrant: id).map(GrantChangeDTO.init))
    }

    /// The holder, their team leader, SCR managers and provisioning may see a grant.
    private func visibleGrant(_ id: UUID) async throws -> (grant: GrantDTO, teamLeader: String?) {
        let user = try context.requireUser()
        guard let (grant, leader) = try await stored.grantAndTeamLeader(id) else { throw DomainError.notFound("There is no grant with id \(id.text)") }
        guard AccessPolicy.mayViewGrant(holder: grant.staffId, teamLeader: leader, viewer: user.staffId, role: user.role) else {
            throw DomainError.forbidden("Only the holder, their team leader, SCR managers and provisioning may see this grant")
        }
        return (GrantDTO(grant, now: context.now), leader)
    }

    func grants(staffId: String?, status: String?) async throws -> [GrantDTO] {
        let user = try context.requireUser()
        let who = staffId ?? user.staffId
        guard AccessPolicy.mayListGrants(of: who, viewer: user.staffId, role: user.role) else {
            throw DomainError.forbidden("You may list only your own grants")
        }
        if let status, GrantState(rawValue: status) == nil { throw ValidationFailure(["status": "status must be active, expired or removed"]) }
        let now = context.now
        // A person's grants, through the holder index, read in place as plain values (a handful each).
        return try await StoredGrant.rows(on: db, readers: context.readers, where: "staff_id = \(bind: who)", orderBy: "granted_at")
            .map { GrantDTO($0, now: now) }.filter { status == nil || $0.status == status }
    }

}

extension TemporaryAccess {
    init(context: ServiceContext, repository: @escaping @Sendable (any Database) -> any AccessRepository) {
        self.context = context
        self.repository = repository
    }

    /// For a route: the request's context, and this server's `AccessListCache`.
    init(request: Request) {
        self.init(context: request.service, repository: Self.fluent)
        lists = request.casework.accessLists
    }
}
