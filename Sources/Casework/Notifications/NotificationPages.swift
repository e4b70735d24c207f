import CaseworkCore
import Vapor

/// A person's inbox page and the administrator's outbox page (their JSON twins are `NotificationRoutes`).
struct NotificationPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let pages = routes.grouped(PageGate())
        pages.get("notifications", use: inboxPage)
        pages.post("notifications", ":id", "read", use: markReadSubmit)
        pages.post("notifications", "read", use: markAllReadSubmit)
        pages.get("outbox", use: outboxPage)
        pages.post("outbox", ":id", "retry", use: retrySubmit)
    }

    struct InboxContent: Encodable {
        let unread: [NotificationDTO]
        let read: [NotificationDTO]
    }

    @Sendable func inboxPage(req: Request) async throws -> Response {
        let all = try await NotificationService(request: req).inbox()
        return try await Pages.render(req, "notifications", title: "Notifications",
                                      InboxContent(unread: all.filter { !$0.read }, read: all.filter(\.read)))
    }

    @Sendable func markReadSubmit(req: Request) async throws -> Response {
        try await NotificationService(request: req).markRead(try PathParameters.uuid(req, what: "notification"))
        return Pages.redirect(req, to: "/notifications", flash: "Marked as read")
    }

    @Sendable func markAllReadSubmit(req: Request) async throws -> Response {
        try await NotificationService(request: req).markAllRead()
        return Pages.redirect(req, to: "/notifications", flash: "All notifications marked as read")
    }

    struct OutboxContent: Encodable {
        let smtpServer: String?
        let pending: [OutboxMessageDTO]
        let sent: [OutboxMessageDTO]
    }

    @Sendable func outboxPage(req: Request) async throws -> Response {
        let all = try await NotificationService(request: req).outboxMessages(status: try? req.query.get(String.self, at: "status"))
        let server = req.casework.settings.mail.smtp.map { "\($0.host):\($0.port)" }
        return try await Pages.render(req, "outbox", title: "Email outbox",
                                      OutboxContent(smtpServer: server, pending: all.filter { $0.status == .pending }, sent: all.filter { $0.status == .sent }))
    }

    @Sendable func retrySubmit(req: Request) async throws -> Response {
        _ = try await NotificationService(request: req).retry(try PathParameters.uuid(req, what: "outbox message"))
        return Pages.redirect(req, to: "/outbox", flash: "The message will be tried again within a few seconds")
    }
}
