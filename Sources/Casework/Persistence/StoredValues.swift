import CaseworkCore
import Foundation

/// A stored value the domain cannot read: the database was edited by hand. Reads as a 500 that names it, never as a
/// crash (a force-unwrap) and never as a guess (a fallback value that would quietly change what the record says).
struct StoredValueInvalid: Error, CustomStringConvertible {
    let what: String
    let value: String
    var description: String { "The database holds a \(what) the domain cannot read: \(value)" }
}

extension StaffID {
    /// A staff ID read back from the database.
    static func stored(_ text: String) throws -> StaffID {
        guard let id = StaffID(text) else { throw StoredValueInvalid(what: "staff ID", value: text) }
        return id
    }
}

extension UUID {
    /// An id stored as text (`what` names it in the error).
    static func stored(_ text: String, what: String) throws -> UUID {
        guard let id = UUID(uuidString: text) else { throw StoredValueInvalid(what: what, value: text) }
        return id
    }
}

extension RawRepresentable where RawValue == String {
    /// A status, kind or role stored as its raw value.
    static func stored(_ raw: String) throws -> Self {
        guard let value = Self(rawValue: raw) else { throw StoredValueInvalid(what: String(describing: Self.self), value: raw) }
        return value
    }
}
