import CaseworkCore
import Leaf
import LeafKit
import Vapor

/// A link in the page's navigation.
struct NavItem: Encodable {
    let href: String
    let label: String
    let current: Bool
}

/// An error shown at the top of a form, linking to its field.
struct FieldError: Encodable {
    /// The id the summary links to: the field's own, or its first box for a date.
    let field: String
    let message: String
}

/// What every page's layout shows: the status bar, navigation, messages, and the CSRF token for forms.
struct Layout: Encodable {
    let title: String
    /// The page's template, named on its `<body>` (so the accessibility checks can tell every template was reached).
    var template = ""
    let signedIn: Bool
    let userLabel: String
    let roleName: String
    let systemName: String
    let today: String
    let csrfToken: String
    let canSwitchRole: Bool
    let nav: [NavItem]
    let flash: String?
    var errors: [FieldError]
    /// Field name to message, for the message beside each field.
    let fieldErrors: [String: String]
}

/// Every page has a layout, so it builds its own Leaf data (`LeafObjectWritable`) rather than going through
/// `Encodable`'s containers: 2% of a search page's time on SQLite (bench/scale.sh with PROFILE=1), on every page.
extension Layout: LeafObjectWritable {
    func writeMembers(to object: inout LeafObjectWriter) {
        object.write(CodingKeys.title, title)
        object.write(CodingKeys.template, template)
        object.write(CodingKeys.signedIn, signedIn)
        object.write(CodingKeys.userLabel, userLabel)
        object.write(CodingKeys.roleName, roleName)
        object.write(CodingKeys.systemName, systemName)
        object.write(CodingKeys.today, today)
        object.write(CodingKeys.csrfToken, csrfToken)
        object.write(CodingKeys.canSwitchRole, canSwitchRole)
        object.write(CodingKeys.nav, nav)
        object.write(CodingKeys.flash, flash)
        object.write(CodingKeys.errors, errors)
        object.write(CodingKeys.fieldErrors, fieldErrors)
    }
}

extension NavItem: LeafObjectWritable {
    func writeMembers(to object: inout LeafObjectWriter) {
        object.write(CodingKeys.href, href)
        object.write(CodingKeys.label, label)
        object.write(CodingKeys.current, current)
    }
}

extension FieldError: LeafObjectWritable {
    func writeMembers(to object: inout LeafObjectWriter) {
        object.write(CodingKeys.field, field)
        object.write(CodingKeys.message, message)
    }
}

/// A page: the layout, the page's own content, and its form's fields (for a `FormPage`).
struct PageView<Content: Encodable>: Encodable {
    let layout: Layout
    let page: Content
    var fields: [String: FieldState] = [:]
}

/// Renders pages through Leaf with the shared layout.
enum Pages {
    /// A whole number as a page prints it, with a comma between thousands ("5,000").
    static func wholeNumber(_ n: Int) -> String {
        var digits = String(n.magnitude), grouped = ""
        while digits.count > 3 {
            grouped = "," + digits.suffix(3) + grouped
            digits.removeLast(3)
        }
        return (n < 0 ? "-" : "") + digits + grouped
    }

    static let flashCookie = "casework_flash"

    static func navigation(for user: CurrentUser?, path: String, passwordSignIn: Bool = true) -> [NavItem] {
        guard let user, let role = user.role else { return [] }
        var items: [(String, String)] = [("/", "Home")]
        if Records.serviceRequestRoles.contains(role) {
            items += [("/contacts", "Contacts"), ("/service-requests", "Service requests")]
        }
        if [.caseworker, .teamLeader, .scrManager, .provisioning].contains(role) { items.append(("/access-requests", "Temporary access")) }
        if role == .scrManager { items.append(("/monitoring", "Monitoring")) }
        if role == .toolSystemAdministrator { items.append(("/tool/users", "Maintain Users")) }
        if role == .toolCaseWorker || role == .toolSystemAdministrator {
            items += [("/tool/cases", "Exceptional cases"), ("/tool/reports", "Reports")]
        }
        items.append(("/staff", "Staff directory"))
        if role == .administrator || role == .scrManager { items.append(("/audit", "Audit trail")) }
        if role == .administrator { items.append(("/outbox", "Email outbox")) }
        items.append(("/notifications", "Notifications"))
        // With password sign-in off, a Casework password opens nothing: the identity provider keeps passwords.
        if passwordSignIn { items.append(("/account/password", "Change password")) }
        return items.map { href, label in
            NavItem(href: href, label: label, current: href == "/" ? path == "/" : path.hasPrefix(href))
        }
    }

    static func layout(_ request: Request, title: String, errors: ValidationFailure? = nil) -> Layout {
        let user = request.currentUser
        let role = user?.role
        let flash = request.cookies[flashCookie]?.string.removingPercentEncoding
        let fields = errors?.fields ?? []
        return Layout(
            title: title,
            signedIn: user != nil,
            userLabel: user?.profile.label ?? "",
            roleName: role?.displayName ?? "No role chosen",
            systemName: role?.systemName ?? "Casework",
            today: CaseworkTime.longDate(request.now),
            csrfToken: request.formToken,
            canSwitchRole: (user?.profile.roles.count ?? 0) > 1,
            nav: navigation(for: user, path: request.url.path, passwordSignIn: request.casework.settings.passwordSignIn),
            flash: flash,
            errors: fields.map { FieldError(field: $0.name, message: $0.message) },
            fieldErrors: Dictionary(fields.map { ($0.name, $0.message) }, uniquingKeysWith: { a, _ in a }))
    }

