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
        guard file.hasSuffix(".csv"), let table = MonitoringTable(rawValue: String(file.dropLast(4))) else {
            let files = MonitoringTable.allCases.map { $0.rawValue + ".csv" }.joined(separator: ", ")
            throw DomainError.notFound("There is no monitoring table \(file): choose one of \(files)")
        }
        let period = try Monitoring.period(req)
        let download = try await Monitoring(request: req).csv(table, period: period, asked: try AskedPart(req))
        let response = CSVAnswer.response(download.body, filename: download.filename)
        if let next = download.next { response.headers.replaceOrAdd(name: .link, value: "<\(next)>; rel=\"next\"") }
        return response
    }

    @Sendable func evidence(req: Request) async throws -> EvidenceDTO {
        try await Monitoring(request: req).evidence(try PathParameters.uuid(req, what: "access request"))
    }
}
