import Foundation

/// SCIM PATCH (RFC 7644 3.5.2) applied to a resource as a JSON document, as Entra ID and Okta send it: op names in
/// any case, path-less value objects, paths into extensions, `emails[type eq "work"].value`, and members added and
/// removed. The patched document is then read as a whole, as a PUT would be.
public enum SCIMPatch {
    public enum Op: String, Sendable {
        case add, replace, remove
    }

    public struct Operation: Sendable, Equatable {
        public var op: Op
        public var path: String?
        public var value: JSONValue?

        public init(op: Op, path: String?, value: JSONValue?) {
            self.op = op
            self.path = path
            self.value = value
        }
    }

    /// A patch that cannot be applied (`invalidPath`, `noTarget`, `invalidValue`, `invalidSyntax`).
    public struct Invalid: Error, Sendable, Equatable, CustomStringConvertible {
        public let scimType: String
        public let description: String
    }

    /// The operations of a PatchOp request body.
    public static func operations(from body: JSONValue) throws(Invalid) -> [Operation] {
        guard let list = body["Operations"]?.array, !list.isEmpty else {
            throw Invalid(scimType: "invalidSyntax", description: "a PATCH needs \"Operations\": a list of {op, path, value}")
        }
        var operations: [Operation] = []
        for item in list {
            guard let name = item["op"]?.string, let op = Op(rawValue: name.lowercased()) else {
                throw Invalid(scimType: "invalidSyntax", description: "each operation's \"op\" must be add, replace or remove")
            }
            let path = item["path"]?.string.flatMap { $0.isEmpty ? nil : $0 }
            if op == .remove && path == nil { throw Invalid(scimType: "noTarget", description: "a remove needs a path") }
            if op != .remove && item["value"] == nil { throw Invalid(scimType: "invalidValue", description: "an \(op.rawValue) needs a value") }
            operations.append(Operation(op: op, path: path, value: item["value"]))
        }
        return operations
    }

    public static func apply(_ operations: [Operation], to resource: JSONValue) throws(Invalid) -> JSONValue {
        guard case .object(var document) = resource else { return resource }
        for operation in operations {
            try apply(operation, to: &document)
        }
        return .object(document)
    }

    static func apply(_ operation: Operation, to document: inout [String: JSONValue]) throws(Invalid) {
        guard let pathText = operation.path else {
            // No path: the value is an object of attributes (some clients write paths as its keys).
            guard case .object(let values) = operation.value ?? .null else {
                throw Invalid(scimType: "invalidValue", description: "an \(operation.op.rawValue) without a path needs an object of attributes")
            }
            for (key, value) in values.sorted(by: { $0.key < $1.key }) {
                if key.lowercased().hasPrefix("urn:"), case .object(let members) = value, SCIMSchemas.core.allSatisfy({ $0.caseInsensitiveCompare(key) != .orderedSame }) {
                    for (member, memberValue) in members {
                        try apply(Operation(op: operation.op, path: "\(key):\(member)", value: memberValue), to: &document)
                    }
                } else {
                    try apply(Operation(op: operation.op, path: key, value: value), to: &document)
                }
            }
            return
        }
        if let extensionKey = SCIMSchemas.extensions.first(where: { $0.caseInsensitiveCompare(pathText) == .orderedSame }) {
            // The whole extension as the path: replaced, merged into, or removed as one object.
            let key = key(extensionKey, in: document) ?? extensionKey
            switch operation.op {
            case .remove: document[key] = nil
            case .replace: document[key] = operation.value
            case .add:
                var merged = document[key]?.object ?? [:]
                for (k, v) in operation.value?.object ?? [:] { merged[Self.key(k, in: merged) ?? k] = v }
                document[key] = .object(merged)
            }
            return
        }
        let (path, filter) = try target(pathText)
        // The object the attribute lives in: the resource, or an extension's object inside it.
        var container = path.schema.map { schema in document[key(schema, in: document) ?? schema]?.object ?? [:] } ?? document
        let name = key(path.attribute, in: container) ?? path.attribute
        let existing = container[name]

        switch (operation.op, filter, path.subAttribute) {
        case (.remove, nil, nil):
            if let value = operation.value, case .array(let targets) = existing, let removals = value.array {
                // Azure's member removal: {"op":"remove","path":"members","value":[{"value":"id"}]}.
                container[name] = .array(targets.filter { element in !removals.contains { $0["value"] == element["value"] } })
            } else {
                container[name] = nil
            }
        case (.remove, nil, let sub?):
            if case .object(var object) = existing ?? .null { object[key(sub, in: object) ?? sub] = nil; container[name] = .object(object) }
        case (.remove, let filter?, let sub):
            let elements = existing?.array ?? []
            if let sub {
                container[name] = .array(elements.map { element in
                    guard filter.matches(element), case .object(var object) = element else { return element }
                    object[key(sub, in: object) ?? sub] = nil
                    return .object(object)
                })
            } else {
                container[name] = .array(elements.filter { !filter.matches($0) })
            }
        case (let op, nil, nil):
            let value = operation.value!
            if op == .add, case .array(let current) = existing ?? .array([]), existing != nil || value.array != nil {
                // Adding to a multi-valued attribute appends, without duplicates.
                var merged = current
                for element in value.array ?? [value] where !merged.contains(where: { same($0, element) }) { merged.append(element) }
                container[name] = .array(merged)
            } else if op == .add, case .object(var object) = existing ?? .null, case .object(let additions) = value {
                for (k, v) in additions { object[key(k, in: object) ?? k] = v }
                container[name] = .object(object)
            } else {
                container[name] = value
            }
        case (_, nil, let sub?):
            var object = existing?.object ?? [:]
            object[key(sub, in: object) ?? sub] = operation.value!
            container[name] = .object(object)
        case (_, let filter?, let sub):
            var elements = existing?.array ?? []
            var matched = false
            for (index, element) in elements.enumerated() where filter.matches(element) {
                matched = true
                if let sub, case .object(var object) = element {
                    object[key(sub, in: object) ?? sub] = operation.value!
                    elements[index] = .object(object)
                } else if sub == nil {
                    elements[index] = operation.value!
                }
            }
            if !matched {
                // `emails[type eq "work"].value` on a person with no work email yet: make the element the filter
                // describes (Entra ID sends exactly this for a new address).
                guard let sub, case .compare(let on, .eq, let equal) = filter else {
                    throw Invalid(scimType: "noTarget", description: "no element of \(path.attribute) matches \(pathText)")
                }
                elements.append(.object([on.attribute: equal, sub: operation.value!]))
            }
            container[name] = .array(elements)
        }

        if let schema = path.schema {
            document[key(schema, in: document) ?? schema] = .object(container)
        } else {
            document = container
        }
    }

