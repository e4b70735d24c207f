import Foundation

/// A search of the audit trail as typed (the page's form and the API's query): who acted, on what, between when,
/// and where the last page ended. `validated()` says what is wrong in each field, or gives the search to run.
public struct AuditSearchInput: Sendable, Equatable, Codable {
    public var actor: String
    public var subject: String
    public var from: String
    public var to: String
    /// The `nextCursor` of the page before: the sequence number the next page runs back from.
    public var cursor: String?

    public init(actor: String? = nil, subject: String? = nil, from: String? = nil, to: String? = nil, cursor: String? = nil) {
        self.actor = (actor ?? "").trimmingCharacters(in: .whitespaces)
        self.subject = (subject ?? "").trimmingCharacters(in: .whitespaces)
        self.from = (from ?? "").trimmingCharacters(in: .whitespaces)
        self.to = (to ?? "").trimmingCharacters(in: .whitespaces)
        self.cursor = cursor.flatMap { $0.isEmpty ? nil : $0 }
    }

    public struct Valid: Sendable, Equatable {
        public let actor: String?
        public let subject: String?
        public let from: Date?
        /// The first instant after the search: a day given as `to` includes that whole day.
        public let to: Date?
        public let beforeSeq: Int?
    }

    public func validated() throws(ValidationFailure) -> Valid {
        var failure = ValidationFailure()
        if !actor.isEmpty && StaffID(actor) == nil {
            failure.add("actor", "Actor must be a staff ID of 1 to 9 digits")
        }
        let start = from.isEmpty ? nil : CaseworkTime.parse(from)
        if !from.isEmpty && start == nil { failure.add("from", "From must be a date like 2026-11-22 or an instant like 2026-11-22T09:30:00Z") }
        var end = to.isEmpty ? nil : CaseworkTime.parse(to)
        if !to.isEmpty && end == nil { failure.add("to", "To must be a date like 2026-11-22 or an instant like 2026-11-22T17:00:00Z") }
        if to.count == 10, let day = end { end = day.addingTimeInterval(24 * 3600) }
        if let start, let end, end <= start { failure.add("to", "To must be after From") }
        var beforeSeq: Int?
        if let cursor {
            guard let value = Int(cursor), value > 0 else { throw ValidationFailure(["cursor": "cursor must be a value from a previous page's nextCursor"]) }
            beforeSeq = value
        }
        try failure.throwIfAny()
        return Valid(actor: actor.isEmpty ? nil : actor, subject: subject.isEmpty ? nil : subject, from: start, to: end, beforeSeq: beforeSeq)
    }
}
