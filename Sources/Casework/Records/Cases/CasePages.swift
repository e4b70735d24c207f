import CaseworkCore
import Fluent
import Vapor

/// The case pages: create a case from its participants' NINO, SCIN or CRN, and view it.
struct CasePages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let pages = routes.grouped(PageGate())
        pages.get("cases", "new", use: caseNewPage)
        pages.post("cases", "new", use: caseCreateSubmit)
        pages.get("cases", ":id", use: casePage)
    }

    struct CaseForm: Content, FormPage {
        var receivingParent: String?
        var payingParent: String?
        var child: String?
        var formValues: Any { self }

        /// Each box takes a NINO, SCIN, CRN or contact id.
        var entries: [(text: String, role: ParticipantRole)] {
            [(receivingParent, ParticipantRole.receivingParent), (payingParent, .payingParent), (child, .child)]
                .compactMap { text, role in
                    let trimmed = (text ?? "").trimmingCharacters(in: .whitespaces)
                    return trimmed.isEmpty ? nil : (trimmed, role)
                }
        }
    }

    @Sendable func caseNewPage(req: Request) async throws -> Response {
        try req.requireRole(.caseworker, .teamLeader, .scrCaseworker, .scrManager)
        return try await Pages.render(req, "case-form", title: "Create a case", CaseForm())
    }

    @Sendable func caseCreateSubmit(req: Request) async throws -> Response {
        let form = try req.content.decode(CaseForm.self)
        do {
            let created = try await Cases(request: req).create(namedBy: form.entries)
            return Pages.redirect(req, to: "/cases/\(created.id)", flash: "Case \(created.caseNumber) was created")
        } catch let failure as ValidationFailure {
            return try await Pages.render(req, "case-form", title: "Create a case", form, errors: failure)
        }
    }

    @Sendable func casePage(req: Request) async throws -> Response {
        let record = try await Cases(request: req).view(try PathParameters.uuid(req, what: "case"))
        return try await Pages.render(req, "case", title: "Case \(record.caseNumber)", record)
    }
}
