import CaseworkCore
import Fluent
import Vapor

/// The staff directory's pages: search for everyone; adding, changing, deactivating and password resets for
/// administrators. Their JSON twins are `DirectoryRoutes`.
struct DirectoryPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let pages = routes.grouped(PageGate()).grouped("staff")
        pages.get(use: searchPage)
        pages.get("new", use: newPage)
        pages.post("new", use: createSubmit)
        pages.get(":staffId", use: viewPage)
        pages.get(":staffId", "edit", use: editPage)
        pages.post(":staffId", "edit", use: editSubmit)
        pages.post(":staffId", "deactivate", use: deactivateSubmit)
        pages.post(":staffId", "reactivate", use: reactivateSubmit)
        pages.post(":staffId", "reset-password", use: resetSubmit)
    }

    struct StaffRow: Encodable {
        let staffId: String
        let name: String
        let email: String
        let phone: String
        let team: String
        let grade: String
        let area: String
        let teamLeader: String
        let roles: String
        let active: Bool
    }

    static func row(_ staff: StaffModel) -> StaffRow {
        StaffRow(staffId: staff.id!, name: staff.name, email: staff.email, phone: staff.phone, team: staff.team, grade: staff.grade,
                 area: staff.area, teamLeader: staff.teamLeaderStaffId ?? "", roles: staff.loadedRoles.map(\.displayName).joined(separator: ", "),
                 active: staff.active)
    }

    struct SearchContent: Encodable {
        let q: String
        let searched: Bool
        let results: [StaffRow]
        let nextCursor: String?
        let canAdd: Bool
        let pagination: Pagination?
    }

    @Sendable func searchPage(req: Request) async throws -> Response {
        let q = (try? req.query.get(String.self, at: "q")) ?? ""
        let paging = try Paging(req)
        let found = try await req.directory.search(q, limit: paging.limit, after: paging.cursor)
        return try await Pages.render(req, "staff-search", title: "Staff directory", SearchContent(
            q: q, searched: !q.isEmpty, results: found.staff.map(Self.row), nextCursor: found.next,
            canAdd: req.currentUser?.role == .administrator,
            pagination: .keyset(path: "/staff", query: [("q", q)], next: found.next, isFirstPage: paging.cursor == nil)))
    }

    struct ViewContent: Encodable {
        let staff: StaffRow
        let teamLeaderName: String?
        let isAdmin: Bool
        let isSelf: Bool
        let temporaryPassword: String?
    }

    @Sendable func viewPage(req: Request) async throws -> Response {
        try await renderView(req, staffId: try PathParameters.staffId(req), temporaryPassword: nil)
    }

    func renderView(_ req: Request, staffId: String, temporaryPassword: String?) async throws -> Response {
        let staff = try await req.directory.require(staffId)
        let leader = try await staff.teamLeaderStaffId.asyncMap { try await req.directory.find($0) } ?? nil
        return try await Pages.render(req, "staff-view", title: "\(staff.name)", ViewContent(
            staff: Self.row(staff), teamLeaderName: leader?.name, isAdmin: req.currentUser?.role == .administrator,
            isSelf: req.currentUser?.staffId == staffId, temporaryPassword: temporaryPassword))
    }

    struct FormContent: Encodable, FormPage {
        let isNew: Bool
        let action: String
        let values: DirectoryRoutes.StaffForm
        let roles: [Choice]
        var formValues: Any { values }
        var formChoices: [String: [Choice]] { ["roles": roles] }
    }

    static func formContent(isNew: Bool, action: String, values: DirectoryRoutes.StaffForm) -> FormContent {
        FormContent(isNew: isNew, action: action, values: values.withoutPassword,
                    roles: Choice.of(Role.allCases, name: \.displayName, chosen: Set(values.roles ?? [])))
    }

    @Sendable func newPage(req: Request) async throws -> Response {
        try req.requireRole(.administrator)
        return try await Pages.render(req, "staff-form", title: "Add a person", Self.formContent(isNew: true, action: "/staff/new", values: DirectoryRoutes.StaffForm()))
    }

    @Sendable func createSubmit(req: Request) async throws -> Response {
        let user = try req.requireRole(.administrator)
        let form = try req.content.decode(DirectoryRoutes.StaffForm.self)
        return try await Pages.submit(req, template: "staff-form", title: "Add a person", redisplay: Self.formContent(isNew: true, action: "/staff/new", values: form)) {
            try await req.directory.create(form.input, password: (form.password ?? "").isEmpty ? nil : form.password, by: user.actor)
        } then: { profile in ("/staff/\(profile.staffId)", "\(profile.name) was added to the directory") }
    }

    @Sendable func editPage(req: Request) async throws -> Response {
        try req.requireRole(.administrator)
        let staff = try await req.directory.require(try PathParameters.staffId(req))
        return try await Pages.render(req, "staff-form", title: "Change \(staff.name)", Self.formContent(isNew: false, action: "/staff/\(staff.id!)/edit", values: DirectoryRoutes.StaffForm(staff)))
    }

    @Sendable func editSubmit(req: Request) async throws -> Response {
        let user = try req.requireRole(.administrator)
        let id = try PathParameters.staffId(req)
        var form = try req.content.decode(DirectoryRoutes.StaffForm.self)
        form.staffId = id
        let submitted = form
        return try await Pages.submit(req, template: "staff-form", title: "Change \(form.name ?? id)",
                                      redisplay: Self.formContent(isNew: false, action: "/staff/\(id)/edit", values: submitted)) {
            try await req.directory.update(id, submitted.input, by: user.actor)
        } then: { profile in ("/staff/\(id)", "\(profile.name)'s details were saved") }
    }

    @Sendable func deactivateSubmit(req: Request) async throws -> Response {
        let user = try req.requireRole(.administrator)
        let profile = try await req.directory.setActive(try PathParameters.staffId(req), false, by: user.actor)
        return Pages.redirect(req, to: "/staff/\(profile.staffId)", flash: "\(profile.name) was deactivated and signed out everywhere")
    }

    @Sendable func reactivateSubmit(req: Request) async throws -> Response {
        let user = try req.requireRole(.administrator)
        let profile = try await req.directory.setActive(try PathParameters.staffId(req), true, by: user.actor)
        return Pages.redirect(req, to: "/staff/\(profile.staffId)", flash: "\(profile.name) was reactivated")
    }

    @Sendable func resetSubmit(req: Request) async throws -> Response {
        let user = try req.requireRole(.administrator)
        let result = try await req.directory.resetPassword(try PathParameters.staffId(req), by: user.actor)
        // Shown once, on this page only: it is never stored in readable form.
        return try await renderView(req, staffId: result.profile.staffId.value, temporaryPassword: result.temporaryPassword)
    }

}
