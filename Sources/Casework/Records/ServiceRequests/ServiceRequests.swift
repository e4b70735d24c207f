import CaseworkCore
import Fluent
import Vapor

/// Service requests and hoppers: raising, linking, status, routing, assignment and CFAT support. Which contacts
/// a person may see is `Records`' rule (`Records.decide`), asked here for every contact an SR involves.
struct ServiceRequests: RepositoryService {
    let context: ServiceContext
    let repository: @Sendable (any Database) -> any ServiceRequestRepository
    static let fluent: @Sendable (any Database) -> any ServiceRequestRepository = { FluentServiceRequestRepository(db: $0) }

    /// This server's lists of the SCR and CFAT segments' members (see `SegmentMembersCache`); nil reads every one.
    var members: SegmentMembersCache? = nil

    /// The rows as they are now, outside the write lane.
    private var rows: any ServiceRequestRepository { repository(db) }

    init(context: ServiceContext, repository: @escaping @Sendable (any Database) -> any ServiceRequestRepository) {
        self.context = context
        self.repository = repository
    }

    /// For a route: the request's context, and this server's `SegmentMembersCache`.
    init(request: Request) {
        self.init(context: request.service, repository: Self.fluent)
        members = request.casework.segmentMembers
    }

    // MARK: Creating and reading

