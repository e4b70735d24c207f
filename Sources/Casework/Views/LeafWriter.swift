import Foundation
import Leaf
import LeafKit
import NIOCore

/// `#swiftRendered(): … #endswiftRendered`, around the whole of layout.leaf: every page that extends the layout is
/// written by `LeafWriter` from the template LeafKit has parsed and resolved (its extends, exports and imports), not
/// by LeafKit's own serializer.
///
/// Why: LeafKit's serializer was most of a long page's time at national volume (the SCR manager's home 56%, the
/// team leader's 39%, the SR list 45%, the SCR hopper 44%; bench/scale.sh with PROFILE=1). Each pass of a `#for`
/// copies the context and makes a serializer with a buffer of its own, each `#(…)` builds a resolver, splits its
/// path into new strings and escapes its text a Unicode scalar at a time. `LeafWriter` does the same work in place.
///
/// What it writes is LeafKit's own output, byte for byte: the tests render every page through both (a reference
/// renderer reads the templates without this tag, see `LeafReference`) and fail on any difference. Syntax LeafKit
/// would accept but the writer does not know (a tag it has not been given, a value it cannot print) is an error,
/// never a guess.
struct SwiftRenderedTag: UnsafeUnescapedLeafTag {
    let tags: [String: any ParameterTag]
    /// LeafKit's setting: an `#import` of something no template exported writes nothing (else it is an error).
    let ignoresUnfoundImports: Bool

    func render(_ ctx: LeafContext) throws -> LeafData {
        var writer = LeafWriter(tags: tags, ignoresUnfoundImports: ignoresUnfoundImports)
        try writer.write(ctx.body ?? [], context: LeafScope(ctx.data))
        return .string(writer.text)
    }
}

/// A tag that reads only its parameters, so `LeafWriter` can call it as LeafKit would (only LeafKit can make a
/// `LeafContext`).
protocol ParameterTag: LeafTag {
    func render(_ parameters: [LeafData]) throws -> LeafData
}

extension ParameterTag {
    func render(_ ctx: LeafContext) throws -> LeafData { try render(ctx.parameters) }
}

/// LeafKit's `count`: the number of elements of an array or members of a dictionary.
struct CountTag: ParameterTag {
    func render(_ parameters: [LeafData]) throws -> LeafData {
        guard parameters.count == 1 else { throw LeafError(.unknownError("Invalid parameter count: \(parameters.count)/1")) }
        if let array = parameters[0].array { return .int(array.count) }
        if let dictionary = parameters[0].dictionary { return .int(dictionary.count) }
        throw LeafError(.unknownError("#count(): Unable to convert count parameter to LeafData collection"))
    }
}

/// Writes resolved Leaf syntax as LeafKit's serializer does (LeafSerializer and ParameterResolver in LeafKit 1.x):
/// text, `#(…)` escaped, `#if`/`#elseif`/`#else`, `#for`, `#extend` with a context, and the tags it is given.
struct LeafWriter {
    /// Syntax LeafKit would accept that the writer does not write: a page using it must be changed, or the writer.
    struct Unsupported: Error, CustomStringConvertible {
        let what: String
        var description: String { "LeafWriter cannot write \(what); write it as the other templates do, or teach LeafWriter (Views/LeafWriter.swift)" }
    }

    let tags: [String: any ParameterTag]
    let ignoresUnfoundImports: Bool
    /// UTF-8, turned into one string at the end.
    private var bytes: [UInt8] = []

    init(tags: [String: any ParameterTag], ignoresUnfoundImports: Bool) {
        self.tags = tags
        self.ignoresUnfoundImports = ignoresUnfoundImports
        bytes.reserveCapacity(32 * 1024)
    }

    var text: String { String(decoding: bytes, as: UTF8.self) }

    mutating func write(_ body: [Syntax], context: LeafScope) throws {
        for syntax in body { try write(syntax, context: context) }
    }

