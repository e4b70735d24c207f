import Foundation

/// A staff member's ID: one to nine digits, kept as text so leading zeros survive.
public struct StaffID: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    public let value: String

    /// Accepts one to nine ASCII digits, after trimming surrounding spaces.
    public init?(_ text: String) {
        // The usual case, an ID as stored, is checked byte by byte: every profile read back from the database parses
        // its IDs, and Foundation's trimming with `Character`'s Unicode properties was most of reading a page's people.
        let bytes = text.utf8
        if (1...9).contains(bytes.count) && bytes.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) {
            value = text
            return
        }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard (1...9).contains(trimmed.count), trimmed.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            return nil
        }
        value = trimmed
    }

    /// Parses or explains, in words a person can act on, why the text is not a staff ID.
    public static func parse(_ text: String, field: String = "staffId") throws(ValidationFailure) -> StaffID {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty {
            throw ValidationFailure([field: "Enter a staff ID"])
        }
        guard let id = StaffID(trimmed) else {
            throw ValidationFailure([field: "Staff ID must be 1 to 9 digits, like 35220900"])
        }
        return id
    }

    public var description: String { value }
    public static func < (lhs: StaffID, rhs: StaffID) -> Bool { lhs.value < rhs.value }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = StaffID(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "Staff ID must be 1 to 9 digits"))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}