    func createServiceRequest(_ form: NewServiceRequest) async throws -> ServiceRequestDTO {
        let user = try context.requireRole(.caseworker, .teamLeader, .scrCaseworker, .scrManager, .cfat)
        var failure = ValidationFailure()
        let type = ServiceRequestType(rawValue: form.type ?? "")
        if type == nil {
            failure.add("type", "Choose the type: one of \(ServiceRequestType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let description = (form.description ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if description.isEmpty { failure.add("description", "Describe what needs doing") }
        if description.count > 2000 { failure.add("description", "Description must be 2,000 characters or fewer") }
        let (caseRecord, contact) = try await resolveLinkTargets(caseText: form.caseId, contactText: form.contactId, failure: &failure)
        try failure.throwIfAny()
        let grants = try await Records.grants(for: user.profile.staffId, at: now, on: db)
        let caseId = caseRecord?.id
        let contactId = contact?.id
        let outcome: Records.Audited<UUID> = try await context.write { [repository] ctx in
            let rows = repository(ctx.db)
            if let denial = try await Self.checkLinkRights(caseId: caseId, contactId: contactId, user: user, grants: grants, rows: rows, ctx: ctx,
                                                           context: "tried to link to a new service request") {
                return .denied(denial)
            }
            let sr = ServiceRequestModel(type: type!, description: description, owningTeam: user.profile.team, creator: user.staffId, at: ctx.now)
            sr.$case.id = caseId
            sr.needsFinanceSupport = form.needsFinanceSupport ?? false
            try await rows.add(sr, linkedTo: contactId)
            try await Self.history(sr.id!, in: rows, at: ctx.now, by: user.staffId, .created, "\(type!.displayName) raised by \(user.profile.label)")
            try await ctx.audit(AuditEntry(user.actor, "sr.create", subjectType: "serviceRequest", subjectId: sr.id!.text,
                                           detail: "\(sr.reference) \(type!.rawValue)\(caseId == nil ? "" : "; case linked")\(contactId == nil ? "" : "; contact linked")"))
            return .allowed(sr.id!)
        }
        return try await viewServiceRequest(try linkOutcome(outcome))
    }

    /// Finds the case (by number or id) and contact (by NINO, SCIN, CRN or id) a form names; what is not found is added to `failure`.
    private func resolveLinkTargets(caseText: String?, contactText: String?, failure: inout ValidationFailure) async throws -> (CaseModel?, ContactModel?) {
        let caseText = (caseText ?? "").trimmingCharacters(in: .whitespaces)
        let contactText = (contactText ?? "").trimmingCharacters(in: .whitespaces)
        var caseRecord: CaseModel?
        if !caseText.isEmpty {
            caseRecord = try await RecordQueries(db: db).findCase(caseText)
            if caseRecord == nil { failure.add("caseId", "There is no case \(caseText): give a case number like CM-1000001") }
        }
        var contact: ContactModel?
        if !contactText.isEmpty {
            contact = try await RecordQueries(db: db).findContact(contactText)
            if contact == nil { failure.add("contactId", "There is no contact \(contactText): give a NINO, SCIN, CRN or contact id") }
        }
        return (caseRecord, contact)
    }

    /// A link refused by the visibility policy is a 403, named for what was refused.
    private func linkOutcome(_ outcome: Records.Audited<UUID>) throws -> UUID {
        switch outcome {
        case .allowed(let id): return id
        case .denied(let why): throw DomainError.forbidden("You may not link this sensitive contact: \(why)")
        }
    }

    /// Every contact a link would touch (the contact, and a case's participants) must be linkable by the caller.
    /// Returns the refusal after auditing it, or nil.
    static func checkLinkRights(caseId: UUID?, contactId: UUID?, user: CurrentUser, grants: [GrantCoverage], rows: any ServiceRequestRepository,
                                ctx: WriteContext, context: String) async throws -> String? {
        var contacts: [ContactModel] = []
        if let contactId, let contact = try await rows.contact(contactId) { contacts.append(contact) }
        if let caseId {
            contacts += try await rows.participants(ofCase: caseId)
        }
        for contact in contacts where contact.sensitive {
            let decision = Records.decide(contact, .link, user: user, grants: grants, at: ctx.now)
            try await Records.auditAccess(ctx, user: user, contact: contact, action: "sr.link", decision: decision, context: context)
            if case .denied(let why) = decision { return why }
        }
        return nil
    }

    static func history(_ id: UUID, in rows: any ServiceRequestRepository, at now: Date, by: String?, _ action: ServiceRequestHistoryAction,
                        _ detail: String) async throws {
        try await rows.addHistory(ServiceRequestHistoryModel(serviceRequestId: id, at: now, by: by, action: action, detail: detail))
    }

    /// A service request with its links; linked sensitive contacts the caller may not see show as "restricted record".
    /// Each linked sensitive contact's view or refusal is audited, committed before the answer goes out.
    func viewServiceRequest(_ id: UUID) async throws -> ServiceRequestDTO {
        let user = try context.requireRole(.caseworker, .teamLeader, .scrCaseworker, .scrManager, .cfat)
        guard let sr = try await RecordQueries(db: db, readers: context.readers).serviceRequest(id) else {
            throw DomainError.notFound("There is no service request with id \(id.text)")
        }
        return try await serviceRequestDTOs([sr], user: user)[0]
    }

    /// Several SRs as their pages show them. Read outside the write lane in five queries whatever their number
    /// (`RecordQueries.details`: cases, linked contacts, history and assignees' names for all of them at once, and the
    /// caller's grants only when a linked contact is sensitive); the lane only records the views and refusals of
    /// sensitive contacts, so a page of SRs shares one insert and one commit with every other audited read.
    private func serviceRequestDTOs(_ srs: [StoredServiceRequest], user: CurrentUser) async throws -> [ServiceRequestDTO] {
        guard !srs.isEmpty else { return [] }
        let details = try await RecordQueries(db: db, readers: context.readers).details(of: srs, knownNames: [user.staffId: user.profile.name])
        let needsGrants = details.linkedContacts.values.joined().contains { Visibility.dependsOnGrants(sensitive: $0.sensitive, role: user.role) }
        let grants = needsGrants ? try await Records.grants(for: user.profile.staffId, at: now, on: db, readers: context.readers) : []
        let at = now
        var events: [AuditEntry] = []
        let answers = srs.map { sr -> ServiceRequestDTO in
            let listings = (details.linkedContacts[sr.id] ?? []).map { contact -> ContactListingDTO in
                let decision = Records.decide(contact, .view, user: user, grants: grants, at: at)
                events += Records.accessEntries(user: user, contact: contact, action: "sr.view", decision: decision, context: "linked to \(sr.reference)")
                return ContactListingDTO(contact, visible: decision.isAllowed)
            }
            return ServiceRequestDTO(sr, contacts: listings, details: details)
        }
        // Committed before the answer goes out: no one sees a linked contact the trail does not record.
        try await context.audit(events)
        return answers
    }

    /// Service requests assigned to or raised by a person, newest first: a bounded page on that column's index,
    /// read in place.
    func serviceRequests(of party: RecordQueries.SRParty, _ staffId: String, openOnly: Bool = true, limit: Int = 50) async throws -> [StoredServiceRequest] {
        try await RecordQueries(db: db, readers: context.readers).serviceRequests(of: party, staffId, openOnly: openOnly, limit: limit, after: nil)
    }

    /// One page of the SRs assigned to the caller, newest first, each as its page shows it. The visibility of every
    /// linked contact is decided, and its audit committed, for the whole page at once.
    func assignedServiceRequests(limit: Int, cursor: String?) async throws -> (items: [ServiceRequestDTO], next: String?) {
        let user = try context.requireRole(.caseworker, .teamLeader, .scrCaseworker, .scrManager, .cfat)
        let after = try Paging.cursorId(cursor)
        let rows = try await RecordQueries(db: db, readers: context.readers).assignedTo(user.staffId, openOnly: true, limit: limit + 1, after: after)
        let page = Array(rows.prefix(limit))
        return (try await serviceRequestDTOs(page, user: user), rows.count > limit ? page.last?.id.text : nil)
    }

    // MARK: Links and status

    func link(_ id: UUID, caseText: String?, contactText: String?) async throws -> ServiceRequestDTO {
        let user = try context.requireRole(.caseworker, .teamLeader, .scrCaseworker, .scrManager, .cfat)
        var failure = ValidationFailure()
        if (caseText ?? "").trimmingCharacters(in: .whitespaces).isEmpty && (contactText ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            failure.add("contactId", "Give a contact (NINO, SCIN, CRN or id) or a case number to link")
        }
        let (caseRecord, contact) = try await resolveLinkTargets(caseText: caseText, contactText: contactText, failure: &failure)
        try failure.throwIfAny()
        let grants = try await Records.grants(for: user.profile.staffId, at: now, on: db)
        let caseId = caseRecord?.id
        let contactId = contact?.id
        let outcome: Records.Audited<UUID> = try await context.write { [repository] ctx in
            let rows = repository(ctx.db)
            guard let sr = try await rows.serviceRequest(id) else {
                throw DomainError.notFound("There is no service request with id \(id.text)")
            }
            guard sr.status == .open else {
                throw DomainError.conflict("Links can be changed only while the service request is Open; it is \(sr.status.displayName)")
            }
            if let caseId, let current = sr.$case.id, current != caseId {
                throw DomainError.conflict("This service request is already linked to another case")
            }
            if let denial = try await Self.checkLinkRights(caseId: caseId, contactId: contactId, user: user, grants: grants, rows: rows, ctx: ctx,
                                                           context: "tried to link to \(sr.reference)") {
                return .denied(denial)
            }
            var notes: [String] = []
            if let caseId, sr.$case.id == nil {
                sr.$case.id = caseId
                notes.append("case linked")
            }
            if let contactId {
                if try await !rows.isLinked(id, to: contactId) {
                    try await rows.link(id, to: contactId)
                    notes.append("contact linked")
                }
            }
            guard !notes.isEmpty else { throw DomainError.conflict("That is already linked") }
            sr.updatedAt = ctx.now
            try await rows.save(sr)
            try await Self.history(id, in: rows, at: ctx.now, by: user.staffId, .linked, notes.joined(separator: "; "))
            try await ctx.audit(AuditEntry(user.actor, "sr.link", subjectType: "serviceRequest", subjectId: id.text,
                                           detail: "\(sr.reference): \(notes.joined(separator: "; "))\(contactId.map { "; contact \($0.text)" } ?? "")"))
            return .allowed(id)
        }
        return try await viewServiceRequest(try linkOutcome(outcome))
    }

    /// Moves a service request on; Pending Assignment routes it by the work allocation rules (audited with the rule).
    func setStatus(_ id: UUID, to text: String) async throws -> ServiceRequestDTO {
        let user = try context.requireRole(.caseworker, .teamLeader, .scrCaseworker, .scrManager, .cfat)
        guard let target = ServiceRequestStatus(rawValue: text) else {
            throw ValidationFailure(["status": "Status must be one of \(ServiceRequestStatus.allCases.map(\.rawValue).joined(separator: ", "))"])
        }
        let grants = try await Records.grants(for: user.profile.staffId, at: now, on: db)
        let outcome: Records.Audited<UUID> = try await context.write { [repository] ctx in
            let rows = repository(ctx.db)
            guard let sr = try await rows.serviceRequest(id) else {
                throw DomainError.notFound("There is no service request with id \(id.text)")
            }
            if let refusal = ServiceRequestTransitions.refusal(try sr.facts, to: target, by: user.profile.staffId) { throw refusal }
            let from = sr.status
            if target == .pendingAssignment {
                let contacts = try await RecordQueries(db: ctx.db).involvedContacts(sr)
                // Routing work about a sensitive contact needs the right to link it (SCR role, or a routing grant).
                for contact in contacts where contact.sensitive {
                    let decision = Records.decide(contact, .link, user: user, grants: grants, at: ctx.now)
                    if case .denied(let why) = decision {
                        try await Records.auditAccess(ctx, user: user, contact: contact, action: "sr.route", decision: decision, context: "tried to set \(sr.reference) to Pending Assignment")
                        return .denied(why)
                    }
                }
                let route = WorkAllocation.route(RoutingFacts(
                    type: sr.type, hasSensitiveContact: contacts.contains(where: \.sensitive), isFinanceSupportRequest: sr.parentId != nil,
                    needsFinanceSupport: sr.needsFinanceSupport, owningTeam: sr.owningTeam))
                sr.segment = route.segment.id
                sr.routingRule = route.rule
                sr.routedAt = ctx.now
                sr.assigneeStaffId = nil
                sr.status = target
                sr.updatedAt = ctx.now
                try await rows.save(sr)
                try await Self.history(id, in: rows, at: ctx.now, by: user.staffId, .routed, "Pending Assignment: routed to the \(route.segment.displayName(teamName: sr.owningTeam)) hopper (\(route.rule))")
                try await ctx.audit(AuditEntry(user.actor, "sr.route", subjectType: "serviceRequest", subjectId: id.text,
                                               detail: "\(sr.reference) \(from.rawValue) -> pendingAssignment; segment \(route.segment.id); rule \(route.rule)"))
                return .allowed(id)
            }
            sr.status = target
            sr.updatedAt = ctx.now
            try await rows.save(sr)
            try await Self.history(id, in: rows, at: ctx.now, by: user.staffId, .status, "\(from.displayName) -> \(target.displayName)")
            try await ctx.audit(AuditEntry(user.actor, "sr.status", subjectType: "serviceRequest", subjectId: id.text,
                                           detail: "\(sr.reference) \(from.rawValue) -> \(target.rawValue)"))
            return .allowed(id)
        }
        switch outcome {
        case .allowed(let id): return try await viewServiceRequest(id)
        case .denied(let why): throw DomainError.forbidden("You may not route work about this sensitive contact: \(why)")
        }
    }

    // MARK: Hoppers and assignment

    /// A segment named in a path: scr, cfat, or the segment of a team someone works in, with the name its hopper
    /// shows.
    func segment(named id: String) async throws -> (segment: Segment, name: String) {
        let segment = Segment(id: id)
        guard case .team = segment else { return (segment, segment.displayName(teamName: nil)) }
        guard let team = try await RecordQueries(db: db).teamName(for: segment, viewerTeam: context.caller?.profile.team) else {
            throw DomainError.notFound("There is no segment \(id): use scr, cfat or a team's segment")
        }
        return (segment, team)
    }

    /// People who may see the hopper: its members and those who may assign from it.
    static func checkHopperAccess(_ segment: Segment, user: CurrentUser) throws {
        guard let role = user.role, segment.hasMember(user.profile) || segment.mayAssign(user.profile, actingAs: role) else {
            throw DomainError.forbidden("Only the \(segment.displayName(teamName: nil)) segment's members and its team leader may see its hopper")
        }
    }

    /// The SRs waiting in a segment's hopper, oldest first. The cursor is the last SR of the page before, so a deep
    /// page costs what the first does, and an SR assigned meanwhile moves nothing else.
    func hopper(_ segment: Segment, limit: Int, after cursor: String?) async throws -> (items: [HopperItemDTO], next: String?) {
        let user = try context.requireUser()
        try Self.checkHopperAccess(segment, user: user)
        let rows = try await RecordQueries(db: db, readers: context.readers).hopperPage(segment: segment.id, limit: limit + 1, after: try Paging.cursorId(cursor))
        let page = Array(rows.prefix(limit))
        let items = page.map { sr -> HopperItemDTO in
            let routed = sr.routedAt ?? sr.createdAt
            // Whole seconds first: a stored instant may differ from the clock's by microseconds.
            let minutes = max(0, Int(now.timeIntervalSince(routed).rounded()) / 60)
            return HopperItemDTO(id: sr.id.text, reference: sr.reference, type: sr.type, typeName: sr.type.displayName,
                                 routedAt: CaseworkTime.iso8601(routed), ageMinutes: minutes, age: Self.describeAge(minutes: minutes),
                                 owningTeam: sr.owningTeam, routingRule: sr.routingRule)
        }
        return (items, rows.count > limit ? page.last?.id.text : nil)
    }

    static func describeAge(minutes: Int) -> String {
        if minutes < 60 { return "\(minutes) minute\(minutes == 1 ? "" : "s")" }
        let hours = minutes / 60
        if hours < 48 { return "\(hours) hour\(hours == 1 ? "" : "s")" }
        return "\(hours / 24) days"
    }

    /// Everyone who works a segment, for the assignment choice.
    func members(of segment: Segment, teamName: String?) async throws -> [StaffProfile] {
        try await RecordQueries(db: db, readers: context.readers).members(of: segment, teamName: teamName)
    }

    /// The same people as the hopper page's choice offers them, from this server's `SegmentMembersCache` while the
    /// directory has not changed.
    func assigneeChoices(of segment: Segment, teamName: String?) async throws -> AssigneeChoices {
        let queries = RecordQueries(db: db, readers: context.readers)
        let read = { AssigneeChoices(try await queries.memberNames(of: segment, teamName: teamName)) }
        guard let members else { return try await read() }
        return try await members.answer(segment, stamp: try await context.changeStamp(.directory) { try await queries.directoryStamp() }, read: read)
    }

    /// Assigns an SR from its hopper. Two people assigning at once: the second finds it no longer pending (409).
    func assign(_ id: UUID, to staffIdText: String) async throws -> ServiceRequestDTO {
        let user = try context.requireUser()
        guard let role = user.role else { throw DomainError.forbidden("Choose a role first") }
        if staffIdText.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationFailure(["staffId": "Choose who to assign it to"])
        }
        let assigneeId = try StaffID.parse(staffIdText)
        guard let assigneeRow = try await context.directory.find(assigneeId.value) else {
            throw ValidationFailure(["staffId": "No one in the directory has staff ID \(assigneeId)"])
        }
        let assignee = try assigneeRow.profile(roles: assigneeRow.loadedRoles)
        let assigneeGrants = try await Records.grants(for: assigneeId, at: now, on: db)
        let assigned: UUID = try await context.write { [repository] ctx in
            let rows = repository(ctx.db)
            guard let sr = try await rows.serviceRequest(id) else {
                throw DomainError.notFound("There is no service request with id \(id.text)")
            }
            let contacts = try await RecordQueries(db: ctx.db).involvedContacts(sr)
            let maySee = contacts.filter(\.sensitive).allSatisfy { Visibility.maySee(contactId: $0.id!.text, sensitive: true, person: assignee, grants: assigneeGrants, at: ctx.now) }
            if let refusal = WorkAllocation.checkAssignment(
                status: sr.status, segment: sr.segment.map(Segment.init(id:)), assigner: user.profile, assignerRole: role,
                assignee: assignee, assigneeMaySeeSensitiveContacts: maySee) {
                throw refusal
            }
            sr.assigneeStaffId = assignee.staffId.value
            sr.status = ServiceRequestStatus.assigned
            sr.updatedAt = ctx.now
            try await rows.save(sr)
            try await Self.history(id, in: rows, at: ctx.now, by: user.staffId, .assigned, "assigned to \(assignee.label) from the \(sr.segment ?? "") hopper")
            try await ctx.audit(AuditEntry(user.actor, "sr.assign", subjectType: "serviceRequest", subjectId: id.text,
                                           detail: "\(sr.reference) assigned to \(assignee.staffId) from hopper \(sr.segment ?? "")"))
            return id
        }
        return try await viewServiceRequest(assigned)
    }

    // MARK: CFAT support

    /// An SCR caseworker asks CFAT for a finance action on an SR. The support request carries the parent's reference and
    /// what CFAT must do, but no contact: CFAT sees no sensitive contact's details.
    func raiseFinanceSupport(_ parentId: UUID, type text: String, details: String) async throws -> ServiceRequestDTO {
        let user = try context.requireRole(.scrCaseworker)
        var failure = ValidationFailure()
        let type = ServiceRequestType(rawValue: text)
        if type == nil || !ServiceRequestType.financeSupportTypes.contains(type!) {
            failure.add("type", "Choose the finance action: paymentReassign or suspenseAccountClearOnline")
        }
        let what = details.trimmingCharacters(in: .whitespacesAndNewlines)
        if what.isEmpty { failure.add("details", "Say what CFAT should do: amounts, payment references, the account to clear") }
        if what.count > 2000 { failure.add("details", "Details must be 2,000 characters or fewer") }
        try failure.throwIfAny()
        let created: UUID = try await context.write { [repository] ctx in
            let rows = repository(ctx.db)
            guard let parent = try await rows.serviceRequest(parentId) else {
                throw DomainError.notFound("There is no service request with id \(parentId.text)")
            }
            if let refusal = FinanceSupport.refusal(role: user.role, reference: parent.reference, status: parent.status,
                                                    isSupportRequest: parent.parentId != nil) {
                throw DomainError.conflict(refusal.message)
            }
            let sr = ServiceRequestModel(type: type!, description: "Finance support for \(parent.reference): \(what)", owningTeam: user.profile.team,
                                         creator: user.staffId, at: ctx.now)
            sr.needsFinanceSupport = true
            sr.parentId = parentId
            let route = WorkAllocation.route(RoutingFacts(type: type!, hasSensitiveContact: false, isFinanceSupportRequest: true,
                                                          needsFinanceSupport: true, owningTeam: user.profile.team))
            sr.status = ServiceRequestStatus.pendingAssignment
            sr.segment = route.segment.id
            sr.routingRule = route.rule
            sr.routedAt = ctx.now
            try await rows.add(sr, linkedTo: nil)
            try await Self.history(sr.id!, in: rows, at: ctx.now, by: user.staffId, .created, "finance support requested for \(parent.reference)")
            try await Self.history(sr.id!, in: rows, at: ctx.now, by: user.staffId, .routed, "Pending Assignment: routed to the \(route.segment.id) hopper (\(route.rule))")
            try await Self.history(parentId, in: rows, at: ctx.now, by: user.staffId, .financeSupport, "asked CFAT for \(type!.displayName): \(sr.reference)")
            try await ctx.audit(AuditEntry(user.actor, "sr.financeSupport", subjectType: "serviceRequest", subjectId: sr.id!.text,
                                           detail: "\(sr.reference) \(type!.rawValue) for \(parent.reference); segment \(route.segment.id); rule \(route.rule)"))
            return sr.id!
        }
        return try await viewServiceRequest(created)
    }
}