    private mutating func write(_ syntax: Syntax, context: LeafScope) throws {
        switch syntax {
        case .raw(let buffer):
            // Copied at once: appending the buffer's view went through its iterator a byte at a time (7% of the
            // monitoring page, whose text between values is most of its 180 kB).
            buffer.withUnsafeReadableBytes { raw in
                bytes.append(contentsOf: UnsafeBufferPointer(start: raw.baseAddress?.assumingMemoryBound(to: UInt8.self), count: raw.count))
            }
        case .expression(let expression):
            // LeafKit ignores a value it cannot print; every value the writer cannot print is an error instead.
            try writeEscaped(try resolve(.expression(expression), context))
        case .custom(let declaration):
            guard let tag = tags[declaration.name] else {
                // Text such as `href="#main-content"` reads as a tag with no parameters; LeafKit writes it back as it was.
                guard declaration.params.isEmpty, (declaration.body ?? []).isEmpty else { throw Unsupported(what: "the tag #\(declaration.name)") }
                bytes.append(UInt8(ascii: "#"))
                bytes.append(contentsOf: declaration.name.utf8)
                return
            }
            let value = try tag.render(try declaration.params.map { try resolve($0, context) })
            if tag is any UnsafeUnescapedLeafTag {
                guard value.celf == .string, let string = value.string else { throw Unsupported(what: "#\(declaration.name)'s \(value.celf) answer") }
                bytes.append(contentsOf: string.utf8)
            } else {
                try writeEscaped(value)
            }
        case .conditional(let conditional):
            for block in conditional.chain {
                let condition: [ParameterDeclaration]
                switch block.condition {
                case .if(let parameters), .elseif(let parameters): condition = parameters
                case .else: condition = [.parameter(.keyword(.true))]
                }
                // LeafKit's test, `(value.bool ?? false) || (!value.isNil && value.celf != .bool)`, without asking a
                // value that is not a flag for `bool` (which builds LeafKit's whole table of conversions each time).
                let value = try resolveAtomic(condition, context)
                let holds = value.celf == .bool ? (value.bool ?? false) : !value.isNil
                guard holds else { continue }
                try write(block.body, context: context)
                break
            }
        case .loop(let loop):
            try write(loop, context: context)
        case .with(let with):
            guard let inner = try resolve(.expression(with.context), context).dictionary else {
                throw LeafError(.unknownError("expressions should resolve to a single dictionary value"))
            }
            try write(with.body, context: LeafScope(inner))
        case .import:
            // What was exported has been put in its place already; what is left was not exported.
            guard ignoresUnfoundImports else { throw LeafError(.unknownError("\(syntax) should have been resolved BEFORE serialization")) }
        case .extend, .export:
            throw LeafError(.unknownError("\(syntax) should have been resolved BEFORE serialization"))
        }
    }

    /// `#for(item in a.b.c)`: each element with the context, `isFirst`, `isLast` and the index added (as loop
    /// variables of the scope, not copied into the context: see `LeafScope`).
    private mutating func write(_ loop: Syntax.Loop, context: LeafScope) throws {
        guard let array = Self.lookUp(loop.array, in: context)?.array else {
            throw LeafError(.unknownError("expected array at key: \(loop.array)"))
        }
        var inner = context
        inner.loops.append(LeafScope.Loop(item: loop.item, index: loop.index, value: .trueNil, position: 0, count: array.count))
        let innermost = inner.loops.count - 1
        for (position, item) in array.enumerated() {
            inner.loops[innermost].value = item
            inner.loops[innermost].position = position
            try write(loop.body, context: inner)
        }
    }

    /// A value as `#(…)` prints it: text escaped for HTML, numbers and flags as LeafKit writes them, nothing for nil.
    private mutating func writeEscaped(_ value: LeafData) throws {
        if value.isNil { return }
        switch value.celf {
        case .string:
            appendEscaped(value.string ?? "")
        case .int:
            bytes.append(contentsOf: String(value.int ?? 0).utf8)
        case .bool:
            bytes.append(contentsOf: ((value.bool ?? false) ? "true" : "false").utf8)
        default:
            throw Unsupported(what: "a \(value.celf) value printed with #(…)")
        }
    }

    /// LeafKit's `htmlEscaped`: & " ' < > replaced, byte by byte (all five are ASCII, so no scalar is split).
    private mutating func appendEscaped(_ text: String) {
        var text = text
        text.withUTF8 { utf8 in
            // Most text has none of the five: copied at once (`ByteScan` asks eight bytes at a time).
            guard ByteScan.containsHTMLEscape(utf8) else {
                bytes.append(contentsOf: utf8)
                return
            }
            for byte in utf8 {
                switch byte {
                case UInt8(ascii: "&"): bytes.append(contentsOf: "&amp;".utf8)
                case UInt8(ascii: "\""): bytes.append(contentsOf: "&quot;".utf8)
                case UInt8(ascii: "'"): bytes.append(contentsOf: "&#39;".utf8)
                case UInt8(ascii: "<"): bytes.append(contentsOf: "&lt;".utf8)
                case UInt8(ascii: ">"): bytes.append(contentsOf: "&gt;".utf8)
                default: bytes.append(byte)
                }
            }
        }
    }

