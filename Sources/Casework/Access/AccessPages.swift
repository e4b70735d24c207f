import CaseworkCore
import Fluent
import Vapor

/// The pages for temporary SCR access: the CSUA150 form, each request with its decision form, and each grant.
struct AccessPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let pages = routes.grouped(PageGate())
        pages.get("access-requests", use: listPage)
        pages.get("access-requests", "new", use: newPage)
        pages.post("access-requests", "new", use: createSubmit)
        pages.get("access-requests", ":id", use: requestPage)
        pages.post("access-requests", ":id", "decisions", use: decisionSubmit)
        pages.post("access-requests", ":id", "withdraw", use: withdrawSubmit)
        pages.get("grants", ":id", use: grantPage)
        pages.post("grants", ":id", "extension-requests", use: extensionSubmit)
        pages.post("grants", ":id", "removal-requests", use: removalRequestSubmit)
        pages.post("grants", ":id", "remove", use: removeSubmit)
        pages.post("grants", ":id", "log-off-confirmation", use: logOffSubmit)
        pages.post("extension-requests", ":id", "decisions", use: extensionDecisionSubmit)
    }

    static let purposes: [(GrantPurpose, String)] = [
        (.viewContact, "To view a sensitive contact"),
        (.routeServiceRequest, "To allow an SR with a sensitive contact to be routed to the SCR segment"),
        (.financeActions, "To route an SR to the SCR team for finance actions against a sensitive contact"),
    ]

    /// The CSUA150 form as typed: the API's body, so a field of `AccessRequestInput` is on the form with nothing here.
    typealias FormValues = NewAccessRequest

    struct FormContent: Encodable, FormPage {
        let requester: StaffDTO
        let teamLeader: StaffDTO?
        let values: FormValues
        /// The purposes on offer; the radios mark the one typed (`formChoices`).
        let purposes: [Choice]
        var formValues: Any { values }
        var formChoices: [String: [Choice]] { ["purpose": purposes] }
        /// The justification's and further details' limit, for their character counts.
        var formLimits: [String: Int] { ["justification": AccessRequestInput.textLimit, "furtherDetails": AccessRequestInput.textLimit] }
    }

    /// The form with the requester's details filled from the directory: the signed-in person's, or those of the staff
    /// number searched for. Details typed on the form (corrections) are kept over the directory's.
    func formContent(_ req: Request, values given: FormValues, searched: StaffProfile? = nil) async throws -> FormContent {
        let user = try req.requireRole(.caseworker)
        var shown = searched ?? user.profile
        if searched == nil, let number = given.staffId?.trimmingCharacters(in: .whitespaces), !number.isEmpty, number != user.staffId,
           let other = try await req.directory.find(number) {
            shown = try other.profile(roles: other.loadedRoles)
        }
        var values = given
        values.staffId = values.staffId?.nilIfEmpty ?? shown.staffId.value
        values.phone = values.phone?.nilIfEmpty ?? shown.phone
        values.team = values.team?.nilIfEmpty ?? shown.team
        values.grade = values.grade?.nilIfEmpty ?? shown.grade
        values.area = values.area?.nilIfEmpty ?? shown.area
        let leader = try await shown.teamLeaderStaffId.asyncMap { try await req.directory.find($0.value) } ?? nil
        return FormContent(requester: StaffDTO(shown), teamLeader: try leader.map { StaffDTO(try $0.profile(roles: $0.loadedRoles)) }, values: values,
                           purposes: Self.purposes.map { Choice(id: $0.0.rawValue, name: $0.1) })
    }

    @Sendable func newPage(req: Request) async throws -> Response {
        var values = FormValues(input: AccessRequestInput(), serviceRequestId: try? req.query.get(String.self, at: "serviceRequestId"))
        // From a contact search that found a restricted record: what was searched for names the contact.
        if let text = try? req.query.get(String.self, at: "q"), let term = ContactSearchTerm(text) {
            // As typed: the team leader checks what the requester searched for.
            let typed = text.trimmingCharacters(in: .whitespaces)
            switch term {
            case .nino: values.nino = typed
            case .scin: values.scin = typed
            case .name: values.clientName = typed
            }
        }
        values.requestedDurationMinutes = 480
        if let from = try? req.query.get(String.self, at: "from") {
            values = try await Self.copied(req, from: from)
        }
        // Search: the staff number typed fills the name, contact details, team, grade and area from the directory.
        if let number = (try? req.query.get(String.self, at: "staffNumber"))?.trimmingCharacters(in: .whitespaces), !number.isEmpty {
            values.staffId = number
            guard StaffID(number) != nil, let found = try await req.directory.find(number) else {
                return try await Pages.render(req, "access-request-form", title: "Request temporary SCR access (CSUA150)",
                                              try await formContent(req, values: FormValues(input: AccessRequestInput(requestedDurationMinutes: values.requestedDurationMinutes), serviceRequestId: nil)),
                                              errors: ValidationFailure(["staffNumber": "No one in the staff directory has staff number \(number): check it and search again"]))
            }
            return try await Pages.render(req, "access-request-form", title: "Request temporary SCR access (CSUA150)",
                                          try await formContent(req, values: values, searched: found.profile(roles: found.loadedRoles)))
        }
        return try await Pages.render(req, "access-request-form", title: "Request temporary SCR access (CSUA150)", try await formContent(req, values: values))
    }

    @Sendable func createSubmit(req: Request) async throws -> Response {
        var form = try req.content.decode(FormValues.self)
        // The form names the client by NINO or SCIN; a contact id is the API's.
        form.contactId = nil
        let body = form
        return try await Pages.submit(req, template: "access-request-form", title: "Request temporary SCR access (CSUA150)", redisplay: try await formContent(req, values: form)) {
            try await TemporaryAccess(request: req).create(body)
        } then: { created in ("/access-requests/\(created.id)", "\(created.reference) was sent to your team leader, \(created.teamLeader?.name ?? "")") }
    }

    /// "Start a new form": a rejected, returned or withdrawn request's answers, ready to correct and send again.
    static func copied(_ req: Request, from text: String) async throws -> FormValues {
        let (old, srReference) = try await TemporaryAccess(request: req).copyable(text)
        return FormValues(input: AccessRequestInput(copying: old.details, staffId: old.requesterStaffId),
                          serviceRequestId: srReference ?? old.serviceRequestId?.text)
    }

    struct ListContent: Encodable {
        /// Fifty at a time, oldest first: at national volume about 3,300 wait at each of the SCR managers' and
        /// provisioning's stages.
        let awaitingMe: [RequestRow]
        /// How many wait for the caller's decision in all, in words.
        let waitingCount: String
        let waitingPagination: Pagination?
        let mine: [RequestRow]
        let changesAwaitingMe: [GrantChangeDTO]
        let canRequest: Bool
        /// Through the requests list, a page at a time.
        let pagination: Pagination?
    }

    /// A request as the lists print it: only the fields the template shows. The whole request (its form and history)
    /// was encoded for Leaf before, a fifth of the SCR manager's list page at national volume.
    struct RequestRow: Encodable {
        struct Person: Encodable {
            let staffId: String
            let name: String
        }

        let id: String
        let reference: String
        let status: AccessRequestStatus
        let statusName: String
        let purposeName: String
        let requestedDurationMinutes: Int
        let requester: Person
    }

    @Sendable func listPage(req: Request) async throws -> Response {
        let user = try req.requireRole(.caseworker, .teamLeader, .scrManager, .provisioning)
        let access = TemporaryAccess(request: req)
        let paging = try Paging(req)
        // The two lists page apart: each link keeps where the other list is.
        let waitingCursor = (try? req.query.get(String.self, at: Self.waitingCursorName)).flatMap { $0.isEmpty ? nil : $0 }
        let awaiting = try await access.listRows(status: nil, awaitingMe: true, cursor: waitingCursor)
        let waitingCount = awaiting.items.isEmpty && waitingCursor == nil ? 0 : try await access.countAwaitingMe()
        // Paged in the query, not filtered after it: a page of a team leader's team's requests filtered down to their
        // own showed "No requests." and no link on, while their own requests were further down.
        let mine = try await access.listRows(status: nil, awaitingMe: false, askedByMe: true, limit: paging.limit, cursor: paging.cursor)
        let limit = paging.limit == Paging.defaultLimit ? "" : String(paging.limit)
        let page = Paging.defaultLimit
        return try await Pages.render(req, "access-requests", title: "Temporary SCR access", ListContent(
            awaitingMe: awaiting.items.map { RequestRow($0.request, requesterName: $0.requesterName) },
            waitingCount: waitingCount == 1 ? "1 request is waiting for your decision, oldest first."
                : "\(Pages.wholeNumber(waitingCount)) requests are waiting for your decision, oldest first.",
            waitingPagination: .keyset(path: "/access-requests", query: [("limit", limit), ("cursor", paging.cursor ?? "")], next: awaiting.next,
                                       isFirstPage: waitingCursor == nil, nextTitle: "Next \(page) waiting", nextId: "next-waiting",
                                       cursorName: Self.waitingCursorName, firstTitle: "First \(page) waiting", firstId: "first-waiting",
                                       label: "Requests waiting for your decision"),
            mine: mine.items.map { RequestRow($0.request, requesterName: $0.requesterName) },
            changesAwaitingMe: try await GrantChangeService(request: req).changesAwaitingMe(),
            canRequest: user.role == .caseworker,
            pagination: .keyset(path: "/access-requests", query: [("limit", limit), (Self.waitingCursorName, waitingCursor ?? "")], next: mine.next,
                                isFirstPage: paging.cursor == nil, label: "Requests")))
    }

    /// The query parameter that pages the list waiting for the caller's decision (`cursor` pages "Requests").
    static let waitingCursorName = "waitingCursor"

    /// The request, and the decision form for the person who may decide it now.
    struct RequestContent: Encodable, FormPage {
        let request: AccessRequestDTO
        let stageName: String?
        let canDecide: Bool
        /// What was typed on the decision form (the request's asked-for minutes to start with).
        let decision: DecisionForm
        /// What the stage waiting may say (`AccessStage.decisions`), in the words of that stage.
        let decisions: [Choice]
        let canSetDuration: Bool
        let canWithdraw: Bool
        let canStartNew: Bool
        let canSeeEvidence: Bool
        var formValues: Any { decision }
        var formChoices: [String: [Choice]] { ["decision": decisions] }
        var formLimits: [String: Int] { ["reason": AccessRequestChain.reasonLimit] }
    }

    /// A decision as the stage's decider reads it on the form.
    static func decisionLabel(_ decision: AccessDecision, at stage: AccessStage) -> String {
        switch (decision, stage) {
        case (.approve, .teamLeader): "Countersign and send to the SCR manager"
        case (.approve, _): "Approve"
        case (.reject, _): "Reject"
        case (.return, _): "Return to the caseworker: the form is not accurate"
        }
    }

    func renderRequest(_ req: Request, _ id: UUID, typed: DecisionForm? = nil, errors: ValidationFailure? = nil,
                       status: HTTPResponseStatus? = nil) async throws -> Response {
        let user = try req.requireUser()
        let access = TemporaryAccess(request: req)
        let dto = try await access.view(id)
        let current = dto.status
        let stage = current.stage
        // The rule the decision itself is held to, so the form never shows where submitting it would be refused.
        let mayDecide = AccessRequestChain.mayDecide(try await access.facts(id), by: user.profile.staffId, actingAs: user.role)
        return try await Pages.render(req, "access-request", title: "Temporary access \(dto.reference)", RequestContent(
            request: dto, stageName: stage.map { $0.role.displayName }, canDecide: mayDecide,
            decision: typed ?? DecisionForm(durationMinutes: String(dto.minutes)),
            decisions: stage.map { waiting in waiting.decisions.map { Choice(id: $0.rawValue, name: Self.decisionLabel($0, at: waiting)) } } ?? [],
            canSetDuration: stage == .provisioning, canWithdraw: dto.requester.staffId == user.staffId && !current.isFinal,
            canStartNew: AccessPolicy.mayCopy(status: current, requester: dto.requester.staffId, viewer: user.staffId, role: user.role),
            canSeeEvidence: AccessPolicy.mayReadEvidence(user.role)), errors: errors, status: status)
    }

    @Sendable func requestPage(req: Request) async throws -> Response {
        try await renderRequest(req, try PathParameters.uuid(req, what: "access request"))
    }

    struct DecisionForm: Content {
        var decision: String?
        var reason: String?
        var durationMinutes: String?
    }

    @Sendable func decisionSubmit(req: Request) async throws -> Response {
        let id = try PathParameters.uuid(req, what: "access request")
        let form = try req.content.decode(DecisionForm.self)
        let minutes = (form.durationMinutes ?? "").trimmingCharacters(in: .whitespaces)
        do {
            if !minutes.isEmpty && Int(minutes) == nil { throw ValidationFailure(["durationMinutes": "Enter the duration as a whole number of minutes"]) }
            let dto = try await TemporaryAccess(request: req).decide(id, decision: form.decision ?? "", reason: form.reason, durationMinutes: Int(minutes))
            return Pages.redirect(req, to: "/access-requests/\(id.text)", flash: "\(dto.reference) is now: \(dto.statusName)")
        } catch let failure as ValidationFailure {
            return try await renderRequest(req, id, typed: form, errors: failure)
        }
    }

    @Sendable func withdrawSubmit(req: Request) async throws -> Response {
        let id = try PathParameters.uuid(req, what: "access request")
        let dto = try await TemporaryAccess(request: req).withdraw(id)
        return Pages.redirect(req, to: "/access-requests/\(id.text)", flash: "\(dto.reference) was withdrawn")
    }

    struct GrantContent: Encodable {
        let grant: GrantDTO
        let isHolderOrLeader: Bool
        let isLeader: Bool
        let isProvisioning: Bool
        let changes: [GrantChangeDTO]
    }

    func renderGrant(_ req: Request, _ id: UUID, errors: ValidationFailure? = nil) async throws -> Response {
        let user = try req.requireUser()
        let (grant, leader, changes) = try await TemporaryAccess(request: req).grantWithChanges(id)
        return try await Pages.render(req, "grant", title: "Temporary access grant", GrantContent(
            grant: grant, isHolderOrLeader: grant.staffId == user.staffId || (leader == user.staffId && user.role == .teamLeader),
            isLeader: leader == user.staffId && user.role == .teamLeader, isProvisioning: user.role == .provisioning, changes: changes), errors: errors)
    }

    @Sendable func grantPage(req: Request) async throws -> Response {
        try await renderGrant(req, try PathParameters.uuid(req, what: "grant"))
    }

    struct ChangeForm: Content {
        var additionalMinutes: String?
        var reason: String?
    }

    /// Submits one of the grant page's forms. The forms share field names (`reason`), so `fieldIds` names the field
    /// on this form that an error is shown beside (`reason` -> `removalReason`), not the same field on another form.
    func changeSubmit(_ req: Request, fieldIds: [String: String] = [:], _ action: (UUID, ChangeForm) async throws -> String) async throws -> Response {
        let id = try PathParameters.uuid(req, what: "grant")
        let form = try req.content.decode(ChangeForm.self)
        do {
            let message = try await action(id, form)
            return Pages.redirect(req, to: "/grants/\(id.text)", flash: message)
        } catch let failure as ValidationFailure {
            let shown = ValidationFailure(orderedFields: failure.fields.map { (fieldIds[$0.name] ?? $0.name, $0.message) })
            return try await renderGrant(req, id, errors: shown)
        }
    }

    @Sendable func extensionSubmit(req: Request) async throws -> Response {
        try await changeSubmit(req) { id, form in
            let minutes = Int((form.additionalMinutes ?? "").trimmingCharacters(in: .whitespaces))
            let change = try await GrantChangeService(request: req).openChange(.extension, grant: id, additionalMinutes: minutes, reason: form.reason ?? "")
            return "Extension requested: \(change.status == .awaitingTeamLeader ? "your team leader endorses it next" : "provisioning decides next")"
        }
    }

    @Sendable func removalRequestSubmit(req: Request) async throws -> Response {
        try await changeSubmit(req, fieldIds: ["reason": "removalReason"]) { id, form in
            _ = try await GrantChangeService(request: req).openChange(.removal, grant: id, additionalMinutes: nil, reason: form.reason ?? "")
            return "Provisioning has been asked to remove the access"
        }
    }

    @Sendable func removeSubmit(req: Request) async throws -> Response {
        try await changeSubmit(req, fieldIds: ["reason": "removeReason"]) { id, form in
            _ = try await GrantChangeService(request: req).remove(id, reason: form.reason ?? "")
            return "The access was removed"
        }
    }

    @Sendable func logOffSubmit(req: Request) async throws -> Response {
        try await changeSubmit(req) { id, _ in
            _ = try await GrantChangeService(request: req).confirmLogOff(id)
            return "Log-off confirmed"
        }
    }

    @Sendable func extensionDecisionSubmit(req: Request) async throws -> Response {
        let id = try PathParameters.uuid(req, what: "extension request")
        let form = try req.content.decode(DecisionForm.self)
        let change = try await GrantChangeService(request: req).decideExtension(id, decision: form.decision ?? "", reason: form.reason,
                                                                             minutes: Int((form.durationMinutes ?? "").trimmingCharacters(in: .whitespaces)))
        return Pages.redirect(req, to: "/grants/\(change.grantId)", flash: "Extension \(change.status)")
    }
}

extension AccessPages.RequestRow {
    init(_ request: StoredAccessRequest, requesterName: String) {
        self.init(id: request.id.text, reference: request.reference, status: request.status, statusName: request.status.displayName,
                  purposeName: request.form.purpose.displayName, requestedDurationMinutes: request.form.minutes,
                  requester: Person(staffId: request.requesterStaffId, name: requesterName))
    }
}

/// Built directly for the request lists (an SCR manager's page lists a hundred): `LeafObjectWritable`.
extension AccessPages.RequestRow: LeafObjectWritable {
    func writeMembers(to object: inout LeafObjectWriter) {
        object.write(CodingKeys.id, id)
        object.write(CodingKeys.reference, reference)
        object.write(CodingKeys.status, status)
        object.write(CodingKeys.statusName, statusName)
        object.write(CodingKeys.purposeName, purposeName)
        object.write(CodingKeys.requestedDurationMinutes, requestedDurationMinutes)
        object.write(CodingKeys.requester, requester)
    }
}

extension AccessPages.RequestRow.Person: LeafObjectWritable {
    func writeMembers(to object: inout LeafObjectWriter) {
        object.write(CodingKeys.staffId, staffId)
        object.write(CodingKeys.name, name)
    }
}
