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

    /// The page around the figures: when they were counted, the period form, and the figures as drawn.
    struct PageContent: Encodable, FormPage {
        let at: String
        let from: String
        let to: String
        /// `partials/monitoring-figures` as drawn for these figures (placed with `#trustedHTML`).
        let figures: String
        /// The period as typed: the one shown, or the one refused with what was wrong in it.
        let typed: PeriodFields
        var formValues: Any { typed }
        var formDates: Set<String> { ["from", "to"] }

        struct PeriodFields: Encodable {
            let from: String
            let to: String
        }

        init(summary: MonitoringDTO, figures: String, typed: PeriodFields? = nil) {
            at = summary.at
            from = summary.from
            to = summary.to
            self.figures = figures
            self.typed = typed ?? PeriodFields(from: summary.from, to: summary.to)
        }
    }

    /// The figures as `partials/monitoring-figures` draws them: the same for every SCR manager.
    struct FiguresContent: Encodable {
        let summary: MonitoringDTO
        /// The period, for the CSV links.
        let query: String
        let charts: [Chart]
        /// The stages' figures under the names people know them by.
        let stages: [StageRow]

        struct StageRow: Encodable {
            let name: String
            let figures: StageFiguresDTO
        }

        init(summary: MonitoringDTO) {
            self.summary = summary
            query = "from=\(summary.from)&to=\(summary.to)"
            charts = MonitoringCharts.all(summary)
            stages = summary.stages.map { StageRow(name: $0.stage.displayName, figures: $0) }
        }
    }

    @Sendable func monitoringPage(req: Request) async throws -> Response {
        // The period form sends each end in GOV.UK's three date boxes.
        let from = DateInput.query(req, "from")
        let to = DateInput.query(req, "to")
        do {
            let counted = try await Monitoring(request: req).figures { try Monitoring.period(from: from, to: to, now: req.now) }
            return try await Pages.render(req, "monitoring", title: "Monitoring temporary access",
                                          PageContent(summary: counted.summary, figures: try await drawn(counted, req)))
        } catch let failure as ValidationFailure {
            // Show the page for the default period, with what was wrong in the typed one.
            let counted = try await Monitoring(request: req).figures { Monitoring.defaultPeriod(req.now) }
            return try await Pages.render(req, "monitoring", title: "Monitoring temporary access",
                                          PageContent(summary: counted.summary, figures: try await drawn(counted, req),
                                                      typed: PageContent.PeriodFields(from: from ?? "", to: to ?? "")),
                                          errors: failure)
        }
    }

    /// The figures drawn: once for a snapshot's (kept with it), or for this request alone when they were counted for it.
    private func drawn(_ counted: MonitoringSnapshots.Figures, _ req: Request) async throws -> String {
        let draw = { try await Pages.fragment(req, "partials/monitoring-figures", FiguresContent(summary: counted.summary)) }
        guard let drawing = counted.drawing else { return try await draw() }
        return try await drawing.html(draw)
    }

    @Sendable func evidencePage(req: Request) async throws -> Response {
        let evidence = try await Monitoring(request: req).evidence(try PathParameters.uuid(req, what: "access request"))
        return try await Pages.render(req, "evidence", title: "Evidence for \(evidence.request.reference)", evidence)
    }
}