    /// Refuses an operation whose path names an attribute the resource does not have (`invalidPath`), rather than
    /// answering 200 with nothing applied. `attributes` are the resource's own, `extensions` each extension's.
    public static func check(_ operations: [Operation], attributes: Set<String>, extensions: [String: Set<String>]) throws(Invalid) {
        for operation in operations {
            guard let text = operation.path else { continue }
            if extensions.keys.contains(where: { $0.caseInsensitiveCompare(text) == .orderedSame }) { continue }
            let (path, _) = try target(text)
            let known: Set<String>?
            if let schema = path.schema {
                known = extensions.first { $0.key.caseInsensitiveCompare(schema) == .orderedSame }?.value
            } else {
                known = attributes
            }
            guard let known, known.contains(path.attribute.lowercased()) else {
                throw Invalid(scimType: "invalidPath", description: "\(text) is not an attribute of this resource")
            }
        }
    }

    /// A path, split into the attribute and the filter on its elements: `emails[type eq "work"].value`.
    static func target(_ text: String) throws(Invalid) -> (SCIMPath, SCIMFilter?) {
        do {
            guard let open = text.firstIndex(of: "["), let close = text.lastIndex(of: "]"), open < close else {
                return (try SCIMPath.parse(text), nil)
            }
            var path = try SCIMPath.parse(String(text[..<open]))
            let filter = try SCIMFilter.parse(String(text[text.index(after: open)..<close]))
            let rest = text[text.index(after: close)...]
            if rest.hasPrefix(".") { path.subAttribute = String(rest.dropFirst()) }
            return (path, filter)
        } catch {
            throw Invalid(scimType: "invalidPath", description: "the path \(text) cannot be read: \(error.description)")
        }
    }

    /// The key an object already uses for a name, matched without regard to case.
    static func key(_ name: String, in object: [String: JSONValue]) -> String? {
        object.keys.first { $0.caseInsensitiveCompare(name) == .orderedSame }
    }

    /// Two elements of a multi-valued attribute are the same when their `value`s are (or, without one, they are equal).
    static func same(_ a: JSONValue, _ b: JSONValue) -> Bool {
        if let x = a["value"], let y = b["value"] { return x == y }
        return a == b
    }
}
