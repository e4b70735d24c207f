import CaseworkCore
import Fluent
import Vapor

/// The staff directory through the JSON API; `StaffForm` is also what the pages' forms post.
struct DirectoryRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let api = routes.grouped("api", "v1").grouped(APIGate()).grouped("staff")
        api.get(use: searchAPI)
        api.post(use: createAPI)
        api.get(":staffId", use: viewAPI)
        api.patch(":staffId", use: updateAPI)
        api.post(":staffId", "deactivate", use: deactivateAPI)
        api.post(":staffId", "reactivate", use: reactivateAPI)
        api.post(":staffId", "password-reset", use: resetAPI)
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

    @Sendable func searchAPI(req: Request) async throws -> ListDTO<StaffDTO> {
        let q = (try? req.query.get(String.self, at: "q")) ?? ""
        let paging = try Paging(req)
        let found = try await req.directory.search(q, limit: paging.limit, after: paging.cursor)
        return ListDTO(items: try found.staff.map { StaffDTO(try $0.profile(roles: $0.loadedRoles)) }, nextCursor: found.next)
    }

    @Sendable func viewAPI(req: Request) async throws -> StaffDTO {
        StaffDTO(try await req.directory.requireProfile(try PathParameters.staffId(req)))
    }

    @Sendable func createAPI(req: Request) async throws -> Response {
        let user = try req.requireRole(.administrator)
        let form = try req.content.decode(StaffForm.self)
        let profile = try await req.directory.create(form.input, password: form.password, by: user.actor)
        return try await StaffDTO(profile).encodeResponse(status: .created, for: req)
    }

    @Sendable func updateAPI(req: Request) async throws -> StaffDTO {
        let user = try req.requireRole(.administrator)
        let id = try PathParameters.staffId(req)
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
        return StaffDTO(try await req.directory.setActive(try PathParameters.staffId(req), false, by: user.actor))
    }

    @Sendable func reactivateAPI(req: Request) async throws -> StaffDTO {
        let user = try req.requireRole(.administrator)
        return StaffDTO(try await req.directory.setActive(try PathParameters.staffId(req), true, by: user.actor))
    }

    struct ResetDTO: Content {
        let staffId: String
        let temporaryPassword: String
        let mustChangePassword: Bool
    }

    @Sendable func resetAPI(req: Request) async throws -> ResetDTO {
        let user = try req.requireRole(.administrator)
        let result = try await req.directory.resetPassword(try PathParameters.staffId(req), by: user.actor)
        return ResetDTO(staffId: result.profile.staffId.value, temporaryPassword: result.temporaryPassword, mustChangePassword: true)
    }
}
