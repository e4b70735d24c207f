import CaseworkCore
import Crypto
import Fluent
import SQLKit
import Vapor

/// Health, metrics, the OpenAPI document, and (in test mode only) the test clock.
struct OperationsRoutes: RouteCollection {
    let testClock: TestClock?
    /// The bearer token /metrics asks for; with none, /metrics answers 404.
    let metricsToken: String?

    func boot(routes: any RoutesBuilder) throws {
        routes.get("health", use: health)
        routes.get("metrics", use: metrics)
        routes.get("openapi.json", use: openAPI)
        if testClock != nil {
            routes.post("api", "v1", "test-clock", use: moveClock)
        }
    }

    struct HealthDTO: Content { let status: String }

    @Sendable func health(req: Request) async throws -> Response {
        do {
            _ = try await (req.database as! any SQLDatabase).raw("SELECT 1 AS ok").all()
            return try await HealthDTO(status: "ok").encodeResponse(for: req)
        } catch {
            return try await HealthDTO(status: "unavailable: the database does not answer").encodeResponse(status: .serviceUnavailable, for: req)
        }
    }

    /// Prometheus text format, for operators' scrapers, behind its own bearer token (CASEWORK_METRICS_TOKEN).
    @Sendable func metrics(req: Request) async throws -> Response {
        guard let expected = metricsToken else {
            return Self.plain(.notFound, "Metrics are off: set CASEWORK_METRICS_TOKEN (16 characters or more) and scrape with that bearer token\n")
        }
        // Compared as digests, so the time taken says nothing about how much of the token was right.
        guard let given = req.headers.bearerAuthorization?.token,
              SHA256.hash(data: Array(given.utf8)) == SHA256.hash(data: Array(expected.utf8)) else {
            let response = Self.plain(.unauthorized, "Send the metrics token as a bearer token: Authorization: Bearer <CASEWORK_METRICS_TOKEN>\n")
            response.headers.replaceOrAdd(name: .wwwAuthenticate, value: "Bearer realm=\"casework-metrics\"")
            return response
        }
        let body = try await CaseworkMetrics.exposition(db: req.database as! any SQLDatabase, now: req.now)
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: "text/plain; version=0.0.4; charset=utf-8")
        return Response(status: .ok, headers: headers, body: .init(data: Data(body)))
    }

    private static func plain(_ status: HTTPResponseStatus, _ text: String) -> Response {
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: "text/plain; charset=utf-8")
        return Response(status: status, headers: headers, body: .init(string: text))
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
        req.casework.expiryAlarm.ring()
        req.logger.notice("test clock moved to \(CaseworkTime.iso8601(clock.now()))")
        return ClockDTO(now: CaseworkTime.iso8601(clock.now()))
    }
}
