import Foundation
import LeafKit

/// A page's content as Leaf reads it (`[String: LeafData]`), built as Leaf's own encoder builds it, at a fraction
/// of the cost. Leaf's encoder asks the runtime whether every value it meets is `LeafDataRepresentable` (a
/// conformance lookup each time), extends an array of coding keys for every nested value, and boxes each value as
/// an existential before resolving the tree: on the SCR manager's list of requests that was a quarter of the page's
/// time. Here the usual types (text, numbers, flags, ids, instants) are recognised by comparing types, each other
/// type is looked up once a page, and coding paths are only put together if something asks for one.
///
/// What a template shows is unchanged (`PageContextTests` renders one template from both encoders): text and flags as
/// themselves, an id as its text, an instant as seconds since 1970, a nil as a missing key (and left out of an
/// array), objects as dictionaries, sequences as arrays. Whole and decimal numbers (`Int`, `Double`) are handed over
/// as the text Leaf would print for them (see `LeafNumber`).
enum LeafContextEncoder {
    /// `usingWriters: false` encodes every value through `Encodable`, even those that build their own data
    /// (`LeafObjectWritable`): the tests compare the two.
    static func encode<Content: Encodable>(_ content: Content, usingWriters: Bool = true) throws -> [String: LeafData] {
        let slot = LeafSlot(state: LeafEncodingState(usingWriters: usingWriters), parent: nil, key: nil)
        try content.encode(to: slot)
        guard let data = slot.resolved else { return [:] }
        guard let dictionary = data.dictionary else {
            throw LeafError(.illegalAccess("Leaf contexts must be dictionaries or structure types; arrays and scalar values are not permitted."))
        }
        return dictionary
    }
}

/// What one page's encoding learns as it goes, once for each type it meets: whether it is `LeafDataRepresentable`
/// (a conformance lookup), and how many members its objects had, so the next of its kind (a list's rows are many of
/// one type) reserves room for them at once rather than growing its dictionary, and rehashing every key so far, four
/// or five times.
private final class LeafEncodingState {
    private struct Learned {
        var representable: Bool
        var writable: Bool
        var members = 0
    }
    private var learned: [ObjectIdentifier: Learned] = [:]
    private let usingWriters: Bool

    init(usingWriters: Bool) { self.usingWriters = usingWriters }

    /// A value as Leaf data: directly for the usual types, through `LeafDataRepresentable` for the others that
    /// conform, else by encoding it (nil when it encodes nothing, which leaves it out).
    func data<T: Encodable>(_ value: T, parent: LeafSlot?, key: (any CodingKey)?) throws -> LeafData? {
        let type = ObjectIdentifier(T.self)
        if type == Known.string { return unsafeBitCast(value, to: String.self).leafData }
        if type == Known.int { return LeafNumber.text(unsafeBitCast(value, to: Int.self)) }
        if type == Known.bool { return unsafeBitCast(value, to: Bool.self).leafData }
        if type == Known.double { return LeafNumber.text(unsafeBitCast(value, to: Double.self)) }
        if type == Known.uuid { return .string(unsafeBitCast(value, to: UUID.self).text) }
        if type == Known.date { return unsafeBitCast(value, to: Date.self).leafData }
        let known: Learned
        if let seen = learned[type] {
            known = seen
        } else {
            known = Learned(representable: value is any LeafDataRepresentable, writable: usingWriters && value is any LeafObjectWritable)
            learned[type] = known
        }
        if known.representable, let representable = value as? any LeafDataRepresentable { return representable.leafData }
        if known.writable, let writable = value as? any LeafObjectWritable { return writable.leafObject }
        let slot = LeafSlot(state: self, parent: parent, key: key, expectedMembers: known.members)
        try value.encode(to: slot)
        if slot.memberCount > known.members { learned[type]?.members = slot.memberCount }
        return slot.resolved
    }

    private enum Known {
        static let string = ObjectIdentifier(String.self), int = ObjectIdentifier(Int.self), bool = ObjectIdentifier(Bool.self)
        static let double = ObjectIdentifier(Double.self), uuid = ObjectIdentifier(UUID.self), date = ObjectIdentifier(Date.self)
    }
}

