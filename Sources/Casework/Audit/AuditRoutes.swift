import CaseworkCore
import Fluent
import Vapor

/// Searching the audit trail and checking its chain in JSON: administrators and SCR managers (the page is
/// `AuditPages`).
struct AuditRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let api = routes.grouped("api", "v1").grouped(APIGate())
        api.get("audit-events", use: searchAPI)
        api.get("audit-events", "verification", use: verifyAPI)
    }

    /// The search as the query string types it (the page's form uses the same names).
    static func input(_ req: Request) -> AuditSearchInput {
        AuditSearchInput(actor: try? req.query.get(String.self, at: "actor"), subject: try? req.query.get(String.self, at: "subject"),
                         from: try? req.query.get(String.self, at: "from"), to: try? req.query.get(String.self, at: "to"),
                         cursor: try? req.query.get(String.self, at: "cursor"))
    }

    /// The search to run: the typed filters checked by the core, and the page size.
    static func query(_ req: Request, _ input: AuditSearchInput) throws -> AuditTrail.Query {
        let paging = try Paging(req)
        let valid = try input.validated()
        return AuditTrail.Query(actor: valid.actor, subject: valid.subject, from: valid.from, to: valid.to, limit: paging.limit, beforeSeq: valid.beforeSeq)
    }

    @Sendable func searchAPI(req: Request) async throws -> ListDTO<AuditEventDTO> {
        try req.requireRole(.administrator, .scrManager)
        let result = try await AuditTrail(db: req.database, readers: req.casework.readers).search(try Self.query(req, Self.input(req)))
        return ListDTO(items: result.events.map(AuditEventDTO.init), nextCursor: result.nextBeforeSeq.map(String.init))
    }

    @Sendable func verifyAPI(req: Request) async throws -> VerificationDTO {
        try req.requireRole(.administrator, .scrManager)
        let (problem, checked) = try await AuditTrail(db: req.database).verify()
        return VerificationDTO(intact: problem == nil, eventsChecked: checked, problem: problem?.description)
    }
}
