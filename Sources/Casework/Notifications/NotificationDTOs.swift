import CaseworkCore
import Vapor

/// A notice in someone's inbox, as the JSON and the inbox page show it.
struct NotificationDTO: Content {
    let id: String
    let at: String
    let kind: NotificationKind
    let text: String
    let link: String?
    let read: Bool

    init(_ note: NotificationModel) {
        id = note.id!.text
        at = CaseworkTime.iso8601(note.at)
        kind = note.kind
        text = note.text
        link = note.link
        read = note.readAt != nil
    }
}

/// An email in the outbox, as the JSON and the outbox page show it.
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
        id = message.id!.text
        createdAt = CaseworkTime.iso8601(message.createdAt)
        to = message.toAddress
        toStaffId = message.toStaffId
        subject = message.subject
        body = message.body
        accessRequestId = message.accessRequestId?.text
        status = message.status
        attempts = message.attempts
        nextAttemptAt = message.status == .pending ? CaseworkTime.iso8601(message.nextAttemptAt) : nil
        lastError = message.lastError
        sentAt = message.sentAt.map(CaseworkTime.iso8601)
    }
}
