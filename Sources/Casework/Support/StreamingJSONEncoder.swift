import Foundation
import NIOCore
import NIOHTTP1
import Vapor

/// The API's JSON encoder. It writes each key and value into the answer's bytes as the value encodes itself, where
/// Foundation's `JSONEncoder` first builds a tree of boxed values and dictionaries and then serialises it. On a page
/// of fifty access requests Foundation's encoder was a quarter of the server's time, most of it the runtime looking
/// up generic metadata for each boxed value and hashing each key into a dictionary.
///
/// What reaches a client is the same JSON: the same values under the same keys (members in the order the type
/// encodes them, where Foundation's follow its dictionaries), strings escaped as Foundation escapes them, and
/// dates, data, URLs, decimals and floating-point numbers written by Foundation itself, with Vapor's settings
/// (ISO 8601 dates). A value that encodes in a way a stream cannot follow (writing into a nested container after its
/// parent has moved on, or a `superEncoder`) is encoded again, whole, by Foundation, so the answer never changes.
struct StreamingJSONEncoder: ContentEncoder {
    /// Vapor's own JSON encoder, for the values written by Foundation and for the whole answer when a stream cannot
    /// follow it.
    static let foundation = JSONEncoder.custom(dates: .iso8601)

    func encode<E: Encodable>(_ encodable: E, to body: inout ByteBuffer, headers: inout HTTPHeaders) throws {
        headers.contentType = .json
        var written = try Self.buffer(encodable)
        if body.readableBytes == 0 { body = written } else { body.writeBuffer(&written) }
    }

    func encode<E: Encodable>(_ encodable: E, to body: inout ByteBuffer, headers: inout HTTPHeaders,
                              userInfo: [CodingUserInfoKey: any Sendable]) throws {
        guard userInfo.isEmpty else {
            try Self.foundation.encode(encodable, to: &body, headers: &headers, userInfo: userInfo)
            return
        }
        try encode(encodable, to: &body, headers: &headers)
    }

    /// The JSON text of a value.
    static func bytes<E: Encodable>(_ value: E) throws -> [UInt8] { Array(try buffer(value).readableBytesView) }

    static func buffer<E: Encodable>(_ value: E) throws -> ByteBuffer {
        let sink = JSONSink()
        if let writable = value as? any JSONObjectWritable {
            sink.writeObject(writable)
            return sink.bytes.byteBuffer()
        }
        return try encodedBuffer(value, into: sink)
    }

    /// Through `Encodable` alone, even for a value that writes itself: what `JSONObjectWritable`'s writers must
    /// match, byte for byte (`StreamingJSONEncoderTests`).
    static func encodedBytes<E: Encodable>(_ value: E) throws -> [UInt8] {
        Array(try encodedBuffer(value, into: JSONSink()).readableBytesView)
    }

    private static func encodedBuffer<E: Encodable>(_ value: E, into sink: JSONSink) throws -> ByteBuffer {
        do {
            try sink.write(value, in: nil, key: nil)
            // A whole answer that encoded nothing is refused by Foundation ("did not encode any values"), so
            // Foundation answers it.
            guard !sink.wroteNothingAtTop else { throw JSONSink.CannotStream() }
            return sink.bytes.byteBuffer()
        } catch is JSONSink.CannotStream {
            return ByteBuffer(data: try foundation.encode(value))
        }
    }
}

/// An answer's object that writes its own members, without `Encodable`'s containers: for the lists the API answers
/// all day (fifty access requests with their people and histories, a hopper's page), where `Encodable`'s boxed
/// containers, one allocation and a generic metadata lookup for each object, were most of the encoding's time.
///
/// The type still encodes itself through `Encodable`, and that stays the one definition of its JSON: the writer
/// names each member by the type's own `CodingKeys`, and `StreamingJSONEncoderTests` checks, for every type that
/// writes itself, that it writes exactly what `Encodable` encodes (`StreamingJSONEncoder.encodedBytes`).
protocol JSONObjectWritable: Encodable {
    /// Every member, in the order `encode(to:)` encodes them.
    func writeMembers(to object: inout JSONObjectWriter)
}

/// The members of one object being written. Each kind of member is written as `Encodable` would encode it: an
/// absent optional left out (`encodeIfPresent`, what synthesised conformances do) unless it is written as `null`
/// on purpose (`writeNullable`), an enum by its raw value (those two as every `ObjectMemberWriter` writes them).
struct JSONObjectWriter {
    fileprivate let sink: JSONSink
    private var members = 0