/// A member or element whose container is still being written: resolved when its parent is.
private enum LeafMember {
    case data(LeafData)
    case slot(LeafSlot)

    var resolved: LeafData? {
        switch self {
        case .data(let data): data
        case .slot(let slot): slot.resolved
        }
    }
}

/// The place for one value. It becomes an object, an array or a single value when the value asks for a container.
private final class LeafSlot: Encoder {
    let state: LeafEncodingState
    private let parent: LeafSlot?
    private let key: (any CodingKey)?
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    /// An object's members and an array's elements live in the slot itself: a second request for a keyed container
    /// adds to the same object, as in Leaf's encoder.
    private enum Shape { case undecided, object, array, single }
    private var shape = Shape.undecided
    /// Members and elements are kept as the Leaf data they become, so resolving an object or array hands over what
    /// is here rather than building it again (that copy rehashed every key of every object on a page). Synthesized
    /// `encode(to:)` writes every value whole; only a nested container (which a hand-written one may ask for) is
    /// written after it is placed, and is kept aside until the slot is resolved.
    private var members: [String: LeafData] = [:]
    private var nestedMembers: [String: LeafSlot] = [:]
    private var elements: [LeafData] = []
    /// Once an element is a nested container, every element is kept here in order instead of in `elements`.
    private var elementsWithNested: [LeafMember]?
    var single: LeafData?

    init(state: LeafEncodingState, parent: LeafSlot?, key: (any CodingKey)?, expectedMembers: Int = 0) {
        self.state = state
        self.parent = parent
        self.key = key
        if expectedMembers > 0 { members.reserveCapacity(expectedMembers) }
    }

    /// How many members the object has so far (what the next value of its type reserves room for).
    var memberCount: Int { members.count }

    var codingPath: [any CodingKey] {
        var path: [any CodingKey] = []
        var slot: LeafSlot? = self
        while let at = slot {
            if let key = at.key { path.insert(key, at: 0) }
            slot = at.parent
        }
        return path
    }

    var resolved: LeafData? {
        switch shape {
        case .undecided: nil
        case .single: single
        case .object: .dictionary(nestedMembers.isEmpty ? members : members.merging(nestedMembers.compactMapValues(\.resolved)) { _, nested in nested })
        case .array: .array(elementsWithNested?.compactMap(\.resolved) ?? elements)
        }
    }

    /// A member written whole (nil is left out, as Leaf leaves it out).
    func setMember(_ data: LeafData?, _ key: String) {
        guard let data else { return }
        members[key] = data
        if !nestedMembers.isEmpty { nestedMembers[key] = nil }
    }

    func nestedMember(_ key: any CodingKey) -> LeafSlot {
        let nested = LeafSlot(state: state, parent: self, key: key)
        nestedMembers[key.stringValue] = nested
        members[key.stringValue] = nil
        return nested
    }

    var elementCount: Int { elementsWithNested?.count ?? elements.count }

    /// An element written whole (nil is left out of an array, as Leaf leaves it out).
    func appendElement(_ data: LeafData?) {
        guard let data else { return }
        if elementsWithNested != nil { elementsWithNested!.append(.data(data)) } else { elements.append(data) }
    }

    func nestedElement() -> LeafSlot {
        let nested = LeafSlot(state: state, parent: self, key: nil)
        if elementsWithNested == nil { elementsWithNested = elements.map(LeafMember.data) }
        elementsWithNested!.append(.slot(nested))
        return nested
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if shape == .undecided { shape = .object }
        return KeyedEncodingContainer(LeafObject<Key>(slot: self))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if shape == .undecided { shape = .array }
        return LeafArray(slot: self)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { LeafSingleValue(slot: self) }

    func setSingle(_ data: LeafData?) {
        shape = .single
        single = data
    }
}

private struct LeafObject<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let slot: LeafSlot
    var codingPath: [any CodingKey] { slot.codingPath }

