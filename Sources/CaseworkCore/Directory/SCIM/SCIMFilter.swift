import Foundation

/// SCIM's filter language (RFC 7644 3.4.2.2), as identity providers send it: `userName eq "x"`,
/// `emails[type eq "work"].value eq "x"`, `externalId eq "y" and active eq true`, `not (title pr)`.
public indirect enum SCIMFilter: Sendable, Equatable {
    case compare(SCIMPath, Operator, JSONValue)
    case present(SCIMPath)
    /// `attr[filter]`, optionally followed by a comparison on a sub-attribute of the matching elements.
    case valuePath(SCIMPath, SCIMFilter)
    case and(SCIMFilter, SCIMFilter)
    case or(SCIMFilter, SCIMFilter)
    case not(SCIMFilter)

    public enum Operator: String, Sendable, CaseIterable {
        case eq, ne, co, sw, ew, gt, ge, lt, le
    }

    /// A filter that cannot be read, said so that the client can fix it (SCIM's `invalidFilter`).
    public struct Invalid: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    public static func parse(_ text: String) throws(Invalid) -> SCIMFilter {
        var parser = Parser(tokens: try tokenize(text))
        let filter = try parser.orExpression()
        guard parser.atEnd else { throw Invalid(description: "unexpected \"\(parser.peek!.text)\" in the filter \(text)") }
        return filter
    }

    /// Whether a resource (as JSON) matches.
    public func matches(_ resource: JSONValue) -> Bool {
        switch self {
        case .and(let a, let b): return a.matches(resource) && b.matches(resource)
        case .or(let a, let b): return a.matches(resource) || b.matches(resource)
        case .not(let a): return !a.matches(resource)
        case .present(let path):
            return path.values(in: resource).contains { value in
                switch value {
                case .null: false
                case .string(let text): !text.isEmpty
                case .array(let list): !list.isEmpty
                default: true
                }
            }
        case .compare(let path, let op, let expected):
            return path.values(in: resource).contains { Self.compare($0, op, expected, caseExact: path.isCaseExact) }
        case .valuePath(let path, let inner):
            return path.elements(in: resource).contains { inner.matches($0) }
        }
    }

    /// The one `attr eq "value"` this filter pins an attribute to, if it is only that (or that `and` more): lets a
    /// store look the candidates up by index before matching the rest.
    public func equality(on attribute: String) -> String? {
        switch self {
        case .compare(let path, .eq, .string(let value)) where path.attribute.caseInsensitiveCompare(attribute) == .orderedSame && path.subAttribute == nil:
            return value
        case .and(let a, let b): return a.equality(on: attribute) ?? b.equality(on: attribute)
        default: return nil
        }
    }

    static func compare(_ actual: JSONValue, _ op: Operator, _ expected: JSONValue, caseExact: Bool) -> Bool {
        switch (actual, expected) {
        case (.string(let a), .string(let b)):
            let x = caseExact ? a : a.lowercased(), y = caseExact ? b : b.lowercased()
            switch op {
            case .eq: return x == y
            case .ne: return x != y
            case .co: return x.contains(y)
            case .sw: return x.hasPrefix(y)
            case .ew: return x.hasSuffix(y)
            case .gt: return x > y
            case .ge: return x >= y
            case .lt: return x < y
            case .le: return x <= y
            }
        case (.bool(let a), _):
            guard let b = expected.bool else { return op == .ne }
            return op == .eq ? a == b : op == .ne ? a != b : false
        case (.number(let a), .number(let b)):
            switch op {
            case .eq: return a == b
            case .ne: return a != b
            case .gt: return a > b
            case .ge: return a >= b
            case .lt: return a < b
            case .le: return a <= b
            default: return false
            }
        case (.null, .null): return op == .eq
        default: return op == .ne
        }
    }

    // MARK: Reading

    struct Token: Equatable {
        enum Kind { case word, string, open, close, openBracket, closeBracket, dotWord }
        let kind: Kind
        let text: String
    }

    static func tokenize(_ text: String) throws(Invalid) -> [Token] {
        var tokens: [Token] = []
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            switch character {
            case " ", "\t", "\n":
                index = text.index(after: index)
            case "(": tokens.append(Token(kind: .open, text: "(")); index = text.index(after: index)
            case ")": tokens.append(Token(kind: .close, text: ")")); index = text.index(after: index)
            case "[": tokens.append(Token(kind: .openBracket, text: "[")); index = text.index(after: index)
            case "]":
                tokens.append(Token(kind: .closeBracket, text: "]"))
                index = text.index(after: index)
                // `].sub` names a sub-attribute of the matched elements.
                if index < text.endIndex, text[index] == "." {
                    var end = text.index(after: index)
                    while end < text.endIndex, !" ()[]".contains(text[end]) { end = text.index(after: end) }
                    tokens.append(Token(kind: .dotWord, text: String(text[text.index(after: index)..<end])))
                    index = end
                }
            case "\"":
                var value = ""
                var at = text.index(after: index)
                var closed = false
                while at < text.endIndex {
                    let c = text[at]
                    if c == "\\", text.index(after: at) < text.endIndex {
                        at = text.index(after: at)
                        value.append(text[at])
                    } else if c == "\"" {
                        closed = true
                        break
                    } else {
                        value.append(c)
                    }
                    at = text.index(after: at)
                }
                guard closed else { throw Invalid(description: "a string in the filter is not closed: \(text)") }
                tokens.append(Token(kind: .string, text: value))
                index = text.index(after: at)
            default:
                var end = index
                while end < text.endIndex, !" ()[]\"".contains(text[end]) { end = text.index(after: end) }
                tokens.append(Token(kind: .word, text: String(text[index..<end])))
                index = end
            }
        }
        return tokens
    }

    struct Parser {
        var tokens: [Token]
        var position = 0

        var atEnd: Bool { position >= tokens.count }
        var peek: Token? { atEnd ? nil : tokens[position] }

        mutating func next() throws(Invalid) -> Token {
            guard let token = peek else { throw Invalid(description: "the filter ends too soon") }
            position += 1
            return token
        }

        func isKeyword(_ word: String) -> Bool {
            peek?.kind == .word && peek?.text.lowercased() == word
        }

        mutating func orExpression() throws(Invalid) -> SCIMFilter {
            var left = try andExpression()
            while isKeyword("or") {
                position += 1
                left = .or(left, try andExpression())
            }
            return left
        }

        mutating func andExpression() throws(Invalid) -> SCIMFilter {
            var left = try unary()
            while isKeyword("and") {
                position += 1
                left = .and(left, try unary())
            }
            return left
        }

        mutating func unary() throws(Invalid) -> SCIMFilter {
            if isKeyword("not") {
                position += 1
                guard peek?.kind == .open else { throw Invalid(description: "\"not\" must be followed by a filter in brackets") }
                return .not(try unary())
            }
            if peek?.kind == .open {
                position += 1
                let inner = try orExpression()
                guard try next().kind == .close else { throw Invalid(description: "a bracket in the filter is not closed") }
                return inner
            }
            let attribute = try next()
            guard attribute.kind == .word else { throw Invalid(description: "expected an attribute name, found \"\(attribute.text)\"") }
            let path = try SCIMPath.parse(attribute.text)
            if peek?.kind == .openBracket {
                position += 1
                let inner = try orExpression()
                guard try next().kind == .closeBracket else { throw Invalid(description: "a [ in the filter is not closed") }
                if peek?.kind == .dotWord {
                    // attr[filter].sub op value: the elements matching, compared on `sub`.
                    let sub = try next().text
                    let comparison = try comparison(on: SCIMPath(schema: nil, attribute: sub, subAttribute: nil))
                    return .valuePath(path, .and(inner, comparison))
                }
                return .valuePath(path, inner)
            }
            return try comparison(on: path)
        }

        mutating func comparison(on path: SCIMPath) throws(Invalid) -> SCIMFilter {
            let word = try next()
            if word.kind == .word, word.text.lowercased() == "pr" { return .present(path) }
            guard word.kind == .word, let op = Operator(rawValue: word.text.lowercased()) else {
                throw Invalid(description: "\"\(word.text)\" is not a filter operator: use eq, ne, co, sw, ew, gt, ge, lt, le or pr")
            }
            let value = try next()
            switch value.kind {
            case .string: return .compare(path, op, .string(value.text))
            case .word:
                switch value.text.lowercased() {
                case "true": return .compare(path, op, .bool(true))
                case "false": return .compare(path, op, .bool(false))
                case "null": return .compare(path, op, .null)
                default:
                    guard let number = Double(value.text) else { throw Invalid(description: "\"\(value.text)\" is not a value: quote strings") }
                    return .compare(path, op, .number(number))
                }
            default: throw Invalid(description: "expected a value after \(op.rawValue)")
            }
        }
    }
}

