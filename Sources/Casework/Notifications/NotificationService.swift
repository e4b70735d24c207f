import CaseworkCore
import Fluent
import Vapor

/// A person's inbox, and the email outbox an administrator watches. Its routes are `NotificationRoutes` (JSON) and
/// `NotificationPages`; the notices and emails themselves are queued by the changes that cause them (`Inbox`,
/// `Outbox`).
struct NotificationService: ContextService {
    let context: ServiceContext

    /// The most notices the inbox lists, newest first.
    static let inboxLimit = 200
    /// The most messages the outbox lists, newest first.
    static let outboxLimit = 500

    // MARK: Inbox

    func inbox() async throws -> [NotificationDTO] {
        let user = try context.requireUser()
        return try await NotificationModel.query(on: db).filter(\.$staffId == user.staffId).sort(\.$at, .descending).limit(Self.inboxLimit).all()
            .map(NotificationDTO.init)
    }

    /// Marks one of your own notifications read (repeating it changes nothing).
    func markRead(_ id: UUID) async throws {
        let user = try context.requireUser()
        try await context.write { ctx in
            guard let note = try await NotificationModel.find(id, on: ctx.db), note.staffId == user.staffId else {
                throw DomainError.notFound("There is no notification with id \(id.uuidString) in your inbox")
            }
            note.readAt = note.readAt ?? ctx.now
            try await note.save(on: ctx.db)
        }
    }

    func markAllRead() async throws {
        let user = try context.requireUser()
        try await context.write { ctx in
            try await NotificationModel.query(on: ctx.db).filter(\.$staffId == user.staffId).filter(\.$readAt == nil).set(\.$readAt, to: ctx.now).update()
        }
    }

    // MARK: Outbox

    /// Newest first; `status` (typed, possibly blank) narrows to pending or sent.
    func outboxMessages(status text: String?) async throws -> [OutboxMessageDTO] {
        try context.requireRole(.administrator)
        var query = OutboxMessageModel.query(on: db)
        if let text, !text.isEmpty {
            guard let status = OutboxStatus(rawValue: text) else { throw ValidationFailure(["status": "status must be pending or sent"]) }
            query = query.filter(\.$status == status)
        }
        return try await query.sort(\.$createdAt, .descending).limit(Self.outboxLimit).all().map(OutboxMessageDTO.init)
    }

    /// An administrator asks for a pending message to be tried at the next delivery run, not after its backoff.
    func retry(_ id: UUID) async throws -> OutboxMessageDTO {
        let user = try context.requireRole(.administrator)
        return try await context.write { ctx in
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
}
