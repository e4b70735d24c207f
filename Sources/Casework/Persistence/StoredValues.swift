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

extension UUID {
    /// An id as the database stores it, `5CA1E000-0500-4000-8000-000000000000` in either case, read digit by digit:
    /// `UUID(uuidString:)` goes through `sscanf`, a visible share of reading a page of rows. Nil for any other shape.
    init?(storedText text: String) {
        var bytes: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let read: Bool? = text.utf8.withContiguousStorageIfAvailable { chars in
            guard chars.count == 36 else { return false }
            return withUnsafeMutableBytes(of: &bytes) { out in
                var char = 0
                for index in 0..<16 {
                    if char == 8 || char == 13 || char == 18 || char == 23 {
                        guard chars[char] == UInt8(ascii: "-") else { return false }
                        char += 1
                    }
                    guard let high = Self.hexDigit(chars[char]), let low = Self.hexDigit(chars[char + 1]) else { return false }
                    out[index] = high << 4 | low
                    char += 2
                }
                return true
            }
        }
        guard let read else {
            // Text not stored contiguously (bridged): the slow parse.
            guard let parsed = UUID(uuidString: text) else { return nil }
            self = parsed
            return
        }
        guard read else { return nil }
        self = UUID(uuid: bytes)
    }

    private static func hexDigit(_ char: UInt8) -> UInt8? {
        switch char {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): char - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): char - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): char - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
