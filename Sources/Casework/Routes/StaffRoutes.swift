import CaseworkCore
import Fluent
import Vapor

/// The staff directory: search for everyone; adding, changing, deactivating and password resets for administrators.
struct StaffRoutes: RouteCollection {
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

        let api = routes.grouped("api", "v1").grouped(APIGate()).grouped("staff")
        api.get(use: searchAPI)
        api.post(use: createAPI)
        api.get(":staffId", use: viewAPI)
        api.patch(":staffId", use: updateAPI)
        api.post(":staffId", "deactivate", use: deactivateAPI)
        api.post(":staffId", "reactivate", use: reactivateAPI)
        api.post(":staffId", "password-reset", use: resetAPI)
    }

    // MARK: Shared

    static func staffId(_ req: Request) throws -> String {
        let id = req.parameters.get("staffId") ?? ""
        guard StaffID(id) != nil else { throw DomainError.notFound("\(id) is not a staff ID: staff IDs are 1 to 9 digits") }
        return id
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

    // MARK: Pages

    struct SearchContent: Encodable {
        let q: String
        let searched: Bool
        let results: [StaffRow]
        let nextCursor: String?
        let canAdd: Bool
    }

    @Sendable func searchPage(req: Request) async throws -> Response {
        let q = (try? req.query.get(String.self, at: "q")) ?? ""
        let paging = try Paging(req)
        let found = try await req.directory.search(q, limit: paging.limit, after: paging.cursor)
        return try await Pages.render(req, "staff-search", title: "Staff directory", SearchContent(
            q: q, searched: !q.isEmpty, results: found.staff.map(Self.row), nextCursor: found.next,
            canAdd: req.currentUser?.role == .administrator))
    }

    struct ViewContent: Encodable {
        let staff: StaffRow
        let teamLeaderName: String?
        let isAdmin: Bool
        let isSelf: Bool
        let temporaryPassword: String?
    }

    @Sendable func viewPage(req: Request) async throws -> Response {
        try await renderView(req, staffId: try Self.staffId(req), temporaryPassword: nil)
    }

    func renderView(_ req: Request, staffId: String, temporaryPassword: String?) async throws -> Response {
        let staff = try await req.directory.require(staffId)
        let leader = try await staff.teamLeaderStaffId.asyncMap { try await req.directory.find($0) } ?? nil
        return try await Pages.render(req, "staff-view", title: "\(staff.name)", ViewContent(
            staff: Self.row(staff), teamLeaderName: leader?.name, isAdmin: req.currentUser?.role == .administrator,
            isSelf: req.currentUser?.staffId == staffId, temporaryPassword: temporaryPassword))
    }

    struct RoleChoice: Encodable {
        let id: String
        let name: String
        let checked: Bool
    }

    struct FormContent: Encodable {
        let isNew: Bool
        let action: String
        let values: StaffForm
        let roles: [RoleChoice]
    }

    /// The staff form's fields as typed, so a form with errors shows them again.
    struct StaffForm: Content {
        var staffId: String?
        var name: String?
        var email: String?
        var phone: String?
        var team: String?
        var grade: String?
        var area: String?
        var teamLeaderStaffId: String?
        var roles: [String]?
        var password: String?

        var input: StaffInput {
            StaffInput(staffId: staffId ?? "", name: name ?? "", email: email ?? "", phone: phone ?? "", team: team ?? "",
                       grade: grade ?? "", area: area ?? "", teamLeaderStaffId: teamLeaderStaffId ?? "", roles: roles ?? [])
        }

        init(_ staff: StaffModel) {
            staffId = staff.id
            name = staff.name
            email = staff.email
            phone = staff.phone
            team = staff.team
            grade = staff.grade
            area = staff.area
            teamLeaderStaffId = staff.teamLeaderStaffId
            roles = staff.loadedRoles.map(\.rawValue)
        }

        init() {}

        /// Never send a typed password back to the browser.
        var withoutPassword: StaffForm {
            var copy = self
            copy.password = nil
            return copy
        }
    }

    static func formContent(isNew: Bool, action: String, values: StaffForm) -> FormContent {
        let chosen = Set(values.roles ?? [])
        return FormContent(isNew: isNew, action: action, values: values.withoutPassword,
                           roles: Role.allCases.map { RoleChoice(id: $0.rawValue, name: $0.displayName, checked: chosen.contains($0.rawValue)) })
    }

    @Sendable func newPage(req: Request) async throws -> Response {
        try req.requireRole(.administrator)
        return try await Pages.render(req, "staff-form", title: "Add a person", Self.formContent(isNew: true, action: "/staff/new", values: StaffForm()))
    }

    @Sendable func createSubmit(req: Request) async throws -> Response {
        let user = try req.requireRole(.administrator)
        let form = try req.content.decode(StaffForm.self)
        return try await Pages.submit(req, template: "staff-form", title: "Add a person", redisplay: Self.formContent(isNew: true, action: "/staff/new", values: form)) {
            try await req.directory.create(form.input, password: (form.password ?? "").isEmpty ? nil : form.password, by: user.actor)
        } then: { profile in ("/staff/\(profile.staffId)", "\(profile.name) was added to the directory") }
    }

    @Sendable func editPage(req: Request) async throws -> Response {
        try req.requireRole(.administrator)
        let staff = try await req.directory.require(try Self.staffId(req))
        return try await Pages.render(req, "staff-form", title: "Change \(staff.name)", Self.formContent(isNew: false, action: "/staff/\(staff.id!)/edit", values: StaffForm(staff)))
    }

    @Sendable func editSubmit(req: Request) async throws -> Response {
        let user = try req.requireRole(.administrator)
        let id = try Self.staffId(req)
        var form = try req.content.decode(StaffForm.self)
        form.staffId = id
        let submitted = form
        return try await Pages.submit(req, template: "staff-form", title: "Change \(form.name ?? id)",
                                      redisplay: Self.formContent(isNew: false, action: "/staff/\(id)/edit", values: submitted)) {
            try await req.directory.update(id, submitted.input, by: user.actor)
        } then: { profile in ("/staff/\(id)", "\(profile.name)'s details were saved") }
    }

    @Sendable func deactivateSubmit(req: Request) async throws -> Response {
        let user = try req.requireRole(.administrator)
        let profile = try await req.directory.setActive(try Self.staffId(req), false, by: user.actor)
        return Pages.redirect(req, to: "/staff/\(profile.staffId)", flash: "\(profile.name) was deactivated and signed out everywhere")
    }

    @Sendable func reactivateSubmit(req: Request) async throws -> Response {
        let user = try req.requireRole(.administrator)
        let profile = try await req.directory.setActive(try Self.staffId(req), true, by: user.actor)
        return Pages.redirect(req, to: "/staff/\(profile.staffId)", flash: "\(profile.name) was reactivated")
    }

    @Sendable func resetSubmit(req: Request) async throws -> Response {
        let user = try req.requireRole(.administrator)
        let result = try await req.directory.resetPassword(try Self.staffId(req), by: user.actor)
        // Shown once, on this page only: it is never stored in readable form.
        return try await renderView(req, staffId: result.profile.staffId.value, temporaryPassword: result.temporaryPassword)
    }

    // MARK: API

    @Sendable func searchAPI(req: Request) async throws -> ListDTO<StaffDTO> {
        let q = (try? req.query.get(String.self, at: "q")) ?? ""
        let paging = try Paging(req)
        let found = try await req.directory.search(q, limit: paging.limit, after: paging.cursor)
        return ListDTO(items: try found.staff.map { StaffDTO(try $0.profile(roles: $0.loadedRoles)) }, nextCursor: found.next)
    }

    @Sendable func viewAPI(req: Request) async throws -> StaffDTO {
        StaffDTO(try await req.directory.requireProfile(try Self.staffId(req)))
    }

    @Sendable func createAPI(req: Request) async throws -> Response {
        let user = try req.requireRole(.administrator)
        let form = try req.content.decode(StaffForm.self)
        let profile = try await req.directory.create(form.input, password: form.password, by: user.actor)
        return try await StaffDTO(profile).encodeResponse(status: .created, for: req)
    }

    @Sendable func updateAPI(req: Request) async throws -> StaffDTO {
        let user = try req.requireRole(.administrator)
        let id = try Self.staffId(req)
        let current = StaffForm(try await req.directory.require(id))
        let patch = try req.content.decode(StaffForm.self)
        var merged = current
        merged.name = patch.name ?? current.name
        merged.email = patch.email ?? current.email
        merged.phone = patch.phone ?? current.phone
        merged.team = patch.team ?? current.team
        merged.grade = patch.grade ?? current.grade
        merged.area = patch.area ?? current.area
        merged.teamLeaderStaffId = patch.teamLeaderStaffId ?? current.teamLeaderStaffId
        merged.roles = patch.roles ?? current.roles
        return StaffDTO(try await req.directory.update(id, merged.input, by: user.actor))
    }

    @Sendable func deactivateAPI(req: Request) async throws -> StaffDTO {
        let user = try req.requireRole(.administrator)
        return StaffDTO(try await req.directory.setActive(try Self.staffId(req), false, by: user.actor))
    }

    @Sendable func reactivateAPI(req: Request) async throws -> StaffDTO {
        let user = try req.requireRole(.administrator)
        return StaffDTO(try await req.directory.setActive(try Self.staffId(req), true, by: user.actor))
    }

    struct ResetDTO: Content {
        let staffId: String
        let temporaryPassword: String
        let mustChangePassword: Bool
    }

    @Sendable func resetAPI(req: Request) async throws -> ResetDTO {
        let user = try req.requireRole(.administrator)
        let result = try await req.directory.resetPassword(try Self.staffId(req), by: user.actor)
        return ResetDTO(staffId: result.profile.staffId.value, temporaryPassword: result.temporaryPassword, mustChangePassword: true)
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        switch self {
        case .some(let value): try await transform(value)
        case .none: nil
        }
    }
}
