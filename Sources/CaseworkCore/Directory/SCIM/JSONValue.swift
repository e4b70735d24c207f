import Foundation

/// A JSON value, for SCIM resources: their attributes are addressed by path, filtered and patched as documents
/// (RFC 7644), so they are held as JSON rather than fixed structs.
public enum JSONValue: Sendable, Equatable, Codable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case array([JSONValue])
    case object([String: JSONValue])
    case null

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let flag = try? container.decode(Bool.self) { self = .bool(flag) }
        else if let number = try? container.decode(Double.self) { self = .number(number) }
        else if let text = try? container.decode(String.self) { self = .string(text) }
        else if let list = try? container.decode([JSONValue].self) { self = .array(list) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let text): try container.encode(text)
        case .number(let number):
            if number == number.rounded(), abs(number) < 1e15 { try container.encode(Int64(number)) } else { try container.encode(number) }
        case .bool(let flag): try container.encode(flag)
        case .array(let list): try container.encode(list)
        case .object(let object): try container.encode(object)
        case .null: try container.encodeNil()
        }
    }

    public var string: String? { if case .string(let text) = self { text } else { nil } }
    public var bool: Bool? {
        switch self {
        case .bool(let flag): flag
        // Some provisioning clients send booleans as strings ("True", "false").
        case .string(let text) where ["true", "false"].contains(text.lowercased()): text.lowercased() == "true"
        default: nil
        }
    }
    public var array: [JSONValue]? { if case .array(let list) = self { list } else { nil } }
    public var object: [String: JSONValue]? { if case .object(let object) = self { object } else { nil } }

    /// An object's member, by name without regard to case (SCIM attribute names are case-insensitive).
    public subscript(key: String) -> JSONValue? {
        guard case .object(let object) = self else { return nil }
        if let exact = object[key] { return exact }
        return object.first { $0.key.caseInsensitiveCompare(key) == .orderedSame }?.value
    }
}
