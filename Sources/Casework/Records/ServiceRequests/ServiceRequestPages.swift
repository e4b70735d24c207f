import CaseworkCore
import Fluent
import Vapor

/// The service request pages: a person's list, raising one, and each SR with its links, status, assignment and CFAT support.
struct ServiceRequestPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let pages = routes.grouped(PageGate())
        pages.get("service-requests", use: serviceRequestListPage)
        pages.get("service-requests", "new", use: serviceRequestNewPage)
        pages.post("service-requests", "new", use: serviceRequestCreateSubmit)
        pages.get("service-requests", ":id", use: serviceRequestPage)
        pages.post("service-requests", ":id", "links", use: linkSubmit)
        pages.post("service-requests", ":id", "status", use: statusSubmit)
        pages.post("service-requests", ":id", "assignment", use: assignSubmit)
        pages.post("service-requests", ":id", "finance-support", use: financeSupportSubmit)
    }

    struct SRRow: Encodable {
        let id: String
        let reference: String
        let typeName: String
        let statusName: String
        let segment: String?
        let createdAt: String
    }

    static func row(_ sr: StoredServiceRequest) -> SRRow {
        SRRow(id: sr.id.text, reference: sr.reference, typeName: sr.type.displayName, statusName: sr.status.displayName,
              segment: sr.segment, createdAt: CaseworkTime.iso8601(sr.createdAt))
    }

    struct SRListContent: Encodable {
        let assigned: [SRRow]
        let raised: [SRRow]
        let hoppers: [NavItem]
    }

    @Sendable func serviceRequestListPage(req: Request) async throws -> Response {
        let user = try req.requireUser()
        let records = ServiceRequests(request: req)
        let assigned = try await records.serviceRequests(of: .assignee, user.staffId)
        let raised = try await records.serviceRequests(of: .creator, user.staffId)
        return try await Pages.render(req, "service-requests", title: "Service requests", SRListContent(
            assigned: assigned.map(Self.row), raised: raised.map(Self.row), hoppers: HopperPages.links(for: user)))
    }

    struct SRFormContent: Encodable {
        let values: NewServiceRequest
        let types: [Choice]
    }

    static func srForm(_ values: NewServiceRequest) -> SRFormContent {
        SRFormContent(values: values, types: Choice.of(ServiceRequestType.allCases, name: \.displayName, chosen: Set([values.type].compactMap { $0 })))
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
            try await ServiceRequests(request: req).createServiceRequest(form.request)
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
            sr: sr, statuses: Choice.of(next, name: \.displayName),
            canLink: current == .open, canRaiseFinanceSupport: FinanceSupport.refusal(role: user.role, reference: sr.reference, status: current,
                                                            isSupportRequest: sr.parentId != nil) == nil,
            financeTypes: Choice.of(ServiceRequestType.financeSupportTypes, name: \.displayName),
            linkValue: linkValue), errors: errors, status: status)
    }

    @Sendable func serviceRequestPage(req: Request) async throws -> Response {
        let sr = try await ServiceRequests(request: req).viewServiceRequest(try PathParameters.uuid(req, what: "service request"))
        return try await renderServiceRequest(req, sr)
    }

    @Sendable func linkSubmit(req: Request) async throws -> Response {
        let id = try PathParameters.uuid(req, what: "service request")
        let form = try req.content.decode(ServiceRequestRoutes.LinkForm.self)
        do {
            _ = try await ServiceRequests(request: req).link(id, caseText: form.caseId, contactText: form.contactId)
            return Pages.redirect(req, to: "/service-requests/\(id.text)", flash: "Linked")
        } catch let failure as ValidationFailure {
            let sr = try await ServiceRequests(request: req).viewServiceRequest(id)
            return try await renderServiceRequest(req, sr, errors: failure, linkValue: form.contactId ?? "")
        }
    }

    @Sendable func statusSubmit(req: Request) async throws -> Response {
        let id = try PathParameters.uuid(req, what: "service request")
        let form = try req.content.decode(ServiceRequestRoutes.StatusForm.self)
        do {
            let sr = try await ServiceRequests(request: req).setStatus(id, to: form.status ?? "")
            let message = sr.status == .pendingAssignment
                ? "\(sr.reference) is Pending Assignment and was routed to the \(sr.segmentName ?? "") hopper"
                : "\(sr.reference) is now \(sr.statusName)"
            return Pages.redirect(req, to: "/service-requests/\(id.text)", flash: message)
        } catch let failure as ValidationFailure {
            let sr = try await ServiceRequests(request: req).viewServiceRequest(id)
            return try await renderServiceRequest(req, sr, errors: failure)
        }
    }

    @Sendable func assignSubmit(req: Request) async throws -> Response {
        let id = try PathParameters.uuid(req, what: "service request")
        let form = try req.content.decode(ServiceRequestRoutes.AssignForm.self)
        let sr = try await ServiceRequests(request: req).assign(id, to: form.staffId ?? "")
        return Pages.redirect(req, to: "/hoppers/\(sr.segment ?? "")", flash: "\(sr.reference) was assigned to \(sr.assigneeStaffId ?? "") - \(sr.assigneeName ?? "")")
    }

    @Sendable func financeSupportSubmit(req: Request) async throws -> Response {
        let id = try PathParameters.uuid(req, what: "service request")
        let form = try req.content.decode(ServiceRequestRoutes.FinanceSupportForm.self)
        do {
            let created = try await ServiceRequests(request: req).raiseFinanceSupport(id, type: form.type ?? "", details: form.details ?? "")
            return Pages.redirect(req, to: "/service-requests/\(id.text)", flash: "\(created.reference) was sent to the CFAT hopper")
        } catch let failure as ValidationFailure {
            let sr = try await ServiceRequests(request: req).viewServiceRequest(id)
            return try await renderServiceRequest(req, sr, errors: failure)
        }
    }
}
