import Foundation

/// What an in-app notification is about. The raw values are stored and appear in the JSON as `kind`.
public enum NotificationKind: String, Sendable, Codable, CaseIterable {
    /// A request or change waits for the person's decision or endorsement.
    case awaitingYou
    /// A grant was made (to its holder and to their team leader).
    case granted
    /// An extension was decided.
    case `extension`
    /// A request was rejected at a stage (to its requester and their team leader).
    case rejected
    /// A request was returned for correction (to its requester and their team leader).
    case returned
    /// A request was withdrawn, by its requester or because they left.
    case withdrawn
    /// A grant ends soon.
    case endingSoon
    /// A grant ended: its holder is told.
    case accessEnded
    /// A grant ended: the team leader witnesses the log-off and confirms it.
    case logOffTask
    /// An SR went back to its hopper when its assignee's grant ended.
    case workReturned
}

/// Where an email stands in the outbox. Messages are never deleted: a failed attempt stays pending, counted.
public enum OutboxStatus: String, Sendable, Codable, CaseIterable {
    case pending
    case sent
}
