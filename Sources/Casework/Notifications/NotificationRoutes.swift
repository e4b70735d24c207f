import CaseworkCore
import Vapor

/// The inbox and the outbox in JSON (the pages are `NotificationPages`).
struct NotificationRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let api = routes.grouped("api", "v1").grouped(APIGate())
        api.get("notifications", use: notifications)
        api.post("notifications", ":id", "read", use: markRead)
        api.get("outbox", use: outbox)
        api.post("outbox", ":id", "retry", use: retry)
    }

    @Sendable func notifications(req: Request) async throws -> ListDTO<NotificationDTO> {
        ListDTO(items: try await NotificationService(request: req).inbox(), nextCursor: nil)
    }

    @Sendable func markRead(req: Request) async throws -> Response {
        try await NotificationService(request: req).markRead(try PathParameters.uuid(req, what: "notification"))
        return Response(status: .noContent)
    }

    @Sendable func outbox(req: Request) async throws -> ListDTO<OutboxMessageDTO> {
        ListDTO(items: try await NotificationService(request: req).outboxMessages(status: try? req.query.get(String.self, at: "status")), nextCursor: nil)
    }

    @Sendable func retry(req: Request) async throws -> OutboxMessageDTO {
        try await NotificationService(request: req).retry(try PathParameters.uuid(req, what: "outbox message"))
    }
}
