import CaseworkCore
import Fluent
import Vapor

/// A segment's hopper: its waiting SRs, oldest first, and the one form that assigns them.
struct HopperPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let pages = routes.grouped(PageGate())
        pages.get("hoppers", ":segment", use: hopperPage)
        pages.post("hoppers", ":segment", "assignment", use: hopperAssignSubmit)
    }

    /// Form and page helpers for a person's own segments and the hoppers they can open.
    static func links(for user: CurrentUser) -> [NavItem] {
        guard let role = user.role else { return [] }
        var links: [NavItem] = []
        for segment in [Segment.scr, .cfat, Segment.forTeam(user.profile.team)] {
            if segment.hasMember(user.profile) || segment.mayAssign(user.profile, actingAs: role) {
                links.append(NavItem(href: "/hoppers/\(segment.id)", label: "\(segment.displayName(teamName: user.profile.team)) hopper", current: false))
            }
        }
        return links
    }

    /// The hopper page's one form: the person chosen once, the SR named by the Assign button pressed.
    struct HopperAssignForm: Content {
        var staffId: String?
        var serviceRequestId: String?
    }

    @Sendable func hopperAssignSubmit(req: Request) async throws -> Response {
        let form = try req.content.decode(HopperAssignForm.self)
        guard let id = UUID(uuidString: form.serviceRequestId ?? "") else {
            throw ValidationFailure(["serviceRequestId": "Press Assign on the service request to assign"])
        }
        let sr = try await ServiceRequests(request: req).assign(id, to: form.staffId ?? "")
        return Pages.redirect(req, to: "/hoppers/\(sr.segment ?? "")", flash: "\(sr.reference) was assigned to \(sr.assigneeStaffId ?? "") - \(sr.assigneeName ?? "")")
    }

    @Sendable func hopperPage(req: Request) async throws -> Response {
        let (segment, name) = try await HopperRoutes.segment(req)
        let user = try req.requireUser()
        let paging = try Paging(req)
        let records = ServiceRequests(request: req)
        let page = try await records.hopper(segment, limit: paging.limit, after: paging.cursor)
        let mayAssign = user.role.map { segment.mayAssign(user.profile, actingAs: $0) } ?? false
        let assignees = mayAssign ? try await records.assigneeChoices(of: segment, teamName: name).options : ""
        return try await Pages.render(req, "hopper", title: "\(segment == .scr ? "SCR" : name) hopper", HopperView(
            segment: segment.id, name: segment == .scr ? "SCR" : name, items: page.items, nextCursor: page.next, assigneeOptions: assignees, mayAssign: mayAssign,
            pagination: .keyset(path: "/hoppers/\(segment.id)", next: page.next, isFirstPage: paging.cursor == nil)))
    }
}
