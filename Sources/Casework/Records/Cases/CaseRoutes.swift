import CaseworkCore
import Fluent
import Vapor

/// Cases through the JSON API.
struct CaseRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let api = routes.grouped("api", "v1").grouped(APIGate())
        api.post("cases", use: caseCreateAPI)
        api.get("cases", ":id", use: caseAPI)
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
        let created = try await Cases(request: req).create(body.participants.map { ($0.contactId, $0.role) })
        return try await created.encodeResponse(status: .created, for: req)
    }

    @Sendable func caseAPI(req: Request) async throws -> CaseDTO {
        try await Cases(request: req).view(try PathParameters.uuid(req, what: "case"))
    }
}
