import CaseworkCore
import Fluent
import Vapor

/// Temporary SCR access: the JSON API for CSUA150 requests, decisions and grants (pages follow).
struct AccessRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let api = routes.grouped("api", "v1").grouped(APIGate())
        api.post("access-requests", use: create)
        api.get("access-requests", use: list)
        api.get("access-requests", ":id", use: view)
        api.post("access-requests", ":id", "decisions", use: decide)
        api.post("access-requests", ":id", "withdraw", use: withdraw)
        api.get("grants", use: grants)
        api.get("grants", ":id", use: grant)
        api.post("grants", ":id", "extension-requests", use: extensionRequest)
        api.post("grants", ":id", "removal-requests", use: removalRequest)
        api.post("grants", ":id", "remove", use: remove)
        api.post("grants", ":id", "log-off-confirmation", use: confirmLogOff)
        api.post("extension-requests", ":id", "decisions", use: decideExtension)
        api.get("grant-change-requests", use: changesAwaitingMe)
    }

    /// Only `awaitingMe=true` is offered: the changes on one grant are on its page.
    @Sendable func changesAwaitingMe(req: Request) async throws -> ListDTO<GrantChangeDTO> {
        let flag = (try? req.query.get(String.self, at: "awaitingMe")) ?? ""
        guard flag == "true" else { throw ValidationFailure(["awaitingMe": "Ask for awaitingMe=true: the extension and removal requests waiting for your decision"]) }
        return ListDTO(items: try await GrantChangeService(request: req).changesAwaitingMe(), nextCursor: nil)
    }

    struct ChangeBody: Content {
        var additionalMinutes: Int?
        var reason: String?
    }

    @Sendable func extensionRequest(req: Request) async throws -> Response {
        let body = try req.content.decode(ChangeBody.self)
        return try await GrantChangeService(request: req).openChange(.extension, grant: try PathParameters.uuid(req, what: "grant"), additionalMinutes: body.additionalMinutes, reason: body.reason ?? "")
            .encodeResponse(status: .created, for: req)
    }

    @Sendable func removalRequest(req: Request) async throws -> Response {
        let body = try req.content.decode(ChangeBody.self)
        return try await GrantChangeService(request: req).openChange(.removal, grant: try PathParameters.uuid(req, what: "grant"), additionalMinutes: nil, reason: body.reason ?? "")
            .encodeResponse(status: .created, for: req)
    }

    @Sendable func remove(req: Request) async throws -> GrantDTO {
        let body = try req.content.decode(ChangeBody.self)
        return try await GrantChangeService(request: req).remove(try PathParameters.uuid(req, what: "grant"), reason: body.reason ?? "")
    }

    @Sendable func confirmLogOff(req: Request) async throws -> GrantDTO {
        try await GrantChangeService(request: req).confirmLogOff(try PathParameters.uuid(req, what: "grant"))
    }

    @Sendable func decideExtension(req: Request) async throws -> GrantChangeDTO {
        let body = try req.content.decode(DecisionBody.self)
        return try await GrantChangeService(request: req).decideExtension(try PathParameters.uuid(req, what: "extension request"), decision: body.decision, reason: body.reason, minutes: body.durationMinutes)
    }

    @Sendable func create(req: Request) async throws -> Response {
        let body = try req.content.decode(NewAccessRequest.self)
        return try await TemporaryAccess(request: req).create(body).encodeResponse(status: .created, for: req)
    }

    @Sendable func list(req: Request) async throws -> ListDTO<AccessRequestDTO> {
        let status = try? req.query.get(String.self, at: "status")
        let awaitingMe = (try? req.query.get(String.self, at: "awaitingMe")) == "true"
        let paging = try Paging(req)
        let page = try await TemporaryAccess(request: req).list(status: status, awaitingMe: awaitingMe, limit: paging.limit, cursor: paging.cursor)
        return ListDTO(items: page.items, nextCursor: page.next)
    }

    @Sendable func view(req: Request) async throws -> AccessRequestDTO {
        try await TemporaryAccess(request: req).view(try PathParameters.uuid(req, what: "access request"))
    }

    struct DecisionBody: Content {
        var decision: String
        var reason: String?
        var durationMinutes: Int?
    }

    @Sendable func decide(req: Request) async throws -> AccessRequestDTO {
        let body = try req.content.decode(DecisionBody.self)
        return try await TemporaryAccess(request: req).decide(try PathParameters.uuid(req, what: "access request"), decision: body.decision, reason: body.reason, durationMinutes: body.durationMinutes)
    }

    @Sendable func withdraw(req: Request) async throws -> AccessRequestDTO {
        try await TemporaryAccess(request: req).withdraw(try PathParameters.uuid(req, what: "access request"))
    }

    @Sendable func grants(req: Request) async throws -> ListDTO<GrantDTO> {
        ListDTO(items: try await TemporaryAccess(request: req).grants(staffId: try? req.query.get(String.self, at: "staffId"),
                                                                      status: try? req.query.get(String.self, at: "status")), nextCursor: nil)
    }

    @Sendable func grant(req: Request) async throws -> GrantDTO {
        try await TemporaryAccess(request: req).grant(try PathParameters.uuid(req, what: "grant"))
    }
}
