/// Writes an object's members one at a time: the API's JSON (`JSONObjectWriter`) and a page's Leaf data
/// (`LeafObjectWriter`) alike, so a row that both the API and a page show lists its members once (`ObjectWritable`).
protocol ObjectMemberWriter {
    mutating func write(_ key: some CodingKey, _ value: String)
    mutating func write(_ key: some CodingKey, _ value: Int)
    mutating func write(_ key: some CodingKey, _ value: Bool)
}

/// What both writers write alike, once: an absent optional is left out (`encodeIfPresent`, what synthesised
/// conformances do), and an enum is its raw value.
extension ObjectMemberWriter {
    mutating func write(_ key: some CodingKey, _ value: String?) {
        guard let value else { return }
        write(key, value)
    }

    mutating func write(_ key: some CodingKey, _ value: Int?) {
        guard let value else { return }
        write(key, value)
    }

    mutating func write(_ key: some CodingKey, _ value: Bool?) {
        guard let value else { return }
        write(key, value)
    }

    mutating func write<Value: RawRepresentable & Encodable>(_ key: some CodingKey, _ value: Value) where Value.RawValue == String {
        write(key, value.rawValue)
    }
}

extension JSONObjectWriter: ObjectMemberWriter {}
extension LeafObjectWriter: ObjectMemberWriter {}

/// A row that writes its JSON and builds its Leaf data from one list of its members, each named by its own
/// `CodingKeys` (see `JSONObjectWritable` and `LeafObjectWritable`, and the tests that hold both to `Encodable`).
protocol ObjectWritable: JSONObjectWritable, LeafObjectWritable {
    /// Every member, in the order `encode(to:)` encodes them.
    func writeEachMember<Writer: ObjectMemberWriter>(to object: inout Writer)
}

extension ObjectWritable {
    func writeMembers(to object: inout JSONObjectWriter) { writeEachMember(to: &object) }
    func writeMembers(to object: inout LeafObjectWriter) { writeEachMember(to: &object) }
}
