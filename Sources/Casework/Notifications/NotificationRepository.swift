import CaseworkCore
import Fluent
import Foundation

/// The inbox's and the outbox's rows. `NotificationService` and `OutboxDelivery` keep the rules (whose notice, when
/// a message is due, the retry wait) and ask this for rows; `FluentNotificationRepository` is the database's. New
/// notices and messages are inserted with the change that causes them (`Inbox`, `Outbox`, `WriteContext`).
protocol NotificationRepository: Sendable {
    /// A person's notices, newest first.
    func notices(for staffId: String, limit: Int) async throws -> [NotificationModel]
    func notice(_ id: UUID) async throws -> NotificationModel?
    func save(_ notice: NotificationModel) async throws
    /// Marks every unread notice of a person read at `now`.
    func markAllRead(of staffId: String, at now: Date) async throws

    /// Messages newest first, only those at `status` when given.
    func messages(status: OutboxStatus?, limit: Int) async throws -> [OutboxMessageModel]
    /// Pending messages whose next attempt is due by `now`, oldest first.
    func dueMessages(at now: Date, limit: Int) async throws -> [OutboxMessageModel]
    func message(_ id: UUID) async throws -> OutboxMessageModel?
    func save(_ message: OutboxMessageModel) async throws
}

/// The inbox and the outbox through Fluent, on the database it is made for.
struct FluentNotificationRepository: NotificationRepository {
    let db: any Database

    func notices(for staffId: String, limit: Int) async throws -> [NotificationModel] {
        try await NotificationModel.query(on: db).filter(\.$staffId == staffId).sort(\.$at, .descending).limit(limit).all()
    }

    func notice(_ id: UUID) async throws -> NotificationModel? {
        try await NotificationModel.find(id, on: db)
    }

    func save(_ notice: NotificationModel) async throws {
        try await notice.save(on: db)
    }

    func markAllRead(of staffId: String, at now: Date) async throws {
        try await NotificationModel.query(on: db).filter(\.$staffId == staffId).filter(\.$readAt == nil).set(\.$readAt, to: now).update()
    }

    func messages(status: OutboxStatus?, limit: Int) async throws -> [OutboxMessageModel] {
        var query = OutboxMessageModel.query(on: db)
        if let status { query = query.filter(\.$status == status) }
        return try await query.sort(\.$createdAt, .descending).limit(limit).all()
    }

    func dueMessages(at now: Date, limit: Int) async throws -> [OutboxMessageModel] {
        try await OutboxMessageModel.query(on: db).filter(\.$status == OutboxStatus.pending).filter(\.$nextAttemptAt <= now)
            .sort(\.$createdAt).limit(limit).all()
    }

    func message(_ id: UUID) async throws -> OutboxMessageModel? {
        try await OutboxMessageModel.find(id, on: db)
    }

    func save(_ message: OutboxMessageModel) async throws {
        try await message.save(on: db)
    }
}
