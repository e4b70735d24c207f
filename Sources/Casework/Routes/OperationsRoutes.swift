import CaseworkCore
import Fluent
import SQLKit
import Vapor

/// Health, the OpenAPI document, and (in test mode only) the test clock.
struct OperationsRoutes: RouteCollection {
    let testClock: TestClock?

    func boot(routes: any RoutesBuilder) throws {
        routes.get("health", use: health)
        routes.get("openapi.json", use: openAPI)
        if testClock != nil {
            routes.post("api", "v1", "test-clock", use: moveClock)
        }
    }

    struct HealthDTO: Content { let status: String }

    @Sendable func health(req: Request) async throws -> Response {
        do {
            _ = try await (req.db as! any SQLDatabase).raw("SELECT 1 AS ok").all()
            return try await HealthDTO(status: "ok").encodeResponse(for: req)
        } catch {
            return try await HealthDTO(status: "unavailable: the database does not answer").encodeResponse(status: .serviceUnavailable, for: req)
        }
    }

    @Sendable func openAPI(req: Request) async throws -> Response {
        let document = OpenAPIDocument.make(testClock: testClock != nil)
        let data = try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .prettyPrinted])
        var headers = HTTPHeaders()
        headers.contentType = .json
        return Response(status: .ok, headers: headers, body: .init(data: data))
    }

    struct ClockMove: Content {
        var advanceMinutes: Int?
        var now: String?
    }

    struct ClockDTO: Content { let now: String }

    @Sendable func moveClock(req: Request) async throws -> ClockDTO {
        guard let clock = testClock else { throw Abort(.notFound) }
        let body = try req.content.decode(ClockMove.self)
        switch (body.advanceMinutes, body.now) {
        case (let minutes?, nil):
            guard minutes >= 0 else { throw ValidationFailure(["advanceMinutes": "advanceMinutes must be 0 or more: the clock only moves forward this way"]) }
            clock.advance(by: TimeInterval(minutes) * 60)
        case (nil, let text?):
            guard let instant = CaseworkTime.parse(text) else { throw ValidationFailure(["now": "now must be an instant like 2026-11-22T09:30:00Z"]) }
            clock.set(instant)
        default:
            throw ValidationFailure(["advanceMinutes": "Send either advanceMinutes or now, not both or neither"])
        }
        req.logger.notice("test clock moved to \(CaseworkTime.iso8601(clock.now()))")
        return ClockDTO(now: CaseworkTime.iso8601(clock.now()))
    }
}
