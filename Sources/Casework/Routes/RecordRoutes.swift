import CaseworkCore
import Fluent
import Vapor

/// Contacts, cases, service requests and hoppers: pages and their API twins, all through `Records`.
struct RecordRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let pages = routes.grouped(PageGate())
        pages.get("contacts", use: contactSearchPage)
        pages.get("contacts", "new", use: contactNewPage)
        pages.post("contacts", "new", use: contactCreateSubmit)
        pages.get("contacts", ":id", use: contactPage)
        pages.post("contacts", ":id", "sensitivity", use: sensitivitySubmit)
        pages.get("cases", "new", use: caseNewPage)
        pages.post("cases", "new", use: caseCreateSubmit)
        pages.get("cases", ":id", use: casePage)
        pages.get("service-requests", use: serviceRequestListPage)
        pages.get("service-requests", "new", use: serviceRequestNewPage)
        pages.post("service-requests", "new", use: serviceRequestCreateSubmit)
        pages.get("service-requests", ":id", use: serviceRequestPage)
        pages.post("service-requests", ":id", "links", use: linkSubmit)
        pages.post("service-requests", ":id", "status", use: statusSubmit)
        pages.post("service-requests", ":id", "assignment", use: assignSubmit)
        pages.post("service-requests", ":id", "finance-support", use: financeSupportSubmit)
        pages.get("hoppers", ":segment", use: hopperPage)
        pages.post("hoppers", ":segment", "assignment", use: hopperAssignSubmit)

        let api = routes.grouped("api", "v1").grouped(APIGate())
        api.get("contacts", use: contactSearchAPI)
        api.post("contacts", use: contactCreateAPI)
        api.get("contacts", ":id", use: contactAPI)
        api.post("contacts", ":id", "sensitivity", use: sensitivityAPI)
        api.post("cases", use: caseCreateAPI)
        api.get("cases", ":id", use: caseAPI)
        api.get("service-requests", use: serviceRequestListAPI)
        api.post("service-requests", use: serviceRequestCreateAPI)
        api.get("service-requests", ":id", use: serviceRequestAPI)
        api.post("service-requests", ":id", "links", use: linkAPI)
        api.post("service-requests", ":id", "status", use: statusAPI)
        api.post("service-requests", ":id", "assignment", use: assignAPI)
        api.post("service-requests", ":id", "finance-support-requests", use: financeSupportAPI)
        api.get("hoppers", ":segment", "items", use: hopperAPI)
        api.get("hoppers", ":segment", "members", use: hopperMembersAPI)
    }

    // MARK: Shared

    static func uuid(_ req: Request, _ name: String = "id", what: String) throws -> UUID {
        let text = req.parameters.get(name) ?? ""
        guard let id = UUID(uuidString: text) else { throw DomainError.notFound("There is no \(what) with id \(text)") }
        return id
    }

    /// Segments exist for scr, cfat and every team someone works in.
    static func segment(_ req: Request) async throws -> (Segment, String) {
        let id = req.parameters.get("segment") ?? ""
        let segment = Segment(id: id)
        if case .team = segment {
            guard let team = try await RecordQueries(db: req.db).teamName(for: segment, viewerTeam: req.currentUser?.profile.team) else {
                throw DomainError.notFound("There is no segment \(id): use scr, cfat or a team's segment")
            }
            return (segment, team)
        }
        return (segment, segment.displayName(teamName: nil))
    }

    /// Form and page helpers for a person's own segments and the hoppers they can open.
    static func hopperLinks(for user: CurrentUser) -> [NavItem] {
        guard let role = user.role else { return [] }
        var links: [NavItem] = []
        for segment in [Segment.scr, .cfat, Segment.forTeam(user.profile.team)] {
            if segment.hasMember(user.profile) || segment.mayAssign(user.profile, actingAs: role) {
                links.append(NavItem(href: "/hoppers/\(segment.id)", label: "\(segment.displayName(teamName: user.profile.team)) hopper", current: false))
            }
        }
        return links
    }

    // MARK: Contacts (pages)

    struct ContactSearchContent: Encodable {
        let q: String
        let searched: Bool
        let results: [ContactListingDTO]
        let canAdd: Bool
        /// A caseworker whose search found a restricted record is offered the CSUA150 form, with what they searched
        /// for as the NINO, SCIN or client name (nothing about the record itself is passed on).
        let offerRequest: Bool
    }

    @Sendable func contactSearchPage(req: Request) async throws -> Response {
        let q = (try? req.query.get(String.self, at: "q")) ?? ""
        let results = try await Records(request: req).searchContacts(q, limit: 50)
        let canAdd = [.caseworker, .teamLeader, .scrCaseworker, .scrManager].contains(req.currentUser?.role)
        // The form is reached by a second button on the search form itself, so the identifier searched for is sent
        // again from the search box and never repeated elsewhere in the page.
        let offerRequest = req.currentUser?.role == .caseworker && results.contains(where: \.restricted)
        return try await Pages.render(req, "contacts-search", title: "Find a contact",
                                      ContactSearchContent(q: q, searched: !q.isEmpty, results: results, canAdd: canAdd, offerRequest: offerRequest))
    }

    struct ContactForm: Content {
        var name: String?
        var nino: String?
        var scin: String?
        var crn: String?
        var dateOfBirth: String?
        var address: String?

        var input: ContactInput {
            ContactInput(name: name ?? "", nino: nino ?? "", scin: scin ?? "", crn: crn ?? "", dateOfBirth: dateOfBirth ?? "", address: address ?? "")
        }
    }

    @Sendable func contactNewPage(req: Request) async throws -> Response {
        try req.requireRole(.caseworker, .teamLeader, .scrCaseworker, .scrManager)
        return try await Pages.render(req, "contact-form", title: "Add a contact", ContactForm())
    }

    @Sendable func contactCreateSubmit(req: Request) async throws -> Response {
        let form = try req.content.decode(ContactForm.self)
        return try await Pages.submit(req, template: "contact-form", title: "Add a contact", redisplay: form) {
            try await Records(request: req).createContact(form.input)
        } then: { contact in ("/contacts/\(contact.id!.uuidString)", "\(contact.name) was added") }
    }

    struct ContactContent: Encodable {
        let contact: ContactDTO
        let ninoSpaced: String?
        let canSetSensitivity: Bool
    }

    @Sendable func contactPage(req: Request) async throws -> Response {
        let contact = try await Records(request: req).viewContact(try Self.uuid(req, what: "contact"))
        return try await Pages.render(req, "contact", title: contact.name, ContactContent(
            contact: ContactDTO(contact), ninoSpaced: contact.nino.flatMap(NINO.init)?.spaced, canSetSensitivity: req.currentUser?.role == .scrManager))
    }

    struct SensitivityForm: Content {
        var sensitive: String?
        var reason: String?
    }

    @Sendable func sensitivitySubmit(req: Request) async throws -> Response {
        let id = try Self.uuid(req, what: "contact")
        let form = try req.content.decode(SensitivityForm.self)
        do {
            let contact = try await Records(request: req).setSensitivity(id, sensitive: form.sensitive == "true", reason: form.reason ?? "")
            return Pages.redirect(req, to: "/contacts/\(id.uuidString)", flash: contact.sensitive ? "The contact is now marked sensitive" : "The sensitive flag was cleared")
        } catch let failure as ValidationFailure {
            let contact = try await Records(request: req).viewContact(id)
            return try await Pages.render(req, "contact", title: contact.name, ContactContent(
                contact: ContactDTO(contact), ninoSpaced: contact.nino.flatMap(NINO.init)?.spaced, canSetSensitivity: true), errors: failure)
        }
    }

    // MARK: Contacts (API)

    @Sendable func contactSearchAPI(req: Request) async throws -> ListDTO<ContactListingDTO> {
        let q = (try? req.query.get(String.self, at: "q")) ?? ""
        let paging = try Paging(req)
        guard !q.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ValidationFailure(["q": "Give a NINO, SCIN, CRN or part of a name to search for"])
        }
        return ListDTO(items: try await Records(request: req).searchContacts(q, limit: paging.limit), nextCursor: nil)
    }

    @Sendable func contactCreateAPI(req: Request) async throws -> Response {
        let form = try req.content.decode(ContactForm.self)
        let contact = try await Records(request: req).createContact(form.input)
        return try await ContactDTO(contact).encodeResponse(status: .created, for: req)
    }

    @Sendable func contactAPI(req: Request) async throws -> ContactDTO {
        ContactDTO(try await Records(request: req).viewContact(try Self.uuid(req, what: "contact")))
    }

    struct SensitivityBody: Content {
        var sensitive: Bool
        var reason: String?
    }

    @Sendable func sensitivityAPI(req: Request) async throws -> ContactDTO {
        let body = try req.content.decode(SensitivityBody.self)
        return ContactDTO(try await Records(request: req).setSensitivity(try Self.uuid(req, what: "contact"), sensitive: body.sensitive, reason: body.reason ?? ""))
    }

    // MARK: Cases

    struct CaseForm: Content {
        var receivingParent: String?
        var payingParent: String?
        var child: String?

        /// Each box takes a NINO, SCIN, CRN or contact id.
        var entries: [(text: String, role: ParticipantRole)] {
            [(receivingParent, ParticipantRole.receivingParent), (payingParent, .payingParent), (child, .child)]
                .compactMap { text, role in
                    let trimmed = (text ?? "").trimmingCharacters(in: .whitespaces)
                    return trimmed.isEmpty ? nil : (trimmed, role)
                }
        }
    }

    @Sendable func caseNewPage(req: Request) async throws -> Response {
        try req.requireRole(.caseworker, .teamLeader, .scrCaseworker, .scrManager)
        return try await Pages.render(req, "case-form", title: "Create a case", CaseForm())
    }

    @Sendable func caseCreateSubmit(req: Request) async throws -> Response {
        let form = try req.content.decode(CaseForm.self)
        do {
            var participants: [(contactId: String, role: String)] = []
            var failure = ValidationFailure()
            for entry in form.entries {
                if let contact = try await Records.findContact(entry.text, on: req.db) {
                    participants.append((contact.id!.uuidString, entry.role.rawValue))
                } else {
                    failure.add(entry.role.rawValue, "No contact has the NINO, SCIN or CRN \(entry.text)")
                }
            }
            try failure.throwIfAny()
            let created = try await Records(request: req).createCase(participants)
            return Pages.redirect(req, to: "/cases/\(created.id)", flash: "Case \(created.caseNumber) was created")
        } catch let failure as ValidationFailure {
            return try await Pages.render(req, "case-form", title: "Create a case", form, errors: failure)
        }
    }

    @Sendable func casePage(req: Request) async throws -> Response {
        let record = try await Records(request: req).viewCase(try Self.uuid(req, what: "case"))
        return try await Pages.render(req, "case", title: "Case \(record.caseNumber)", record)
    }

    struct CaseBody: Content {
        struct Participant: Content {
            var contactId: String
            var role: String
        }
        var participants: [Participant]
    }

    @Sendable func caseCreateAPI(req: Request) async throws -> Response {
        let body = try req.content.decode(CaseBody.self)
        let created = try await Records(request: req).createCase(body.participants.map { ($0.contactId, $0.role) })
        return try await created.encodeResponse(status: .created, for: req)
    }

    @Sendable func caseAPI(req: Request) async throws -> CaseDTO {
        try await Records(request: req).viewCase(try Self.uuid(req, what: "case"))
    }

    // MARK: Service requests (pages)

    struct SRRow: Encodable {
        let id: String
        let reference: String
        let typeName: String
        let statusName: String
        let segment: String?
        let createdAt: String
    }

    static func row(_ sr: ServiceRequestModel) throws -> SRRow {
        SRRow(id: sr.id!.uuidString, reference: sr.reference, typeName: sr.type.displayName, statusName: sr.status.displayName,
              segment: sr.segment, createdAt: CaseworkTime.iso8601(sr.createdAt))
    }

    struct SRListContent: Encodable {
        let assigned: [SRRow]
        let raised: [SRRow]
        let hoppers: [NavItem]
    }

    @Sendable func serviceRequestListPage(req: Request) async throws -> Response {
        let user = try req.requireUser()
        let records = Records(request: req)
        let assigned = try await records.serviceRequests(assignedTo: user.staffId)
        let raised = try await records.serviceRequests(raisedBy: user.staffId)
        return try await Pages.render(req, "service-requests", title: "Service requests", SRListContent(
            assigned: assigned.map(Self.row), raised: raised.map(Self.row), hoppers: Self.hopperLinks(for: user)))
    }

    struct Choice: Encodable {
        let id: String
        let name: String
        let selected: Bool
    }

    struct SRFormContent: Encodable {
        let values: NewServiceRequest
        let types: [Choice]
    }

    static func srForm(_ values: NewServiceRequest) -> SRFormContent {
        SRFormContent(values: values, types: ServiceRequestType.allCases.map { Choice(id: $0.rawValue, name: $0.displayName, selected: values.type == $0.rawValue) })
    }

    struct SRPageForm: Content {
        var type: String?
        var description: String?
        var caseId: String?
        var contactId: String?
        var needsFinanceSupport: String?

        var request: NewServiceRequest {
            NewServiceRequest(type: type, description: description, caseId: caseId, contactId: contactId, needsFinanceSupport: needsFinanceSupport == "true")
        }
    }

    @Sendable func serviceRequestNewPage(req: Request) async throws -> Response {
        try req.requireRole(.caseworker, .teamLeader, .scrCaseworker, .scrManager, .cfat)
        var values = NewServiceRequest()
        values.caseId = try? req.query.get(String.self, at: "caseId")
        values.contactId = try? req.query.get(String.self, at: "contactId")
        return try await Pages.render(req, "service-request-form", title: "Raise a service request", Self.srForm(values))
    }

    @Sendable func serviceRequestCreateSubmit(req: Request) async throws -> Response {
        let form = try req.content.decode(SRPageForm.self)
        return try await Pages.submit(req, template: "service-request-form", title: "Raise a service request", redisplay: Self.srForm(form.request)) {
            try await Records(request: req).createServiceRequest(form.request)
        } then: { sr in ("/service-requests/\(sr.id)", "\(sr.reference) was raised") }
    }

    struct SRContent: Encodable {
        let sr: ServiceRequestDTO
        let statuses: [Choice]
        let canLink: Bool
        let canRaiseFinanceSupport: Bool
        let financeTypes: [Choice]
        let linkValue: String
    }

    func renderServiceRequest(_ req: Request, _ sr: ServiceRequestDTO, errors: ValidationFailure? = nil, status: HTTPResponseStatus? = nil, linkValue: String = "") async throws -> Response {
        let user = try req.requireUser()
        let current = sr.status
        let facts = ServiceRequestFacts(status: current, creatorStaffId: try StaffID.stored(sr.creatorStaffId), assigneeStaffId: sr.assigneeStaffId.flatMap(StaffID.init))
        let next = ServiceRequestStatus.allCases.filter { ServiceRequestTransitions.refusal(facts, to: $0, by: user.profile.staffId) == nil }
        return try await Pages.render(req, "service-request", title: "\(sr.reference)", SRContent(
            sr: sr, statuses: next.map { Choice(id: $0.rawValue, name: $0.displayName, selected: false) },
            canLink: current == .open, canRaiseFinanceSupport: FinanceSupport.refusal(role: user.role, reference: sr.reference, status: current,
                                                            isSupportRequest: sr.parentId != nil) == nil,
            financeTypes: ServiceRequestType.financeSupportTypes.map { Choice(id: $0.rawValue, name: $0.displayName, selected: false) },
            linkValue: linkValue), errors: errors, status: status)
    }

    @Sendable func serviceRequestPage(req: Request) async throws -> Response {
        let sr = try await Records(request: req).viewServiceRequest(try Self.uuid(req, what: "service request"))
        return try await renderServiceRequest(req, sr)
    }

    struct LinkForm: Content {
        var caseId: String?
        var contactId: String?
    }

    @Sendable func linkSubmit(req: Request) async throws -> Response {
        let id = try Self.uuid(req, what: "service request")
        let form = try req.content.decode(LinkForm.self)
        do {
            _ = try await Records(request: req).link(id, caseText: form.caseId, contactText: form.contactId)
            return Pages.redirect(req, to: "/service-requests/\(id.uuidString)", flash: "Linked")
        } catch let failure as ValidationFailure {
            let sr = try await Records(request: req).viewServiceRequest(id)
            return try await renderServiceRequest(req, sr, errors: failure, linkValue: form.contactId ?? "")
        }
    }

    struct StatusForm: Content { var status: String? }

    @Sendable func statusSubmit(req: Request) async throws -> Response {
        let id = try Self.uuid(req, what: "service request")
        let form = try req.content.decode(StatusForm.self)
        do {
            let sr = try await Records(request: req).setStatus(id, to: form.status ?? "")
            let message = sr.status == .pendingAssignment
                ? "\(sr.reference) is Pending Assignment and was routed to the \(sr.segmentName ?? "") hopper"
                : "\(sr.reference) is now \(sr.statusName)"
            return Pages.redirect(req, to: "/service-requests/\(id.uuidString)", flash: message)
        } catch let failure as ValidationFailure {
            let sr = try await Records(request: req).viewServiceRequest(id)
            return try await renderServiceRequest(req, sr, errors: failure)
        }
    }

    struct AssignForm: Content { var staffId: String? }

    @Sendable func assignSubmit(req: Request) async throws -> Response {
        let id = try Self.uuid(req, what: "service request")
        let form = try req.content.decode(AssignForm.self)
        let sr = try await Records(request: req).assign(id, to: form.staffId ?? "")
        return Pages.redirect(req, to: "/hoppers/\(sr.segment ?? "")", flash: "\(sr.reference) was assigned to \(sr.assigneeStaffId ?? "") - \(sr.assigneeName ?? "")")
    }

    /// The hopper page's one form: the person chosen once, the SR named by the Assign button pressed.
    struct HopperAssignForm: Content {
        var staffId: String?
        var serviceRequestId: String?
    }

    @Sendable func hopperAssignSubmit(req: Request) async throws -> Response {
        let form = try req.content.decode(HopperAssignForm.self)
        guard let id = UUID(uuidString: form.serviceRequestId ?? "") else {
            throw ValidationFailure(["serviceRequestId": "Press Assign on the service request to assign"])
        }
        let sr = try await Records(request: req).assign(id, to: form.staffId ?? "")
        return Pages.redirect(req, to: "/hoppers/\(sr.segment ?? "")", flash: "\(sr.reference) was assigned to \(sr.assigneeStaffId ?? "") - \(sr.assigneeName ?? "")")
    }

    struct FinanceSupportForm: Content {
        var type: String?
        var details: String?
    }

    @Sendable func financeSupportSubmit(req: Request) async throws -> Response {
        let id = try Self.uuid(req, what: "service request")
        let form = try req.content.decode(FinanceSupportForm.self)
        do {
            let created = try await Records(request: req).raiseFinanceSupport(id, type: form.type ?? "", details: form.details ?? "")
            return Pages.redirect(req, to: "/service-requests/\(id.uuidString)", flash: "\(created.reference) was sent to the CFAT hopper")
        } catch let failure as ValidationFailure {
            let sr = try await Records(request: req).viewServiceRequest(id)
            return try await renderServiceRequest(req, sr, errors: failure)
        }
    }

    @Sendable func hopperPage(req: Request) async throws -> Response {
        let (segment, name) = try await Self.segment(req)
        let user = try req.requireUser()
        let paging = try Paging(req)
        let records = Records(request: req)
        let page = try await records.hopper(segment, limit: paging.limit, after: paging.cursor)
        let mayAssign = user.role.map { segment.mayAssign(user.profile, actingAs: $0) } ?? false
        let members = mayAssign ? try await records.members(of: segment, teamName: name).map(StaffDTO.init) : []
        return try await Pages.render(req, "hopper", title: "\(segment == .scr ? "SCR" : name) hopper", HopperView(
            segment: segment.id, name: segment == .scr ? "SCR" : name, items: page.items, nextCursor: page.next, members: members, mayAssign: mayAssign))
    }

    // MARK: Service requests (API)

    @Sendable func serviceRequestListAPI(req: Request) async throws -> ListDTO<ServiceRequestDTO> {
        let user = try req.requireUser()
        let mine = (try? req.query.get(String.self, at: "assignee")) ?? user.staffId
        guard mine == user.staffId else { throw DomainError.forbidden("You can list only your own service requests here; use a hopper for a team's") }
        let paging = try Paging(req)
        let page = try await Records(request: req).assignedServiceRequests(limit: paging.limit, cursor: paging.cursor)
        return ListDTO(items: page.items, nextCursor: page.next)
    }

    @Sendable func serviceRequestCreateAPI(req: Request) async throws -> Response {
        let body = try req.content.decode(NewServiceRequest.self)
        return try await Records(request: req).createServiceRequest(body).encodeResponse(status: .created, for: req)
    }

    @Sendable func serviceRequestAPI(req: Request) async throws -> ServiceRequestDTO {
        try await Records(request: req).viewServiceRequest(try Self.uuid(req, what: "service request"))
    }

    @Sendable func linkAPI(req: Request) async throws -> ServiceRequestDTO {
        let body = try req.content.decode(LinkForm.self)
        return try await Records(request: req).link(try Self.uuid(req, what: "service request"), caseText: body.caseId, contactText: body.contactId)
    }

    @Sendable func statusAPI(req: Request) async throws -> ServiceRequestDTO {
        let body = try req.content.decode(StatusForm.self)
        return try await Records(request: req).setStatus(try Self.uuid(req, what: "service request"), to: body.status ?? "")
    }

    @Sendable func assignAPI(req: Request) async throws -> ServiceRequestDTO {
        let body = try req.content.decode(AssignForm.self)
        return try await Records(request: req).assign(try Self.uuid(req, what: "service request"), to: body.staffId ?? "")
    }

    @Sendable func financeSupportAPI(req: Request) async throws -> Response {
        let body = try req.content.decode(FinanceSupportForm.self)
        let created = try await Records(request: req).raiseFinanceSupport(try Self.uuid(req, what: "service request"), type: body.type ?? "", details: body.details ?? "")
        return try await created.encodeResponse(status: .created, for: req)
    }

    @Sendable func hopperAPI(req: Request) async throws -> ListDTO<HopperItemDTO> {
        let (segment, _) = try await Self.segment(req)
        let paging = try Paging(req)
        let page = try await Records(request: req).hopper(segment, limit: paging.limit, after: paging.cursor)
        return ListDTO(items: page.items, nextCursor: page.next)
    }

    @Sendable func hopperMembersAPI(req: Request) async throws -> ListDTO<StaffDTO> {
        let (segment, name) = try await Self.segment(req)
        try Records.checkHopperAccess(segment, user: try req.requireUser())
        return ListDTO(items: try await Records(request: req).members(of: segment, teamName: name).map(StaffDTO.init), nextCursor: nil)
    }
}
