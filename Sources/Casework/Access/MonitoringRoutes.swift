import CaseworkCore
import Fluent
import Vapor

/// SCR managers' monitoring page with its CSV tables, and the evidence page for each request.
struct MonitoringRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let pages = routes.grouped(PageGate())
        pages.get("monitoring", use: monitoringPage)
        pages.get("monitoring", ":file", use: monitoringCSV)
        pages.get("access-requests", ":id", "evidence", use: evidencePage)
        let api = routes.grouped("api", "v1").grouped(APIGate())
        api.get("monitoring", use: monitoring)
        api.get("access-requests", ":id", "evidence", use: evidence)
    }

    @Sendable func monitoring(req: Request) async throws -> MonitoringDTO {
        try await Monitoring(request: req).summary { try Monitoring.period(req) }
    }

    struct PageContent: Encodable {
        let summary: MonitoringDTO
        let query: String
    }

    @Sendable func monitoringPage(req: Request) async throws -> Response {
        do {
            let summary = try await Monitoring(request: req).summary { try Monitoring.period(req) }
            return try await Pages.render(req, "monitoring", title: "Monitoring temporary access",
                                          PageContent(summary: summary, query: "from=\(summary.from)&to=\(summary.to)"))
        } catch let failure as ValidationFailure {
            // Show the page for the default period, with what was wrong in the typed one.
            let summary = try await Monitoring(request: req).summary { Monitoring.defaultPeriod(req.now) }
            return try await Pages.render(req, "monitoring", title: "Monitoring temporary access",
                                          PageContent(summary: summary, query: ""), errors: failure)
        }
    }

    @Sendable func monitoringCSV(req: Request) async throws -> Response {
        let file = req.parameters.get("file") ?? ""
        guard file.hasSuffix(".csv"), Monitoring.csvTables.contains(String(file.dropLast(4))) else {
            throw DomainError.notFound("There is no monitoring table \(file): choose one of \(Monitoring.csvTables.map { $0 + ".csv" }.joined(separator: ", "))")
        }
        let period = try Monitoring.period(req)
        let table = String(file.dropLast(4))
        guard let body = try Monitoring(request: req).csv(table, period: period) else {
            throw DomainError.notFound("There is no monitoring table \(file)")
        }
        return CSVAnswer.response(body, filename: "\(table)-\(period.from)-to-\(period.to).csv")
    }

    @Sendable func evidence(req: Request) async throws -> EvidenceDTO {
        try await Monitoring(request: req).evidence(try PathParameters.uuid(req, what: "access request"))
    }

    @Sendable func evidencePage(req: Request) async throws -> Response {
        let evidence = try await Monitoring(request: req).evidence(try PathParameters.uuid(req, what: "access request"))
        return try await Pages.render(req, "evidence", title: "Evidence for \(evidence.request.reference)", evidence)
    }
}
