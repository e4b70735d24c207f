import CaseworkCore
import Fluent
import Vapor

/// Service requests through the JSON API; the bodies here are also what the pages' forms post.
struct ServiceRequestRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let api = routes.grouped("api", "v1").grouped(APIGate())
        api.get("service-requests", use: serviceRequestListAPI)
        api.post("service-requests", use: serviceRequestCreateAPI)
        api.get("service-requests", ":id", use: serviceRequestAPI)
        api.post("service-requests", ":id", "links", use: linkAPI)
        api.post("service-requests", ":id", "status", use: statusAPI)
        api.post("service-requests", ":id", "assignment", use: assignAPI)
        api.post("service-requests", ":id", "finance-support-requests", use: financeSupportAPI)
    }

    struct LinkForm: Content {
        var caseId: String?
        var contactId: String?
    }

    struct StatusForm: Content { var status: String? }
    struct AssignForm: Content { var staffId: String? }

    struct FinanceSupportForm: Content {
        var type: String?
        var details: String?
    }

    @Sendable func serviceRequestListAPI(req: Request) async throws -> ListDTO<ServiceRequestDTO> {
        let user = try req.requireUser()
        let mine = (try? req.query.get(String.self, at: "assignee")) ?? user.staffId
        guard mine == user.staffId else { throw DomainError.forbidden("You can list only your own service requests here; use a hopper for a team's") }
        let paging = try Paging(req)
        let page = try await ServiceRequests(request: req).assignedServiceRequests(limit: paging.limit, cursor: paging.cursor)
        return ListDTO(items: page.items, nextCursor: page.next)
    }

    @Sendable func serviceRequestCreateAPI(req: Request) async throws -> Response {
        let body = try req.content.decode(NewServiceRequest.self)
        return try await ServiceRequests(request: req).createServiceRequest(body).encodeResponse(status: .created, for: req)
    }

    @Sendable func serviceRequestAPI(req: Request) async throws -> ServiceRequestDTO {
        try await ServiceRequests(request: req).viewServiceRequest(try PathParameters.uuid(req, what: "service request"))
    }

    @Sendable func linkAPI(req: Request) async throws -> ServiceRequestDTO {
        let body = try req.content.decode(LinkForm.self)
        return try await ServiceRequests(request: req).link(try PathParameters.uuid(req, what: "service request"), caseText: body.caseId, contactText: body.contactId)
    }

    @Sendable func statusAPI(req: Request) async throws -> ServiceRequestDTO {
        let body = try req.content.decode(StatusForm.self)
        return try await ServiceRequests(request: req).setStatus(try PathParameters.uuid(req, what: "service request"), to: body.status ?? "")
    }

    @Sendable func assignAPI(req: Request) async throws -> ServiceRequestDTO {
        let body = try req.content.decode(AssignForm.self)
        return try await ServiceRequests(request: req).assign(try PathParameters.uuid(req, what: "service request"), to: body.staffId ?? "")
    }

    @Sendable func financeSupportAPI(req: Request) async throws -> Response {
        let body = try req.content.decode(FinanceSupportForm.self)
        let created = try await ServiceRequests(request: req).raiseFinanceSupport(try PathParameters.uuid(req, what: "service request"), type: body.type ?? "", details: body.details ?? "")
        return try await created.encodeResponse(status: .created, for: req)
    }
}