    // MARK: Expressions, as LeafKit's ParameterResolver resolves them

    private func resolveAtomic(_ parameters: [ParameterDeclaration], _ context: LeafScope) throws -> LeafData {
        guard parameters.count == 1 else {
            throw LeafError(.unknownError(parameters.isEmpty ? "Parameter statement can't be empty" : "Parameter statement must hold a single value"))
        }
        return try resolve(parameters[0], context)
    }

    private func resolve(_ parameter: ParameterDeclaration, _ context: LeafScope) throws -> LeafData {
        switch parameter {
        case .expression(let expression):
            return try resolve(expression: expression, context)
        case .parameter(let value):
            return try resolve(value, context)
        case .tag(let declaration):
            guard let tag = tags[declaration.name] else { throw Unsupported(what: "the function \(declaration.name)(…)") }
            return try tag.render(try declaration.params.map { try resolve($0, context) })
        }
    }

    private func resolve(_ parameter: Parameter, _ context: LeafScope) throws -> LeafData {
        switch parameter {
        case .constant(.int(let value)): return .int(value)
        case .constant(.double(let value)): return .double(value)
        case .stringLiteral(let text): return .string(text)
        case .variable(let path): return Self.lookUp(path, in: context) ?? .trueNil
        case .keyword(.this): return .dictionary(context.dictionary)
        case .keyword(.nil): return .trueNil
        case .keyword(.true), .keyword(.yes): return .bool(true)
        case .keyword(.false), .keyword(.no): return .bool(false)
        case .keyword, .tag, .operator: throw Unsupported(what: "the parameter \(parameter)")
        }
    }

    /// `a.b.c`: the first name in the scope, the rest through nested dictionaries, as LeafKit's `keyPath` subscript
    /// reads it (without making an array of the parts for every value printed: that was a sixth of a long page's time).
    private static func lookUp(_ path: String, in scope: LeafScope) -> LeafData? {
        let utf8 = path.utf8
        guard var dot = utf8.firstIndex(of: UInt8(ascii: ".")) else { return scope.value(of: path) }
        guard var value = scope.value(of: String(path[..<dot])) else { return nil }
        while true {
            let start = utf8.index(after: dot)
            let end = utf8[start...].firstIndex(of: UInt8(ascii: ".")) ?? utf8.endIndex
            guard let next = value.dictionary?[String(path[start..<end])] else { return nil }
            guard end != utf8.endIndex else { return next }
            value = next
            dot = end
        }
    }

    private func resolve(expression: [ParameterDeclaration], _ context: LeafScope) throws -> LeafData {
        switch expression.count {
        case 1:
            return try resolve(expression[0], context)
        case 2:
            guard case .parameter(.operator(let op)) = expression[0] else {
                throw Unsupported(what: "the expression \(expression)")
            }
            let rhs = try resolve(expression[1], context)
            guard op == .not else { throw Unsupported(what: "the operator \(op) before a value") }
            return .bool(!Self.truth(rhs))
        case 3:
            let lhs = try resolve(expression[0], context)
            let rhs = try resolve(expression[2], context)
            switch expression[1] {
            case .parameter(.operator(let op)): return try Self.apply(op, lhs, rhs)
            case .parameter(.keyword(.in)): return .bool((rhs.array ?? []).contains { Self.equal($0, lhs) })
            case .parameter(.keyword): return .trueNil
            default: throw Unsupported(what: "the expression \(expression)")
            }
        default:
            throw Unsupported(what: "the expression \(expression)")
        }
    }

