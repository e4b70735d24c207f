import Foundation

/// A whole number as a person typed it. A form's box may hold "abc" or "", which must be shown again with its
/// error rather than refused as unreadable; a JSON body sends a number. Either decodes; `value` is the number when
/// the text is one.
public struct TypedNumber: Sendable, Equatable, Codable, CustomStringConvertible, ExpressibleByIntegerLiteral {
    /// What was typed (a JSON number as its digits).
    public let text: String

    public init(text: String) { self.text = text }
    public init(_ value: Int) { self.text = String(value) }
    public init(integerLiteral value: Int) { self.init(value) }

    /// The number typed, spaces around it ignored; nil when the text is not a whole number.
    public var value: Int? { Int(text.trimmingCharacters(in: .whitespaces)) }

    /// The text as typed, which is what a form shows again.
    public var description: String { text }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Int.self) {
            text = String(number)
        } else {
            text = try container.decode(String.self)
        }
    }

    /// A number as a number, so the API answers what it was sent; anything else as the text typed.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let value { try container.encode(value) } else { try container.encode(text) }
    }
}
