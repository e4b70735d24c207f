import CaseworkCore
import Foundation
import NIOCore
import Vapor

/// What was sent, held to `ControlCharacters` where it is decoded, once for every route rather than in each of the
/// fifty-odd places that read a body or a query: a NUL that reached PostgreSQL was a 500 on all of them.
/// - A JSON body holding a refused character is refused: a `ValidationFailure` (422) naming the field. A program
///   sent it, and can send it again without.
/// - A form body (a browser's) is read as `ControlCharacters.cleaned` keeps its text: pasted from Word, a
///   justification carries its manual line breaks as vertical tabs, which nobody can see to take out; refusing
///   the form showed a bare error page and lost what was typed.
/// - A query holding one has it dropped before it is read: searches, filters and cursors never hold one, and a
///   stray one (pasted with the text) should not cost the search.
enum ControlCharacterGuard {
    /// Puts the guarded decoders in place of Vapor's JSON, form and query decoders.
    static func install() {
        ContentConfiguration.global.use(decoder: GuardedDecoder.json(), for: .json)
        ContentConfiguration.global.use(decoder: GuardedDecoder.json(), for: .jsonAPI)
        ContentConfiguration.global.use(decoder: GuardedDecoder.form(), for: .urlEncodedForm)
        ContentConfiguration.global.use(urlDecoder: QueryWithoutControlCharacters())
    }

    // MARK: JSON

    /// The field of a JSON body holding a refused character, and which: nil when none does. The bytes are scanned
    /// first (a raw one, or a `\u` escape of one), and only a body holding one is parsed to name the field.
    static func refusedField(inJSON bytes: ByteBufferView) -> (field: String, character: Unicode.Scalar)? {
        guard jsonMayHoldRefused(bytes) else { return nil }
        guard let value = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]) else {
            return nil // not JSON: the decoder says so
        }
        return refused(in: value, at: "")
    }

    /// True when a refused character is in the bytes raw or as a `\u` escape. An escaped backslash is skipped with
    /// what it escapes, so `\\u0000` (a backslash, then "u0000") is not one.
    static func jsonMayHoldRefused(_ bytes: ByteBufferView) -> Bool {
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if ControlCharacters.isRefused(code: UInt32(byte)) { return true }
            if byte == UInt8(ascii: "\\") {
                let next = bytes.index(after: index)
                guard next < bytes.endIndex else { return false }
                if bytes[next] == UInt8(ascii: "u"), let code = hexValue(bytes, from: bytes.index(after: next), digits: 4),
                   ControlCharacters.isRefused(code: code) {
                    return true
                }
                index = bytes.index(after: next)
                continue
            }
            index = bytes.index(after: index)
        }
        return false
    }

    /// The first string (a member's name or a value) holding a refused character, by its path: `name`,
    /// `details.reason`, `emails[0].value`.
    private static func refused(in value: Any, at path: String) -> (field: String, character: Unicode.Scalar)? {
        switch value {
        case let text as String:
            return ControlCharacters.firstRefused(in: text).map { (path.isEmpty ? "body" : path, $0) }
        case let object as [String: Any]:
            for key in object.keys.sorted() {
                let inner = path.isEmpty ? key : "\(path).\(key)"
                if let character = ControlCharacters.firstRefused(in: key) { return (inner, character) }
                if let found = refused(in: object[key]!, at: inner) { return found }
            }
            return nil
        case let array as [Any]:
            for (offset, element) in array.enumerated() {
                if let found = refused(in: element, at: "\(path.isEmpty ? "body" : path)[\(offset)]") { return found }
            }
            return nil
        default:
            return nil
        }
    }

    // MARK: Forms and queries

    /// A form body with each name and value as `ControlCharacters.cleaned` keeps it, or nil when none holds a refused
    /// character. Only the pairs that change are written again.
    static func cleanedForm(_ bytes: ByteBufferView) -> ByteBuffer? {
        guard formMayHoldRefused(bytes) else { return nil }
        var changed = false
        let pairs = String(decoding: bytes, as: UTF8.self).split(separator: "&", omittingEmptySubsequences: false).map { pair -> String in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let texts = parts.map(formDecoded)
            guard texts.contains(where: { ControlCharacters.firstRefused(in: $0) != nil }) else { return String(pair) }
            changed = true
            return texts.map { formEncoded(ControlCharacters.cleaned($0)) }.joined(separator: "=")
        }
        return changed ? ByteBuffer(string: pairs.joined(separator: "&")) : nil
    }

    /// False when no refused character can be in the bytes, raw or as a `%` escape; `cleanedForm` then decodes
    /// the fields to tell for certain.
    static func formMayHoldRefused(_ bytes: some Sequence<UInt8>) -> Bool {
        mayHoldRefusedEscape(bytes) || bytes.contains { ControlCharacters.isRefused(code: UInt32($0)) }
    }

    /// A query without its escapes of refused characters, or nil when it has none.
    static func queryWithoutRefused(_ query: String) -> String? {
        // Every query of every request comes here, and almost none holds one: told without copying it first.
        guard mayHoldRefusedEscape(query.utf8) else { return nil }
        let bytes = Array(query.utf8)
        let escapes = refusedEscapes(in: bytes)
        guard !escapes.isEmpty else { return nil }
        var kept: [UInt8] = []
        kept.reserveCapacity(bytes.count)
        var next = 0
        for start in escapes {
            kept += bytes[next..<start]
            next = start + 3
        }
        kept += bytes[next...]
        return String(decoding: kept, as: UTF8.self)
    }

    /// True when a `%` is followed by a 0 or a 1, as every escape of a refused character (`%00` to `%1F`) is.
    private static func mayHoldRefusedEscape(_ bytes: some Sequence<UInt8>) -> Bool {
        var afterPercent = false
        for byte in bytes {
            if afterPercent && (byte == UInt8(ascii: "0") || byte == UInt8(ascii: "1")) { return true }
            afterPercent = byte == UInt8(ascii: "%")
        }
        return false
    }

    /// Where each `%XX` escape of a refused character starts, by offset.
    private static func refusedEscapes(in bytes: [UInt8]) -> [Int] {
        var found: [Int] = []
        var index = 0
        while index + 2 < bytes.count {
            if bytes[index] == UInt8(ascii: "%"), let code = hexValue(bytes, from: index + 1, digits: 2) {
                if ControlCharacters.isRefused(code: code) { found.append(index) }
                index += 3
            } else {
                index += 1
            }
        }
        return found
    }

    private static func formDecoded(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    /// Text escaped for a form body: letters, digits and `-._~` as they are, every other byte as `%XX`.
    private static func formEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: formUnreserved) ?? text
    }

    private static let formUnreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    private static func hexValue<Bytes: Collection<UInt8>>(_ bytes: Bytes, from start: Bytes.Index, digits: Int) -> UInt32? {
        var value: UInt32 = 0
        var index = start
        for _ in 0..<digits {
            guard index < bytes.endIndex, let digit = hexDigit(bytes[index]) else { return nil }
            value = value * 16 + digit
            index = bytes.index(after: index)
        }
        return value
    }

    private static func hexDigit(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// A JSON body read as Vapor's own JSON decoder reads it, whatever it holds: for the CSRF check, which must find
    /// the body's token before the guard refuses its text. A form is cleaned, never refused, so it needs no second read.
    static func unguardedJSON<D: Decodable>(_ type: D.Type, from request: Request) throws -> D {
        guard let body = request.body.data, request.headers.contentType != .urlEncodedForm else { throw Abort(.unsupportedMediaType) }
        return try GuardedDecoder.json().base.decode(type, from: body, headers: request.headers)
    }

    static func failure(_ found: (field: String, character: Unicode.Scalar)) -> ValidationFailure {
        ValidationFailure(orderedFields: [(found.field, ControlCharacters.fix(for: found.character))])
    }
}

