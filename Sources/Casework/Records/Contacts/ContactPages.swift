import CaseworkCore
import Fluent
import Vapor

/// The contact pages: search, add, view, and the SCR manager's sensitive flag. Their JSON twins are `ContactRoutes`.
struct ContactPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let pages = routes.grouped(PageGate())
        pages.get("contacts", use: contactSearchPage)
        pages.get("contacts", "new", use: contactNewPage)
        pages.post("contacts", "new", use: contactCreateSubmit)
        pages.get("contacts", ":id", use: contactPage)
        pages.post("contacts", ":id", "sensitivity", use: sensitivitySubmit)
    }

    struct ContactSearchContent: Encodable {
        let q: String
        let searched: Bool
        let results: [ContactListingDTO]
        let canAdd: Bool
        /// A caseworker whose search found a restricted record is offered the CSUA150 form, with what they searched
        /// for as the NINO, SCIN or client name (nothing about the record itself is passed on).
        let offerRequest: Bool
    }

    @Sendable func contactSearchPage(req: Request) async throws -> Response {
        let q = (try? req.query.get(String.self, at: "q")) ?? ""
        let results = try await Contacts(request: req).search(q, limit: 50)
        let canAdd = [.caseworker, .teamLeader, .scrCaseworker, .scrManager].contains(req.currentUser?.role)
        // The form is reached by a second button on the search form itself, so the identifier searched for is sent
        // again from the search box and never repeated elsewhere in the page.
        let offerRequest = req.currentUser?.role == .caseworker && results.contains(where: \.restricted)
        return try await Pages.render(req, "contacts-search", title: "Find a contact",
                                      ContactSearchContent(q: q, searched: !q.isEmpty, results: results, canAdd: canAdd, offerRequest: offerRequest))
    }

    @Sendable func contactNewPage(req: Request) async throws -> Response {
        try req.requireRole(.caseworker, .teamLeader, .scrCaseworker, .scrManager)
        return try await Pages.render(req, "contact-form", title: "Add a contact", ContactRoutes.ContactForm())
    }

    @Sendable func contactCreateSubmit(req: Request) async throws -> Response {
        var form = try req.content.decode(ContactRoutes.ContactForm.self)
        // The page asks for the date of birth in three boxes; the rules (and the API) read one YYYY-MM-DD.
        form.dateOfBirth = DateInput.content(req, "dateOfBirth")
        return try await Pages.submit(req, template: "contact-form", title: "Add a contact", redisplay: form) {
            try await Contacts(request: req).create(form.input)
        } then: { contact in ("/contacts/\(contact.id!.text)", "\(contact.name) was added") }
    }

    struct ContactContent: Encodable {
        let contact: ContactDTO
        let ninoSpaced: String?
        let canSetSensitivity: Bool
    }

    @Sendable func contactPage(req: Request) async throws -> Response {
        let contact = try await Contacts(request: req).view(try PathParameters.uuid(req, what: "contact"))
        return try await Pages.render(req, "contact", title: contact.name, ContactContent(
            contact: ContactDTO(contact), ninoSpaced: contact.nino.flatMap(NINO.init)?.spaced, canSetSensitivity: req.currentUser?.role == .scrManager))
    }

    struct SensitivityForm: Content {
        var sensitive: String?
        var reason: String?
    }

    @Sendable func sensitivitySubmit(req: Request) async throws -> Response {
        let id = try PathParameters.uuid(req, what: "contact")
        let form = try req.content.decode(SensitivityForm.self)
        do {
            let contact = try await Contacts(request: req).setSensitivity(id, sensitive: form.sensitive == "true", reason: form.reason ?? "")
            return Pages.redirect(req, to: "/contacts/\(id.text)", flash: contact.sensitive ? "The contact is now marked sensitive" : "The sensitive flag was cleared")
        } catch let failure as ValidationFailure {
            let contact = try await Contacts(request: req).view(id)
            return try await Pages.render(req, "contact", title: contact.name, ContactContent(
                contact: ContactDTO(contact), ninoSpaced: contact.nino.flatMap(NINO.init)?.spaced, canSetSensitivity: true), errors: failure)
        }
    }
}
