import Vapor

/// Each role's home in JSON (the page is `HomePages`).
struct HomeRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.grouped("api", "v1").grouped(APIGate()).get("home", use: homeAPI)
    }

    @Sendable func homeAPI(req: Request) async throws -> HomeDTO {
        try await HomeService(request: req).home()
    }
}
