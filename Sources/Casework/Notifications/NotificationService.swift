import CaseworkCore
import Fluent
import Vapor

/// A person's inbox, and the email outbox an administrator watches. Its routes are `NotificationRoutes` (JSON) and
/// `NotificationPages`; the notices and emails themselves are queued by the changes that cause them (`Inbox`,
/// `Outbox`).
struct NotificationService: RepositoryService {
    let context: ServiceContext
    let repository: @Sendable (any Database) -> any NotificationRepository

    static let fluent: @Sendable (any Database) -> any NotificationRepository = { FluentNotificationRepository(db: $0) }

    /// The most notices the inbox lists, newest first.
    static let inboxLimit = 200
    /// The most messages the outbox lists, newest first.
    static let outboxLimit = 500

    // MARK: Inbox

    func inbox() async throws -> [NotificationDTO] {
        let user = try context.requireUser()
        return try await repository(db).notices(for: user.staffId, limit: Self.inboxLimit).map(NotificationDTO.init)
    }

    /// Marks one of your own notifications read (repeating it changes nothing).
    func markRead(_ id: UUID) async throws {
        let user = try context.requireUser()
        try await context.write { [repository] ctx in
            let stored = repository(ctx.db)
            guard let note = try await stored.notice(id), note.staffId == user.staffId else {
                throw DomainError.notFound("There is no notification with id \(id.text) in your inbox")
            }
            note.readAt = note.readAt ?? ctx.now
            try await stored.save(note)
        }
    }

    func markAllRead() async throws {
        let user = try context.requireUser()
        try await context.write { [repository] ctx in
            try await repository(ctx.db).markAllRead(of: user.staffId, at: ctx.now)
        }
    }

    // MARK: Outbox

    /// Newest first; `status` (typed, possibly blank) narrows to pending or sent.
    func outboxMessages(status text: String?) async throws -> [OutboxMessageDTO] {
        try context.requireRole(.administrator)
        var status: OutboxStatus?
        if let text, !text.isEmpty {
            guard let typed = OutboxStatus(rawValue: text) else { throw ValidationFailure(["status": "status must be pending or sent"]) }
            status = typed
        }
        return try await repository(db).messages(status: status, limit: Self.outboxLimit).map(OutboxMessageDTO.init)
    }

    /// An administrator asks for a pending message to be tried at the next delivery run, not after its backoff.
    func retry(_ id: UUID) async throws -> OutboxMessageDTO {
        let user = try context.requireRole(.administrator)
        return try await context.write { [repository] ctx in
            let stored = repository(ctx.db)
            guard let message = try await stored.message(id) else {
                throw DomainError.notFound("There is no outbox message with id \(id.text)")
            }
            guard message.status == OutboxStatus.pending else { throw DomainError.conflict("That message was already sent at \(message.sentAt.map(CaseworkTime.iso8601) ?? "")") }
            message.nextAttemptAt = CaseworkTime.wholeSecond(ctx.now)
            try await stored.save(message)
            try await ctx.audit(AuditEntry(user.actor, "outbox.retry", subjectType: "outboxMessage", subjectId: id.text, detail: "to \(message.toAddress) after \(message.attempts) attempt(s)"))
            return OutboxMessageDTO(message)
        }
    }
}
