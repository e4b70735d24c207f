import CaseworkCore
import Vapor

/// The monitoring page, with its charts, and the evidence page for each request: the pages of `Monitoring`,
/// whose JSON twins are in `MonitoringRoutes`.
struct MonitoringPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let pages = routes.grouped(PageGate())
        pages.get("monitoring", use: monitoringPage)
        pages.get("access-requests", ":id", "evidence", use: evidencePage)
    }

    struct PageContent: Encodable, FormPage {
        let summary: MonitoringDTO
        let query: String
        let charts: [Chart]
        /// The stages' figures under the names people know them by.
        let stages: [StageRow]
        /// The period as typed: the one shown, or the one refused with what was wrong in it.
        let typed: PeriodFields
        var formValues: Any { typed }
        var formDates: Set<String> { ["from", "to"] }

        struct StageRow: Encodable {
            let name: String
            let figures: StageFiguresDTO
        }

        struct PeriodFields: Encodable {
            let from: String
            let to: String
        }

        init(summary: MonitoringDTO, query: String, typed: PeriodFields? = nil) {
            self.summary = summary
            self.query = query
            self.typed = typed ?? PeriodFields(from: summary.from, to: summary.to)
            charts = MonitoringCharts.all(summary)
            stages = summary.stages.map { StageRow(name: $0.stage.displayName, figures: $0) }
        }
    }

    @Sendable func monitoringPage(req: Request) async throws -> Response {
        // The period form sends each end in GOV.UK's three date boxes.
        let from = DateInput.query(req, "from")
        let to = DateInput.query(req, "to")
        do {
            let summary = try await Monitoring(request: req).summary { try Monitoring.period(from: from, to: to, now: req.now) }
            return try await Pages.render(req, "monitoring", title: "Monitoring temporary access",
                                          PageContent(summary: summary, query: "from=\(summary.from)&to=\(summary.to)"))
        } catch let failure as ValidationFailure {
            // Show the page for the default period, with what was wrong in the typed one.
            let summary = try await Monitoring(request: req).summary { Monitoring.defaultPeriod(req.now) }
            return try await Pages.render(req, "monitoring", title: "Monitoring temporary access",
                                          PageContent(summary: summary, query: "", typed: PageContent.PeriodFields(from: from ?? "", to: to ?? "")),
                                          errors: failure)
        }
    }

    @Sendable func evidencePage(req: Request) async throws -> Response {
        let evidence = try await Monitoring(request: req).evidence(try PathParameters.uuid(req, what: "access request"))
        return try await Pages.render(req, "evidence", title: "Evidence for \(evidence.request.reference)", evidence)
    }
}
