import CaseworkCore
import Fluent
import Vapor

/// Everyone's inbox, and the email outbox administrators watch.
struct NotificationRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let pages = routes.grouped(PageGate())
        pages.get("notifications", use: inboxPage)
        pages.post("notifications", ":id", "read", use: markReadSubmit)
        pages.post("notifications", "read", use: markAllReadSubmit)
        pages.get("outbox", use: outboxPage)
        pages.post("outbox", ":id", "retry", use: retrySubmit)
        let api = routes.grouped("api", "v1").grouped(APIGate())
        api.get("notifications", use: notifications)
        api.post("notifications", ":id", "read", use: markRead)
        api.get("outbox", use: outbox)
        api.post("outbox", ":id", "retry", use: retry)
    }

    struct NotificationDTO: Content {
        let id: String
        let at: String
        let kind: NotificationKind
        let text: String
        let link: String?
        let read: Bool

        init(_ note: NotificationModel) {
            id = note.id!.uuidString
            at = CaseworkTime.iso8601(note.at)
            kind = note.kind
            text = note.text
            link = note.link
            read = note.readAt != nil
        }
    }

    // MARK: Inbox

    static func inbox(_ req: Request) async throws -> [NotificationDTO] {
        let user = try req.requireUser()
        return try await NotificationModel.query(on: req.db).filter(\.$staffId == user.staffId).sort(\.$at, .descending).limit(200).all()
            .map(NotificationDTO.init)
    }

    @Sendable func notifications(req: Request) async throws -> ListDTO<NotificationDTO> {
        ListDTO(items: try await Self.inbox(req), nextCursor: nil)
    }

    /// Marks one of your own notifications read (repeating it changes nothing).
    static func markRead(_ req: Request, id: UUID) async throws {
        let user = try req.requireUser()
        try await req.write { ctx in
            guard let note = try await NotificationModel.find(id, on: ctx.db), note.staffId == user.staffId else {
                throw DomainError.notFound("There is no notification with id \(id.uuidString) in your inbox")
            }
            note.readAt = note.readAt ?? ctx.now
            try await note.save(on: ctx.db)
        }
    }

    @Sendable func markRead(req: Request) async throws -> Response {
        try await Self.markRead(req, id: try PathParameters.uuid(req, what: "notification"))
        return Response(status: .noContent)
    }

    struct InboxContent: Encodable {
        let unread: [NotificationDTO]
        let read: [NotificationDTO]
    }

    @Sendable func inboxPage(req: Request) async throws -> Response {
        let all = try await Self.inbox(req)
        return try await Pages.render(req, "notifications", title: "Notifications",
                                      InboxContent(unread: all.filter { !$0.read }, read: all.filter(\.read)))
    }

    @Sendable func markReadSubmit(req: Request) async throws -> Response {
        try await Self.markRead(req, id: try PathParameters.uuid(req, what: "notification"))
        return Pages.redirect(req, to: "/notifications", flash: "Marked as read")
    }

    @Sendable func markAllReadSubmit(req: Request) async throws -> Response {
        let user = try req.requireUser()
        try await req.write { ctx in
            try await NotificationModel.query(on: ctx.db).filter(\.$staffId == user.staffId).filter(\.$readAt == nil).set(\.$readAt, to: ctx.now).update()
        }
        return Pages.redirect(req, to: "/notifications", flash: "All notifications marked as read")
    }

    // MARK: Outbox

    struct OutboxMessageDTO: Content {
        let id: String
        let createdAt: String
        let to: String
        let toStaffId: String?
        let subject: String
        let body: String
        let accessRequestId: String?
        let status: OutboxStatus
        let attempts: Int
        let nextAttemptAt: String?
        let lastError: String?
        let sentAt: String?

        init(_ message: OutboxMessageModel) {
            id = message.id!.uuidString
            createdAt = CaseworkTime.iso8601(message.createdAt)
            to = message.toAddress
            toStaffId = message.toStaffId
            subject = message.subject
            body = message.body
            accessRequestId = message.accessRequestId?.uuidString
            status = message.status
            attempts = message.attempts
            nextAttemptAt = message.status == .pending ? CaseworkTime.iso8601(message.nextAttemptAt) : nil
            lastError = message.lastError
            sentAt = message.sentAt.map(CaseworkTime.iso8601)
        }
    }

    /// Newest first; `status` narrows to pending or sent.
    static func outboxMessages(_ req: Request) async throws -> [OutboxMessageDTO] {
        try req.requireRole(.administrator)
        let text = (try? req.query.get(String.self, at: "status")) ?? ""
        var query = OutboxMessageModel.query(on: req.db)
        if !text.isEmpty {
            guard let status = OutboxStatus(rawValue: text) else { throw ValidationFailure(["status": "status must be pending or sent"]) }
            query = query.filter(\.$status == status)
        }
        return try await query.sort(\.$createdAt, .descending).limit(500).all().map(OutboxMessageDTO.init)
    }

    @Sendable func outbox(req: Request) async throws -> ListDTO<OutboxMessageDTO> {
        ListDTO(items: try await Self.outboxMessages(req), nextCursor: nil)
    }

    /// An administrator asks for a pending message to be tried at the next delivery run, not after its backoff.
    static func retry(_ req: Request, id: UUID) async throws -> OutboxMessageDTO {
        let user = try req.requireRole(.administrator)
        return try await req.write { ctx in
            guard let message = try await OutboxMessageModel.find(id, on: ctx.db) else {
                throw DomainError.notFound("There is no outbox message with id \(id.uuidString)")
            }
            guard message.status == OutboxStatus.pending else { throw DomainError.conflict("That message was already sent at \(message.sentAt.map(CaseworkTime.iso8601) ?? "")") }
            message.nextAttemptAt = CaseworkTime.wholeSecond(ctx.now)
            try await message.save(on: ctx.db)
            try await ctx.audit(AuditEntry(user.actor, "outbox.retry", subjectType: "outboxMessage", subjectId: id.uuidString, detail: "to \(message.toAddress) after \(message.attempts) attempt(s)"))
            return OutboxMessageDTO(message)
        }
    }

    @Sendable func retry(req: Request) async throws -> OutboxMessageDTO {
        try await Self.retry(req, id: try PathParameters.uuid(req, what: "outbox message"))
    }

    struct OutboxContent: Encodable {
        let smtpServer: String?
        let pending: [OutboxMessageDTO]
        let sent: [OutboxMessageDTO]
    }

    @Sendable func outboxPage(req: Request) async throws -> Response {
        let all = try await Self.outboxMessages(req)
        let server = req.casework.settings.mail.smtp.map { "\($0.host):\($0.port)" }
        return try await Pages.render(req, "outbox", title: "Email outbox",
                                      OutboxContent(smtpServer: server, pending: all.filter { $0.status == .pending }, sent: all.filter { $0.status == .sent }))
    }

    @Sendable func retrySubmit(req: Request) async throws -> Response {
        _ = try await Self.retry(req, id: try PathParameters.uuid(req, what: "outbox message"))
        return Pages.redirect(req, to: "/outbox", flash: "The message will be tried again within a few seconds")
    }
}
