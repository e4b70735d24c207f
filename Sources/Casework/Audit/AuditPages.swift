import CaseworkCore
import Vapor

/// The audit trail page: search by person, subject and time, newest first, a page at a time (its JSON twin is
/// `AuditRoutes`).
struct AuditPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.grouped(PageGate()).get("audit", use: searchPage)
    }

    struct SearchContent: Encodable, FormPage {
        /// The filters as typed, shown back in the form.
        let filters: AuditSearchInput
        let events: [AuditEventDTO]
        let pagination: Pagination?
        var formValues: Any { filters }
    }

    @Sendable func searchPage(req: Request) async throws -> Response {
        try req.requireRole(.administrator, .scrManager)
        let input = AuditRoutes.input(req)
        do {
            let result = try await AuditTrail(db: req.database, readers: req.casework.readers).search(try AuditRoutes.query(req, input))
            let pagination = Pagination.keyset(
                path: "/audit", query: [("actor", input.actor), ("subject", input.subject), ("from", input.from), ("to", input.to)],
                next: result.nextBeforeSeq.map(String.init), isFirstPage: input.cursor == nil, nextTitle: "Older events", nextId: "older-events")
            return try await Pages.render(req, "audit", title: "Audit trail",
                                          SearchContent(filters: input, events: result.events.map(AuditEventDTO.init), pagination: pagination))
        } catch let failure as ValidationFailure {
            return try await Pages.render(req, "audit", title: "Audit trail", SearchContent(filters: input, events: [], pagination: nil), errors: failure)
        }
    }
}
