/// A refusal the domain can explain; the app turns each case into one HTTP status.
public enum DomainError: Error, Sendable, Equatable {
    /// Not signed in, or the credentials are wrong (401).
    case unauthenticated(String)
    /// Signed in, but this role may not do this (403).
    case forbidden(String)
    /// No such record (404).
    case notFound(String)
    /// The record's state forbids it: already decided, stale, duplicate (409).
    case conflict(String)
    /// Too many attempts: try again after the given number of seconds (429).
    case throttled(String, retryAfterSeconds: Int)

    /// The sentence shown to the person.
    public var message: String {
        switch self {
        case .unauthenticated(let m), .forbidden(let m), .notFound(let m), .conflict(let m): m
        case .throttled(let m, _): m
        }
    }
}