    fileprivate init(sink: JSONSink) { self.sink = sink }

    private mutating func key(_ key: some CodingKey) {
        if members > 0 { sink.bytes.append(UInt8(ascii: ",")) }
        members += 1
        sink.writeString(key.stringValue, then: UInt8(ascii: ":"))
    }

    mutating func write(_ key: some CodingKey, _ value: String) {
        self.key(key)
        sink.writeString(value)
    }

    /// `null` when absent, as `encode(_:forKey:)` writes an optional.
    mutating func writeNullable(_ key: some CodingKey, _ value: String?) {
        guard let value else {
            self.key(key)
            sink.writeNull()
            return
        }
        write(key, value)
    }

    mutating func write(_ key: some CodingKey, _ value: Int) {
        self.key(key)
        sink.writeInteger(value)
    }

    mutating func write(_ key: some CodingKey, _ value: Bool) {
        self.key(key)
        sink.writeBool(value)
    }

    mutating func write<Value: JSONObjectWritable>(_ key: some CodingKey, _ value: Value) {
        self.key(key)
        sink.writeObject(value)
    }

    mutating func write<Value: JSONObjectWritable>(_ key: some CodingKey, _ value: Value?) {
        guard let value else { return }
        write(key, value)
    }

    mutating func write<Value: JSONObjectWritable>(_ key: some CodingKey, _ values: [Value]) {
        write(key, values) { sink, value in sink.writeObject(value) }
    }

    mutating func write(_ key: some CodingKey, _ values: [String]) {
        write(key, values) { sink, value in sink.writeString(value) }
    }

    private mutating func write<Element>(_ key: some CodingKey, _ values: [Element], each: (JSONSink, Element) -> Void) {
        self.key(key)
        sink.bytes.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { sink.bytes.append(UInt8(ascii: ",")) }
            each(sink, value)
        }
        sink.bytes.append(UInt8(ascii: "]"))
    }
}

/// The bytes being written, and the innermost object or array open in them. Open containers are chained from the
/// innermost outwards through their slots, not kept in an array: growing an array of a type declared here asked
/// the runtime for its generic metadata at every member.
///
/// Its state is only ever touched by the one encoding that owns it, on one thread, so the runtime's exclusivity
/// checks on it are turned off (`@exclusivity(unchecked)`): they were a tenth of the monitoring API's time.
private final class JSONSink {
    struct CannotStream: Error {}

    @exclusivity(unchecked) var bytes = JSONBytes(capacity: 16_384)
    /// The outermost value encoded nothing at all.
    var wroteNothingAtTop = false
    @exclusivity(unchecked) private var innermost: JSONSlot?

    deinit { bytes.release() }

    func open(_ slot: JSONSlot, opener: StaticString) {
        writeLiteral(opener)
        slot.outer = innermost
        slot.isOpen = true
        innermost = slot
    }

    /// Before a member of `slot`'s object or array: closes the nested containers left open inside it (a nested
    /// container has no end of its own; the next member of its parent ends it) and writes the separator.
    func beginMember(of slot: JSONSlot) throws {
        try closeContainers(inside: slot)
        if slot.members > 0 { bytes.append(UInt8(ascii: ",")) }
        slot.members += 1
    }

    /// `"key":` in `slot`'s object.
    func beginMember(of slot: JSONSlot, key: some CodingKey) throws {
        try beginMember(of: slot)
        writeString(key.stringValue, then: UInt8(ascii: ":"))
    }

    /// Closes `slot`'s object or array and everything open inside it.
    func close(_ slot: JSONSlot) throws {
        try closeContainers(inside: slot)
        bytes.append(slot.closer)
        slot.isOpen = false
        innermost = slot.outer
        slot.outer = nil
    }

    private func closeContainers(inside slot: JSONSlot) throws {
        // A container already closed: the value went back to a place the stream has left.
        guard slot.isOpen else { throw CannotStream() }
        while let top = innermost, top !== slot {
            bytes.append(top.closer)
            top.isOpen = false
            innermost = top.outer
            top.outer = nil
        }
    }

