/// Invalid input: a message per field, each telling the person what to fix.
public struct ValidationFailure: Error, Sendable, Equatable {
    /// Field name to message, in the order fields appear on the form.
    public private(set) var fields: [(name: String, message: String)]

    public init(_ fields: KeyValuePairs<String, String>) {
        self.fields = fields.map { ($0.key, $0.value) }
    }

    public init(orderedFields: [(name: String, message: String)] = []) {
        self.fields = orderedFields
    }

    public var isEmpty: Bool { fields.isEmpty }

    /// The message for one field, if it has one.
    public subscript(field: String) -> String? {
        fields.first { $0.name == field }?.message
    }

    /// Adds a message unless that field already has one (the first problem is the one to fix).
    public mutating func add(_ field: String, _ message: String) {
        if self[field] == nil { fields.append((field, message)) }
    }

    public mutating func merge(_ other: ValidationFailure) {
        for field in other.fields { add(field.name, field.message) }
    }

    /// Throws self when any field has a message.
    public func throwIfAny() throws(ValidationFailure) {
        if !isEmpty { throw self }
    }

    public static func == (lhs: ValidationFailure, rhs: ValidationFailure) -> Bool {
        lhs.fields.map(\.name) == rhs.fields.map(\.name) && lhs.fields.map(\.message) == rhs.fields.map(\.message)
    }
}

/// Runs a parse step and folds its validation failure into `failure`, returning nil on failure.
public func collect<T>(_ failure: inout ValidationFailure, _ parse: () throws(ValidationFailure) -> T) -> T? {
    do {
        return try parse()
    } catch {
        failure.merge(error)
        return nil
    }
}

extension String {
    /// The text, or nil when it is empty: an optional field left blank.
    public var nilIfEmpty: String? { isEmpty ? nil : self }
}
