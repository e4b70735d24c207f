import CaseworkCore
import Fluent
import Vapor

/// SCR managers' monitoring in JSON, its CSV tables, and the evidence for each request (the pages are
/// `MonitoringPages`).
struct MonitoringRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.grouped(PageGate()).get("monitoring", ":file", use: monitoringCSV)
        let api = routes.grouped("api", "v1").grouped(APIGate())
        api.get("monitoring", use: monitoring)
        api.get("access-requests", ":id", "evidence", use: evidence)
    }

    @Sendable func monitoring(req: Request) async throws -> MonitoringDTO {
        try await Monitoring(request: req).summary { try Monitoring.period(req) }
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
}