/// Bodies of one kind (JSON, forms), held to `ControlCharacters` (`ControlCharacterGuard`: JSON refused, forms
/// cleaned), then read by the decoder Vapor would have used.
struct GuardedDecoder: ContentDecoder {
    let base: any ContentDecoder
    /// The body as it is to be read: itself, a cleaned copy, or a refusal (a `ValidationFailure`).
    let guarding: @Sendable (ByteBuffer) throws -> ByteBuffer

    static func json() -> GuardedDecoder {
        GuardedDecoder(base: JSONDecoder.custom(dates: .iso8601)) { body in
            if let found = ControlCharacterGuard.refusedField(inJSON: body.readableBytesView) { throw ControlCharacterGuard.failure(found) }
            return body
        }
    }

    static func form() -> GuardedDecoder {
        GuardedDecoder(base: URLEncodedFormDecoder()) { body in ControlCharacterGuard.cleanedForm(body.readableBytesView) ?? body }
    }

    func decode<D: Decodable>(_ decodable: D.Type, from body: ByteBuffer, headers: HTTPHeaders) throws -> D {
        try decode(decodable, from: body, headers: headers, userInfo: [:])
    }

    func decode<D: Decodable>(_ decodable: D.Type, from body: ByteBuffer, headers: HTTPHeaders, userInfo: [CodingUserInfoKey: any Sendable]) throws -> D {
        try base.decode(decodable, from: try guarding(body), headers: headers, userInfo: userInfo)
    }
}

/// Queries, read without their control characters (`ControlCharacterGuard`).
struct QueryWithoutControlCharacters: URLQueryDecoder {
    let base = URLEncodedFormDecoder()

    func decode<D: Decodable>(_ decodable: D.Type, from url: URI) throws -> D {
        try decode(decodable, from: url, userInfo: [:])
    }

    func decode<D: Decodable>(_ decodable: D.Type, from url: URI, userInfo: [CodingUserInfoKey: any Sendable]) throws -> D {
        var url = url
        if let query = url.query, let kept = ControlCharacterGuard.queryWithoutRefused(query) { url.query = kept }
        return try base.decode(decodable, from: url, userInfo: userInfo)
    }
}
