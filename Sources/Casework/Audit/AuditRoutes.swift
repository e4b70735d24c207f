import CaseworkCore
import Fluent
import Vapor

/// Searching the audit trail and checking its chain: administrators and SCR managers.
struct AuditRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.grouped(PageGate()).get("audit", use: searchPage)
        let api = routes.grouped("api", "v1").grouped(APIGate())
        api.get("audit-events", use: searchAPI)
        api.get("audit-events", "verification", use: verifyAPI)
    }

    struct EventDTO: Content {
        let id: String
        let seq: Int
        let at: String
        let actorStaffId: String?
        let actorRole: String?
        let action: String
        let subjectType: String
        let subjectId: String
        let outcome: String
        let detail: String

        init(_ event: AuditEventModel) {
            id = event.id!.uuidString
            seq = event.seq
            at = event.at
            actorStaffId = event.actorStaffId
            actorRole = event.actorRole
            action = event.action
            subjectType = event.subjectType
            subjectId = event.subjectId
            outcome = event.outcome
            detail = event.detail
        }
    }

    /// The search form's fields, as typed.
    struct Filters: Encodable {
        var actor = ""
        var subject = ""
        var from = ""
        var to = ""
    }

    /// Reads and checks the filters; `to` given as a date includes that whole day.
    static func query(_ req: Request) throws -> (AuditTrail.Query, Filters) {
        var filters = Filters()
        filters.actor = ((try? req.query.get(String.self, at: "actor")) ?? "").trimmingCharacters(in: .whitespaces)
        filters.subject = ((try? req.query.get(String.self, at: "subject")) ?? "").trimmingCharacters(in: .whitespaces)
        filters.from = ((try? req.query.get(String.self, at: "from")) ?? "").trimmingCharacters(in: .whitespaces)
        filters.to = ((try? req.query.get(String.self, at: "to")) ?? "").trimmingCharacters(in: .whitespaces)
        let paging = try Paging(req)
        var failure = ValidationFailure()
        if !filters.actor.isEmpty && StaffID(filters.actor) == nil {
            failure.add("actor", "Actor must be a staff ID of 1 to 9 digits")
        }
        let from = filters.from.isEmpty ? nil : CaseworkTime.parse(filters.from)
        if !filters.from.isEmpty && from == nil { failure.add("from", "From must be a date like 2026-11-22 or an instant like 2026-11-22T09:30:00Z") }
        var to = filters.to.isEmpty ? nil : CaseworkTime.parse(filters.to)
        if !filters.to.isEmpty && to == nil { failure.add("to", "To must be a date like 2026-11-22 or an instant like 2026-11-22T17:00:00Z") }
        if filters.to.count == 10, let day = to { to = day.addingTimeInterval(24 * 3600) }
        if let from, let to, to <= from { failure.add("to", "To must be after From") }
        var beforeSeq: Int?
        if let cursor = paging.cursor {
            guard let value = Int(cursor), value > 0 else { throw ValidationFailure(["cursor": "cursor must be a value from a previous page's nextCursor"]) }
            beforeSeq = value
        }
        try failure.throwIfAny()
        return (AuditTrail.Query(actor: filters.actor.isEmpty ? nil : filters.actor, subject: filters.subject.isEmpty ? nil : filters.subject,
                                 from: from, to: to, limit: paging.limit, beforeSeq: beforeSeq), filters)
    }

    struct SearchContent: Encodable {
        let filters: Filters
        let events: [EventDTO]
        let pagination: Pagination?
    }

    @Sendable func searchPage(req: Request) async throws -> Response {
        try req.requireRole(.administrator, .scrManager)
        do {
            let (query, filters) = try Self.query(req)
            let result = try await AuditTrail(db: req.db).search(query)
            let events = result.events.map(EventDTO.init)
            let pagination = Pagination.keyset(
                path: "/audit", query: [("actor", filters.actor), ("subject", filters.subject), ("from", filters.from), ("to", filters.to)],
                next: result.nextBeforeSeq.map(String.init), isFirstPage: (try? req.query.get(String.self, at: "cursor")) == nil,
                nextTitle: "Older events", nextId: "older-events")
            return try await Pages.render(req, "audit", title: "Audit trail", SearchContent(filters: filters, events: events, pagination: pagination))
        } catch let failure as ValidationFailure {
            var filters = Filters()
            filters.actor = (try? req.query.get(String.self, at: "actor")) ?? ""
            filters.subject = (try? req.query.get(String.self, at: "subject")) ?? ""
            filters.from = (try? req.query.get(String.self, at: "from")) ?? ""
            filters.to = (try? req.query.get(String.self, at: "to")) ?? ""
            return try await Pages.render(req, "audit", title: "Audit trail", SearchContent(filters: filters, events: [], pagination: nil), errors: failure)
        }
    }

    @Sendable func searchAPI(req: Request) async throws -> ListDTO<EventDTO> {
        try req.requireRole(.administrator, .scrManager)
        let (query, _) = try Self.query(req)
        let result = try await AuditTrail(db: req.db).search(query)
        return ListDTO(items: result.events.map(EventDTO.init), nextCursor: result.nextBeforeSeq.map(String.init))
    }

    struct VerificationDTO: Content {
        let intact: Bool
        let eventsChecked: Int
        let problem: String?
    }

    @Sendable func verifyAPI(req: Request) async throws -> VerificationDTO {
        try req.requireRole(.administrator, .scrManager)
        let (problem, checked) = try await AuditTrail(db: req.db).verify()
        return VerificationDTO(intact: problem == nil, eventsChecked: checked, problem: problem?.description)
    }
}
