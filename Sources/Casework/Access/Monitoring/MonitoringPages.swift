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
        let charts: [Chart]
        /// The stages' figures under the names people know them by.
        let stages: [StageRow]
        /// Each table's CSV links (`partials/csv-download`).
        let downloads: Downloads

        struct StageRow: Encodable {
            let name: String
            let figures: StageFiguresDTO
        }

        struct Downloads: Encodable {
            let activeGrants: DownloadLinks
            let endingToday: DownloadLinks
            let overdueLogOffs: DownloadLinks
            let decisions: DownloadLinks
            let teams: DownloadLinks
        }

        /// A table's CSV: one link, or a link a part when it downloads in several.
        struct DownloadLinks: Encodable {
            /// What the table holds, as the links name it ("active grants").
            let what: String
            /// The id of the single link (`active-grants-csv`), and of the parts' list after it.
            let id: String
            let several: Bool
            let only: String
            let partRows: String
            let parts: [PartLink]

            struct PartLink: Encodable {
                let name: String
                let href: String
            }

            init(_ download: MonitoringDownloadDTO?, what: String, table: MonitoringTable) {
                self.what = what
                id = "\(table.rawValue)-csv"
                let parts = download?.parts ?? []
                several = parts.count > 1
                only = parts.first?.href ?? ""
                partRows = download.map { Pages.wholeNumber($0.partRows) } ?? ""
                self.parts = parts.map { PartLink(name: "\(what.prefix(1).uppercased())\(what.dropFirst()), part \($0.part) of \(parts.count)", href: $0.href) }
            }
        }

        init(summary: MonitoringDTO) {
            self.summary = summary
            charts = MonitoringCharts.all(summary)
            stages = summary.stages.map { StageRow(name: $0.stage.displayName, figures: $0) }
            func links(_ table: MonitoringTable, _ what: String) -> DownloadLinks {
                DownloadLinks(summary.downloads.first { $0.table == table }, what: what, table: table)
            }
            downloads = Downloads(activeGrants: links(.activeGrants, "active grants"), endingToday: links(.endingToday, "grants ending today"),
                                  overdueLogOffs: links(.overdueLogOffs, "overdue log-offs"), decisions: links(.decisions, "every decision"),
                                  teams: links(.teams, "figures by team"))
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