    /// Any value, in the place the caller has made for it: a member of `parent` under `key`, an element, or the
    /// whole answer. (Types are compared, not cast: a cast asks the runtime.)
    func write<T: Encodable>(_ value: T, in parent: JSONSlot?, key: (any CodingKey)?) throws {
        let type = ObjectIdentifier(T.self)
        if type == Written.string {
            writeString(unsafeBitCast(value, to: String.self))
        } else if type == Written.int {
            writeInteger(unsafeBitCast(value, to: Int.self))
        } else if type == Written.bool {
            writeBool(unsafeBitCast(value, to: Bool.self))
        } else if type == Written.uuid {
            // Its own text, as `UUID.encode(to:)` writes it, without `uuidString`'s `sprintf`.
            writeString(unsafeBitCast(value, to: UUID.self).text)
        } else if Written.byFoundation.contains(type) {
            try writeByFoundation(value)
        } else {
            let slot = JSONSlot(sink: self, parent: parent, key: key)
            try value.encode(to: slot)
            try slot.finish()
        }
    }

    private enum Written {
        static let string = ObjectIdentifier(String.self), int = ObjectIdentifier(Int.self), bool = ObjectIdentifier(Bool.self)
        static let uuid = ObjectIdentifier(UUID.self)
        static let byFoundation: Set<ObjectIdentifier> = [ObjectIdentifier(Date.self), ObjectIdentifier(Double.self), ObjectIdentifier(Float.self),
                                                          ObjectIdentifier(Data.self), ObjectIdentifier(URL.self), ObjectIdentifier(Decimal.self)]
    }

    /// Foundation's own text for a value: its date strategy, base64, its number formatting and its refusals.
    func writeByFoundation<T: Encodable>(_ value: T) throws {
        let text = try StreamingJSONEncoder.foundation.encode(value)
        text.withUnsafeBytes { bytes.append($0) }
    }

    /// An object that writes its own members (`JSONObjectWritable`).
    func writeObject(_ value: some JSONObjectWritable) {
        bytes.append(UInt8(ascii: "{"))
        var object = JSONObjectWriter(sink: self)
        value.writeMembers(to: &object)
        bytes.append(UInt8(ascii: "}"))
    }

    func writeNull() { writeLiteral("null") }

    func writeBool(_ value: Bool) { writeLiteral(value ? "true" : "false") }

    func writeLiteral(_ text: StaticString) { text.withUTF8Buffer { bytes.append(UnsafeRawBufferPointer($0)) } }

    /// Its decimal digits, written from the number (not through `String(value)`, which was 3% of the monitoring API).
    func writeInteger<T: BinaryInteger>(_ value: T) {
        guard let whole = Int64(exactly: value) else {
            var text = String(value)
            text.withUTF8 { bytes.append(UnsafeRawBufferPointer($0)) }
            return
        }
        // Twenty places hold every Int64 with its sign, written from the right.
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &digits) { place in
            var at = 24
            var rest = whole.magnitude
            repeat {
                at -= 1
                place[at] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            } while rest > 0
            if whole < 0 {
                at -= 1
                place[at] = UInt8(ascii: "-")
            }
            bytes.append(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(place)[at...]))
        }
    }

    /// A string as Foundation's encoder writes it: quotes, backslashes and `/` escaped, control characters as
    /// `\n`-style escapes or `\u00XX`, everything else as its UTF-8. A run of bytes needing no escape is copied whole.
    func writeString(_ text: String) {
        writeString(text, then: nil)
    }

    /// The same, followed by one more byte (a member's `:`). Most text needs no escape (`ByteScan` asks eight bytes
    /// at a time): it is then written, quotes and all, in one copy.
    func writeString(_ text: String, then suffix: UInt8?) {
        var text = text
        text.withUTF8 { utf8 in
            if !ByteScan.containsJSONEscape(utf8) {
                bytes.appendQuoted(UnsafeRawBufferPointer(utf8), then: suffix)
                return
            }
            bytes.append(UInt8(ascii: "\""))
            var start = 0
            for index in 0..<utf8.count {
                let byte = utf8[index]
                guard Self.needsEscape(byte) else { continue }
                bytes.append(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(utf8)[start..<index]))
                start = index + 1
                switch byte {
                case UInt8(ascii: "\""): writeLiteral("\\\"")
                case UInt8(ascii: "\\"): writeLiteral("\\\\")
                case UInt8(ascii: "/"): writeLiteral("\\/")
                case 0x08: writeLiteral("\\b")
                case 0x0C: writeLiteral("\\f")
                case 0x0A: writeLiteral("\\n")
                case 0x0D: writeLiteral("\\r")
                case 0x09: writeLiteral("\\t")
                default:
                    let hex: StaticString = "0123456789abcdef"
                    writeLiteral("\\u00")
                    bytes.append(hex.utf8Start[Int(byte >> 4)])
                    bytes.append(hex.utf8Start[Int(byte & 0xF)])
                }
            }
            bytes.append(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(utf8)[start..<utf8.count]))
            bytes.append(UInt8(ascii: "\""))
            if let suffix { bytes.append(suffix) }
        }
    }

    @inline(__always)
    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "/")
    }
}