    /// Renders a template; a page with errors is answered with `status` (422 by default) so tests and tools see it.
    static func render<Content: Encodable>(
        _ request: Request, _ template: String, title: String, _ content: Content,
        errors: ValidationFailure? = nil, status: HTTPResponseStatus? = nil
    ) async throws -> Response {
        var layout = layout(request, title: title, errors: errors)
        layout.template = template
        let form = content as? any FormPage
        if let dates = form?.formDates, !dates.isEmpty {
            layout.errors = layout.errors.map { dates.contains($0.field) ? FieldError(field: DateInput.anchor($0.field), message: $0.message) : $0 }
        }
        var page = PageView(layout: layout, page: content)
        if let form {
            page.fields = FieldState.all(from: form.formValues, errors: layout.fieldErrors, choices: form.formChoices, limits: form.formLimits)
        }
        let view = View(data: try await write(request, template, page))
        let response = try await view.encodeResponse(status: status ?? ((errors?.isEmpty ?? true) ? .ok : .unprocessableEntity), for: request)
        if layout.flash != nil {
            response.cookies[flashCookie] = HTTPCookies.Value(string: "", expires: Date(timeIntervalSince1970: 0), maxAge: 0, path: "/", isHTTPOnly: true, sameSite: .lax)
        }
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }

    /// The content a fragment's template reads, under the same name a page's does.
    private struct FragmentView<Content: Encodable>: Encodable {
        let page: Content
    }

    /// A part of a page drawn on its own, as HTML for a page to place with `#trustedHTML`: for a part that is the
    /// same for everyone who sees it, so it can be drawn once and kept (the monitoring figures, `DrawnFigures`). Its
    /// template does not extend the layout and is wrapped in `#swiftRendered():` as the layout is, so `LeafWriter`
    /// writes it (and the tests compare it with LeafKit's writing, as they do pages).
    static func fragment<Content: Encodable>(_ request: Request, _ template: String, _ content: Content) async throws -> String {
        String(buffer: try await write(request, template, FragmentView(page: content)))
    }

    /// A template written with `content`, and (in the tests) compared with LeafKit's own writing of it.
    private static func write<Content: Encodable>(_ request: Request, _ template: String, _ content: Content) async throws -> ByteBuffer {
        guard let renderer = request.casework.pageRenderer else {
            fatalError("configure(_:settings:) did not set the page renderer")
        }
        // Leaf reads the content through our encoder (see `LeafContextEncoder`), not its own.
        let context = try LeafContextEncoder.encode(content)
        let written = try await renderer.renderer(for: request).render(path: template, context: context).get()
        if let reference = request.casework.leafReference {
            try await reference.check(template, context: context, written: written)
        }
        return written
    }

    /// Redirects after a successful form, carrying a one-time confirmation message.
    static func redirect(_ request: Request, to path: String, flash: String? = nil) -> Response {
        let response = request.redirect(to: path, redirectType: .normal)
        if let flash {
            response.cookies[flashCookie] = HTTPCookies.Value(
                string: flash.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "", path: "/",
                isSecure: request.isSecure, isHTTPOnly: true, sameSite: .lax)
        }
        return response
    }

    /// The usual form submission: act, then redirect with a confirmation; on invalid input show the same form
    /// again with its error summary and what was typed.
    static func submit<Content: Encodable, Outcome>(
        _ request: Request, template: String, title: String, redisplay content: Content,
        action: () async throws -> Outcome, then success: (Outcome) -> (path: String, flash: String)
    ) async throws -> Response {
        do {
            let outcome = try await action()
            let (path, flash) = success(outcome)
            return redirect(request, to: path, flash: flash)
        } catch let failure as ValidationFailure {
            return try await render(request, template, title: title, content, errors: failure)
        }
    }

    struct ErrorContent: Encodable {
        let status: Int
        let heading: String
        let message: String
    }

    static func errorPage(_ request: Request, status: HTTPResponseStatus, message: String, fields: [(name: String, message: String)]) async throws -> Response {
        let heading: String = switch status {
        case .notFound: "Page not found"
        case .forbidden: "You cannot do this"
        case .conflict: "This has already changed"
        case .tooManyRequests: "Too many attempts"
        case .unprocessableEntity, .badRequest: "There is a problem"
        default: status.code >= 500 ? "Sorry, there is a problem with the service" : status.reasonPhrase
        }
        let detail = fields.isEmpty ? message : fields.map(\.message).joined(separator: ". ")
        do {
            return try await render(request, "error", title: heading, ErrorContent(status: Int(status.code), heading: heading, message: detail), status: status)
        } catch {
            // The template itself failed: answer plain text rather than nothing.
            let response = Response(status: status, body: .init(string: "\(heading)\n\n\(detail)\n"))
            response.headers.contentType = .plainText
            return response
        }
    }
}
