import CaseworkCore
import Fluent
import Vapor

/// Hoppers through the JSON API: the items waiting and the people they may go to.
struct HopperRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let api = routes.grouped("api", "v1").grouped(APIGate())
        api.get("hoppers", ":segment", "items", use: hopperAPI)
        api.get("hoppers", ":segment", "members", use: hopperMembersAPI)
    }

    /// Segments exist for scr, cfat and every team someone works in.
    static func segment(_ req: Request) async throws -> (Segment, String) {
        try await ServiceRequests(request: req).segment(named: req.parameters.get("segment") ?? "")
    }

    @Sendable func hopperAPI(req: Request) async throws -> ListDTO<HopperItemDTO> {
        let (segment, _) = try await Self.segment(req)
        let paging = try Paging(req)
        let page = try await ServiceRequests(request: req).hopper(segment, limit: paging.limit, after: paging.cursor)
        return ListDTO(items: page.items, nextCursor: page.next)
    }

    @Sendable func hopperMembersAPI(req: Request) async throws -> ListDTO<StaffDTO> {
        let (segment, name) = try await Self.segment(req)
        try ServiceRequests.checkHopperAccess(segment, user: try req.requireUser())
        return ListDTO(items: try await ServiceRequests(request: req).members(of: segment, teamName: name).map(StaffDTO.init), nextCursor: nil)
    }
}