    private func set(_ data: LeafData?, _ key: Key) { slot.setMember(data, key.stringValue) }

    // A nil is left out, as Leaf leaves it out.
    mutating func encodeNil(forKey key: Key) throws {}
    mutating func encode(_ value: Bool, forKey key: Key) throws { set(value.leafData, key) }
    mutating func encode(_ value: String, forKey key: Key) throws { set(value.leafData, key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { set(LeafNumber.text(value), key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { set(value.leafData, key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { set(LeafNumber.text(value), key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { set(value.leafData, key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { set(value.leafData, key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { set(value.leafData, key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { set(value.leafData, key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { set(value.leafData, key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { set(value.leafData, key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { set(value.leafData, key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { set(value.leafData, key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { set(value.leafData, key) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        set(try slot.state.data(value, parent: slot, key: key), key)
    }

    private func nested(_ key: any CodingKey) -> LeafSlot { slot.nestedMember(key) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        nested(key).container(keyedBy: keyType)
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer { nested(key).unkeyedContainer() }
    mutating func superEncoder() -> any Encoder { nested(LeafSuperKey()) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { nested(key) }
}

private struct LeafSuperKey: CodingKey {
    var stringValue: String { "super" }
    var intValue: Int? { nil }
    init() {}
    init?(stringValue: String) {}
    init?(intValue: Int) { nil }
}

private struct LeafArray: UnkeyedEncodingContainer {
    let slot: LeafSlot
    var codingPath: [any CodingKey] { slot.codingPath }
    var count: Int { slot.elementCount }

    private func append(_ data: LeafData?) { slot.appendElement(data) }

    mutating func encodeNil() throws {}
    mutating func encode(_ value: Bool) throws { append(value.leafData) }
    mutating func encode(_ value: String) throws { append(value.leafData) }
    mutating func encode(_ value: Double) throws { append(LeafNumber.text(value)) }
    mutating func encode(_ value: Float) throws { append(value.leafData) }
    mutating func encode(_ value: Int) throws { append(LeafNumber.text(value)) }
    mutating func encode(_ value: Int8) throws { append(value.leafData) }
    mutating func encode(_ value: Int16) throws { append(value.leafData) }
    mutating func encode(_ value: Int32) throws { append(value.leafData) }
    mutating func encode(_ value: Int64) throws { append(value.leafData) }
    mutating func encode(_ value: UInt) throws { append(value.leafData) }
    mutating func encode(_ value: UInt8) throws { append(value.leafData) }
    mutating func encode(_ value: UInt16) throws { append(value.leafData) }
    mutating func encode(_ value: UInt32) throws { append(value.leafData) }
    mutating func encode(_ value: UInt64) throws { append(value.leafData) }
    mutating func encode<T: Encodable>(_ value: T) throws { append(try slot.state.data(value, parent: slot, key: nil)) }

    private func nested() -> LeafSlot { slot.nestedElement() }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        nested().container(keyedBy: keyType)
    }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { nested().unkeyedContainer() }
    mutating func superEncoder() -> any Encoder { nested() }
}

private struct LeafSingleValue: SingleValueEncodingContainer {
    let slot: LeafSlot
    var codingPath: [any CodingKey] { slot.codingPath }

    mutating func encodeNil() throws {}
    mutating func encode(_ value: Bool) throws { slot.setSingle(value.leafData) }
    mutating func encode(_ value: String) throws { slot.setSingle(value.leafData) }
    mutating func encode(_ value: Double) throws { slot.setSingle(LeafNumber.text(value)) }
    mutating func encode(_ value: Float) throws { slot.setSingle(value.leafData) }
    mutating func encode(_ value: Int) throws { slot.setSingle(LeafNumber.text(value)) }
    mutating func encode(_ value: Int8) throws { slot.setSingle(value.leafData) }
    mutating func encode(_ value: Int16) throws { slot.setSingle(value.leafData) }
    mutating func encode(_ value: Int32) throws { slot.setSingle(value.leafData) }
    mutating func encode(_ value: Int64) throws { slot.setSingle(value.leafData) }
    mutating func encode(_ value: UInt) throws { slot.setSingle(value.leafData) }
    mutating func encode(_ value: UInt8) throws { slot.setSingle(value.leafData) }
    mutating func encode(_ value: UInt16) throws { slot.setSingle(value.leafData) }
    mutating func encode(_ value: UInt32) throws { slot.setSingle(value.leafData) }
    mutating func encode(_ value: UInt64) throws { slot.setSingle(value.leafData) }
    mutating func encode<T: Encodable>(_ value: T) throws { slot.setSingle(try slot.state.data(value, parent: slot, key: nil)) }
}

/// A page's object that builds its own Leaf data, without `Encodable`'s containers: for the rows pages list by the
/// dozen or hundred (a hopper's fifty requests and its couple of hundred assignees, a list of access requests, a home
/// page's items), where a slot, a boxed container and a generic lookup for each object were a fifth of the SCR
/// hopper page's time (bench/scale.sh with PROFILE=1).
///
/// The type still encodes itself through `Encodable`, and that stays the one definition of what a template sees: the
/// writer names each member by the type's own `CodingKeys`, and `PageContextTests` checks, for every type that
/// writes itself, that it builds exactly what encoding it builds (`LeafContextEncoder.encode(_:usingWriters:)`).
protocol LeafObjectWritable: Encodable {
    /// Every member `encode(to:)` encodes.
    func writeMembers(to object: inout LeafObjectWriter)
}

extension LeafObjectWritable {
    /// The object as Leaf data: a dictionary of its members.
    var leafObject: LeafData {
        var writer = LeafObjectWriter()
        writeMembers(to: &writer)
        return .dictionary(writer.members)
    }
}

/// The members of one object, each as `LeafContextEncoder` makes it: text and flags as themselves, whole numbers as
/// the text Leaf prints (`LeafNumber`), an enum by its raw value and an absent optional left out (as every
/// `ObjectMemberWriter` writes those).
struct LeafObjectWriter {
    fileprivate(set) var members: [String: LeafData] = [:]

    /// Room for the rows' members at once: a dictionary grown a member at a time is rebuilt at 1, 2, 4 and 8.
    fileprivate init() { members.reserveCapacity(8) }

    mutating func write(_ key: some CodingKey, _ value: String) { members[key.stringValue] = .string(value) }

    mutating func write(_ key: some CodingKey, _ value: Int) { members[key.stringValue] = LeafNumber.text(value) }

    mutating func write(_ key: some CodingKey, _ value: Double) { members[key.stringValue] = LeafNumber.text(value) }

    mutating func write(_ key: some CodingKey, _ value: Bool) { members[key.stringValue] = .bool(value) }

    mutating func write<Value: LeafObjectWritable>(_ key: some CodingKey, _ value: Value) { members[key.stringValue] = value.leafObject }

    mutating func write<Value: LeafObjectWritable>(_ key: some CodingKey, _ values: [Value]) {
        members[key.stringValue] = .array(values.map(\.leafObject))
    }

    /// Text by name (a form's message for each field), as a dictionary of text.
    mutating func write(_ key: some CodingKey, _ values: [String: String]) {
        members[key.stringValue] = .dictionary(values.mapValues { .string($0) })
    }
}

/// Numbers reach Leaf as the text it would print for them. LeafKit prints a number, and compares one with `>` or
/// `<`, by converting it to text through a converter that builds its whole table of conversions (about thirty
/// closures in a `Set`) on every call: on the monitoring page, whose charts and tables are mostly numbers, that was
/// a fifth of the server's time. Text prints as it is; Leaf's comparisons read both sides as text and then as numbers
/// (`>`, `<`), or as text (`==`), so they decide as before; the templates do no arithmetic, which text would not.
enum LeafNumber {
    static func text(_ value: Int) -> LeafData { .string(value.description) }
    static func text(_ value: Double) -> LeafData { .string(value.description) }
}