/// An attribute path: `userName`, `name.givenName`, `urn:...:enterprise:2.0:User:manager.value`.
public struct SCIMPath: Sendable, Equatable {
    /// The schema URN, when the path names one (a core schema's URN is the same as none).
    public var schema: String?
    public var attribute: String
    public var subAttribute: String?

    public init(schema: String?, attribute: String, subAttribute: String?) {
        self.schema = schema
        self.attribute = attribute
        self.subAttribute = subAttribute
    }

    public static func parse(_ text: String) throws(SCIMFilter.Invalid) -> SCIMPath {
        var schema: String?
        var rest = text
        if text.lowercased().hasPrefix("urn:"), let colon = text.lastIndex(of: ":") {
            schema = String(text[..<colon])
            rest = String(text[text.index(after: colon)...])
            if SCIMSchemas.core.contains(where: { $0.caseInsensitiveCompare(schema!) == .orderedSame }) { schema = nil }
        }
        let parts = rest.split(separator: ".", maxSplits: 1).map(String.init)
        guard let attribute = parts.first, !attribute.isEmpty, attribute.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "$" }) else {
            throw SCIMFilter.Invalid(description: "\"\(text)\" is not an attribute path")
        }
        return SCIMPath(schema: schema, attribute: attribute, subAttribute: parts.count > 1 ? parts[1] : nil)
    }

    /// `id` and `externalId` compare exactly (RFC 7643 caseExact); the rest without regard to case.
    var isCaseExact: Bool { subAttribute == nil && schema == nil && ["id", "externalid"].contains(attribute.lowercased()) }

    /// The object the attribute lives in: the resource, or its extension's object.
    func container(in resource: JSONValue) -> JSONValue? {
        guard let schema else { return resource }
        return resource[schema]
    }

    /// The attribute's elements (each element of a multi-valued one).
    func elements(in resource: JSONValue) -> [JSONValue] {
        guard let value = container(in: resource)?[attribute] else { return [] }
        return value.array ?? [value]
    }

    /// The values compared: the sub-attribute of each element, or for a multi-valued complex attribute with none
    /// named, each element's `value`.
    func values(in resource: JSONValue) -> [JSONValue] {
        elements(in: resource).compactMap { element in
            if let subAttribute { return element[subAttribute] }
            if case .object = element { return element["value"] }
            return element
        }
    }
}

/// The schema URNs Casework's SCIM resources use.
public enum SCIMSchemas {
    public static let user = "urn:ietf:params:scim:schemas:core:2.0:User"
    public static let group = "urn:ietf:params:scim:schemas:core:2.0:Group"
    public static let enterpriseUser = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    public static let listResponse = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
    public static let patchOp = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
    public static let error = "urn:ietf:params:scim:api:messages:2.0:Error"
    static let core = [user, group]
    public static let extensions = [enterpriseUser]
}