    private static func apply(_ op: LeafOperator, _ lhs: LeafData, _ rhs: LeafData) throws -> LeafData {
        switch op {
        case .and: return .bool(truth(lhs) && truth(rhs))
        case .or: return .bool(truth(lhs) || truth(rhs))
        case .equal: return .bool(equal(lhs, rhs))
        case .unequal: return .bool(!equal(lhs, rhs))
        case .lesser, .lesserOrEqual, .greater, .greaterOrEqual:
            // Both sides as text, compared as numbers when both read as numbers. Two whole numbers (a `count(…)`
            // and a constant) are compared as those numbers would be, without asking an integer for its text,
            // which builds LeafKit's table of conversions (5% of the SCR manager's home page).
            if lhs.celf == .int, rhs.celf == .int, let l = lhs.int, let r = rhs.int { return .bool(compare(op, Double(l), Double(r))) }
            guard let left = lhs.string, let right = rhs.string else { return .trueNil }
            if let l = Double(left), let r = Double(right) { return .bool(compare(op, l, r)) }
            return .bool(compare(op, left, right))
        default:
            throw Unsupported(what: "the operator \(op)")
        }
    }

    /// A value as `!`, `&&` and `||` read it: a flag, or whether there is a value (LeafKit's rule,
    /// `value.bool ?? !value.isNil`). Asking text or a collection for `bool` builds LeafKit's whole table of
    /// conversions (about seventy closures in a `Set`) each time, so those are answered here as that table would:
    /// text reads as `Bool(text)` (so "true" and "false" are flags, any other text a value), a collection is a value.
    private static func truth(_ value: LeafData) -> Bool {
        switch value.celf {
        case .string:
            if let text = value.string { return Bool(text) ?? true }
        case .array, .dictionary, .data:
            return !value.isNil
        default:
            break
        }
        return value.bool ?? !value.isNil
    }

    /// LeafKit's `==`: the same stored value, or both printed alike. Two texts, two whole numbers or two flags are
    /// compared as they are: LeafKit would come to the same answer (two different numbers or flags never print
    /// alike) after asking both whether they can be text, which builds its table of conversions twice for every
    /// comparison that does not hold (`count(…) == 0`, on most pages).
    private static func equal(_ lhs: LeafData, _ rhs: LeafData) -> Bool {
        switch (lhs.celf, rhs.celf) {
        case (.string, .string): if let left = lhs.string, let right = rhs.string { return left == right }
        case (.int, .int): if let left = lhs.int, let right = rhs.int { return left == right }
        case (.bool, .bool): if let left = lhs.bool, let right = rhs.bool { return left == right }
        default: break
        }
        return lhs == rhs
    }

    private static func compare<T: Comparable>(_ op: LeafOperator, _ l: T, _ r: T) -> Bool {
        switch op {
        case .lesser: l < r
        case .lesserOrEqual: l <= r
        case .greater: l > r
        default: l >= r
        }
    }
}

/// What a name in a template reads: the loop variables of the `#for`s around it, innermost first, then the context.
/// LeafKit copies the context for each `#for` and sets four names in it for every element; here an element only
/// replaces its loop's value and position, and a name is looked for among a few loop variables before the context.
struct LeafScope {
    struct Loop {
        let item: String
        let index: String
        var value: LeafData
        var position: Int
        let count: Int

        var isFirst: Bool { position == 0 }
        var isLast: Bool { position == count - 1 }
    }

    let context: [String: LeafData]
    var loops: [Loop] = []

    init(_ context: [String: LeafData]) { self.context = context }

    /// As LeafKit's copy of the context would answer: each loop sets `isFirst`, `isLast`, its index and its item in
    /// that order (a later one replacing an earlier of the same name), and an inner loop's replace an outer's.
    func value(of name: String) -> LeafData? {
        // By index, innermost first: iterating `loops.reversed()` copied each loop (its value retained and released)
        // for every name looked up.
        var level = loops.count
        while level > 0 {
            level -= 1
            if name == loops[level].item { return loops[level].value }
            if name == loops[level].index { return .int(loops[level].position) }
            if name == "isLast" { return .bool(loops[level].isLast) }
            if name == "isFirst" { return .bool(loops[level].isFirst) }
        }
        return context[name]
    }

    /// The whole scope as one dictionary (`#(this)`).
    var dictionary: [String: LeafData] {
        var all = context
        for loop in loops {
            all["isFirst"] = .bool(loop.isFirst)
            all["isLast"] = .bool(loop.isLast)
            all[loop.index] = .int(loop.position)
            all[loop.item] = loop.value
        }
        return all
    }
}