/// The place for one value: a member's value, an array's element, or the whole answer. It becomes an object, an
/// array or a single value when the value asks for a container, and `finish` closes it after the value's
/// `encode(to:)` returns.
private final class JSONSlot: Encoder {
    let sink: JSONSink
    /// Where this value sits, for `codingPath` (asked only when something goes wrong).
    private let parent: JSONSlot?
    private let key: (any CodingKey)?
    var userInfo: [CodingUserInfoKey: Any] { JSONSlot.noUserInfo }
    nonisolated(unsafe) private static let noUserInfo: [CodingUserInfoKey: Any] = [:]

    enum Shape { case undecided, container, singleValue }
    // Touched only by the encoding that made the slot, on its one thread (see `JSONSink`).
    @exclusivity(unchecked) private var shape = Shape.undecided
    /// For an object or array: its closing bracket, how many members it has, whether it is still open, and the
    /// container that was innermost when it opened.
    @exclusivity(unchecked) var closer = UInt8(ascii: "}")
    @exclusivity(unchecked) var members = 0
    @exclusivity(unchecked) var isOpen = false
    @exclusivity(unchecked) var outer: JSONSlot?

    init(sink: JSONSink, parent: JSONSlot?, key: (any CodingKey)?) {
        self.sink = sink
        self.parent = parent
        self.key = key
    }

    var codingPath: [any CodingKey] {
        var path: [any CodingKey] = []
        var slot: JSONSlot? = self
        while let at = slot {
            if let key = at.key { path.insert(key, at: 0) }
            slot = at.parent
        }
        return path
    }

    /// A second request for a keyed container adds to the same object, as Foundation's encoder does (a value that
    /// writes two parts of itself into one object).
    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(JSONObject<Key>(slot: opened(opener: "{", closer: UInt8(ascii: "}"))))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        JSONArray(slot: opened(opener: "[", closer: UInt8(ascii: "]")))
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { JSONSingleValue(slot: self) }

    /// This slot as an object or array, opened on first use. Nil (and the answer is encoded by Foundation) when the
    /// slot is already something else, or has been closed.
    private func opened(opener: StaticString, closer: UInt8) -> JSONSlot? {
        switch shape {
        case .container: return isOpen && closer == self.closer ? self : nil
        case .singleValue: return nil
        case .undecided:
            shape = .container
            self.closer = closer
            sink.open(self, opener: opener)
            return self
        }
    }

    func singleValue(_ write: () throws -> Void) throws {
        guard shape == .undecided else { throw JSONSink.CannotStream() }
        shape = .singleValue
        try write()
    }

    func finish() throws {
        switch shape {
        case .container: try sink.close(self)
        case .singleValue: break
        case .undecided:
            // A value that encoded nothing is an empty object, as in Foundation's encoder.
            if parent == nil && key == nil && sink.bytes.isEmpty { sink.wroteNothingAtTop = true }
            sink.writeLiteral("{}")
        }
    }
}

private struct JSONObject<Key: CodingKey>: KeyedEncodingContainerProtocol {
    /// Nil when the stream cannot follow this container: its first member sends the answer to Foundation.
    let slot: JSONSlot?
    var codingPath: [any CodingKey] { slot?.codingPath ?? [] }

    private func member(_ key: Key) throws -> JSONSink {
        guard let slot else { throw JSONSink.CannotStream() }
        try slot.sink.beginMember(of: slot, key: key)
        return slot.sink
    }

