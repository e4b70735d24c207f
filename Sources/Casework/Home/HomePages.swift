import Vapor

/// Each role's home page (its JSON twin is `HomeRoutes`).
struct HomePages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.grouped(PageGate()).get(use: homePage)
    }

    @Sendable func homePage(req: Request) async throws -> Response {
        let home = try await HomeService(request: req).home()
        return try await Pages.render(req, "home", title: "\(home.roleName) home", home)
    }
}