    mutating func encodeNil(forKey key: Key) throws { try member(key).writeNull() }
    mutating func encode(_ value: Bool, forKey key: Key) throws { try member(key).writeBool(value) }
    mutating func encode(_ value: String, forKey key: Key) throws { try member(key).writeString(value) }
    mutating func encode(_ value: Int, forKey key: Key) throws { try member(key).writeInteger(value) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { try member(key).writeInteger(value) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { try member(key).writeInteger(value) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { try member(key).writeInteger(value) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { try member(key).writeInteger(value) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { try member(key).writeInteger(value) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { try member(key).writeInteger(value) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { try member(key).writeInteger(value) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { try member(key).writeInteger(value) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { try member(key).writeInteger(value) }
    mutating func encode(_ value: Double, forKey key: Key) throws { try member(key).writeByFoundation(value) }
    mutating func encode(_ value: Float, forKey key: Key) throws { try member(key).writeByFoundation(value) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { try member(key).write(value, in: slot, key: key) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        guard let sink = try? member(key) else { return KeyedEncodingContainer(JSONObject<NestedKey>(slot: nil)) }
        return JSONSlot(sink: sink, parent: slot, key: key).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        guard let sink = try? member(key) else { return JSONArray(slot: nil) }
        return JSONSlot(sink: sink, parent: slot, key: key).unkeyedContainer()
    }

    // A super encoder's value may be written after the object moves on; the stream cannot hold a place for it.
    mutating func superEncoder() -> any Encoder { RefusingEncoder(codingPath: codingPath) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { RefusingEncoder(codingPath: codingPath) }
}

private struct JSONArray: UnkeyedEncodingContainer {
    let slot: JSONSlot?
    var codingPath: [any CodingKey] { slot?.codingPath ?? [] }
    var count: Int { slot?.members ?? 0 }

    private func element() throws -> JSONSink {
        guard let slot else { throw JSONSink.CannotStream() }
        try slot.sink.beginMember(of: slot)
        return slot.sink
    }

    mutating func encodeNil() throws { try element().writeNull() }
    mutating func encode(_ value: Bool) throws { try element().writeBool(value) }
    mutating func encode(_ value: String) throws { try element().writeString(value) }
    mutating func encode(_ value: Int) throws { try element().writeInteger(value) }
    mutating func encode(_ value: Int8) throws { try element().writeInteger(value) }
    mutating func encode(_ value: Int16) throws { try element().writeInteger(value) }
    mutating func encode(_ value: Int32) throws { try element().writeInteger(value) }
    mutating func encode(_ value: Int64) throws { try element().writeInteger(value) }
    mutating func encode(_ value: UInt) throws { try element().writeInteger(value) }
    mutating func encode(_ value: UInt8) throws { try element().writeInteger(value) }
    mutating func encode(_ value: UInt16) throws { try element().writeInteger(value) }
    mutating func encode(_ value: UInt32) throws { try element().writeInteger(value) }
    mutating func encode(_ value: UInt64) throws { try element().writeInteger(value) }
    mutating func encode(_ value: Double) throws { try element().writeByFoundation(value) }
    mutating func encode(_ value: Float) throws { try element().writeByFoundation(value) }
    mutating func encode<T: Encodable>(_ value: T) throws { try element().write(value, in: slot, key: nil) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        guard let sink = try? element() else { return KeyedEncodingContainer(JSONObject<NestedKey>(slot: nil)) }
        return JSONSlot(sink: sink, parent: slot, key: nil).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        guard let sink = try? element() else { return JSONArray(slot: nil) }
        return JSONSlot(sink: sink, parent: slot, key: nil).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { RefusingEncoder(codingPath: codingPath) }
}

private struct JSONSingleValue: SingleValueEncodingContainer {
    let slot: JSONSlot
    var codingPath: [any CodingKey] { slot.codingPath }

    private func value(_ write: (JSONSink) throws -> Void) throws { try slot.singleValue { try write(slot.sink) } }

    mutating func encodeNil() throws { try value { $0.writeNull() } }
    mutating func encode(_ value: Bool) throws { try self.value { $0.writeBool(value) } }
    mutating func encode(_ value: String) throws { try self.value { $0.writeString(value) } }
    mutating func encode(_ value: Int) throws { try self.value { $0.writeInteger(value) } }
    mutating func encode(_ value: Int8) throws { try self.value { $0.writeInteger(value) } }
    mutating func encode(_ value: Int16) throws { try self.value { $0.writeInteger(value) } }
    mutating func encode(_ value: Int32) throws { try self.value { $0.writeInteger(value) } }
    mutating func encode(_ value: Int64) throws { try self.value { $0.writeInteger(value) } }
    mutating func encode(_ value: UInt) throws { try self.value { $0.writeInteger(value) } }
    mutating func encode(_ value: UInt8) throws { try self.value { $0.writeInteger(value) } }
    mutating func encode(_ value: UInt16) throws { try self.value { $0.writeInteger(value) } }
    mutating func encode(_ value: UInt32) throws { try self.value { $0.writeInteger(value) } }
    mutating func encode(_ value: UInt64) throws { try self.value { $0.writeInteger(value) } }
    mutating func encode(_ value: Double) throws { try self.value { try $0.writeByFoundation(value) } }
    mutating func encode(_ value: Float) throws { try self.value { try $0.writeByFoundation(value) } }
    mutating func encode<T: Encodable>(_ value: T) throws {
        // A value that wraps another (an enum by its raw value, say) writes it into this same place.
        try slot.singleValue { try slot.sink.write(value, in: slot, key: nil) }
    }
}

/// Every container it gives refuses to write, so the whole answer is encoded by Foundation instead.
private struct RefusingEncoder: Encoder {
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> { KeyedEncodingContainer(JSONObject<Key>(slot: nil)) }
    func unkeyedContainer() -> any UnkeyedEncodingContainer { JSONArray(slot: nil) }
    func singleValueContainer() -> any SingleValueEncodingContainer { RefusingSingleValue(codingPath: codingPath) }
}

private struct RefusingSingleValue: SingleValueEncodingContainer {
    let codingPath: [any CodingKey]
    mutating func encodeNil() throws { throw JSONSink.CannotStream() }
    mutating func encode(_ value: Bool) throws { throw JSONSink.CannotStream() }
    mutating func encode(_ value: String) throws { throw JSONSink.CannotStream() }
    mutating func encode(_ value: Double) throws { throw JSONSink.CannotStream() }
    mutating func encode(_ value: Float) throws { throw JSONSink.CannotStream() }
    mutating func encode(_ value: Int) throws { throw JSONSink.CannotStream() }
    mutating func encode(_ value: Int8) throws { throw JSONSink.CannotStream() }
    mutating func encode(_ value: Int16) throws { throw JSONSink.CannotStream() }
    mutating func encode(_ value: Int32) throws { throw JSONSink.CannotStream() }
    mutating func encode(_ value: Int64) throws { throw JSONSink.CannotStream() }
    mutating func encode(_ value: UInt) throws { throw JSONSink.CannotStream() }
    mutating func encode(_ value: UInt8) throws { throw JSONSink.CannotStream() }
    mutating func encode(_ value: UInt16) throws { throw JSONSink.CannotStream() }
    mutating func encode(_ value: UInt32) throws { throw JSONSink.CannotStream() }
    mutating func encode(_ value: UInt64) throws { throw JSONSink.CannotStream() }
    mutating func encode<T: Encodable>(_ value: T) throws { throw JSONSink.CannotStream() }
}

/// The answer's bytes, in memory of their own grown by doubling, handed over as one `ByteBuffer` at the end. Written
/// through `ByteBuffer` they paid its checks (unique ownership, capacity, indices) at every member.
private struct JSONBytes {
    private var start: UnsafeMutablePointer<UInt8>
    private var count = 0
    private var capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        start = .allocate(capacity: capacity)
    }

    /// Frees the memory; the owner calls it once, when it is done.
    func release() { start.deallocate() }

    var isEmpty: Bool { count == 0 }

    func byteBuffer() -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: count)
        buffer.writeBytes(UnsafeRawBufferPointer(start: start, count: count))
        return buffer
    }

    @inline(__always)
    private mutating func reserve(_ more: Int) {
        guard count + more > capacity else { return }
        let grown = Swift.max(capacity * 2, count + more)
        let moved = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
        moved.update(from: start, count: count)
        start.deallocate()
        start = moved
        capacity = grown
    }

    mutating func append(_ byte: UInt8) {
        reserve(1)
        start[count] = byte
        count += 1
    }

    mutating func append(_ raw: UnsafeRawBufferPointer) {
        guard raw.count > 0 else { return }
        reserve(raw.count)
        UnsafeMutableRawPointer(start + count).copyMemory(from: raw.baseAddress!, byteCount: raw.count)
        count += raw.count
    }

    /// `"text"` and, if given, one more byte, in one step.
    mutating func appendQuoted(_ raw: UnsafeRawBufferPointer, then suffix: UInt8?) {
        reserve(raw.count + 3)
        start[count] = UInt8(ascii: "\"")
        if raw.count > 0 { UnsafeMutableRawPointer(start + count + 1).copyMemory(from: raw.baseAddress!, byteCount: raw.count) }
        count += raw.count + 1
        start[count] = UInt8(ascii: "\"")
        count += 1
        if let suffix {
            start[count] = suffix
            count += 1
        }
    }
}
