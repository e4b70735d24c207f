import Foundation
import Leaf
import LeafKit
import NIOConcurrencyHelpers
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
    /// Each page's syntax compiled once (`LeafProgram`); nil compiles it at every render.
    var programs: LeafPrograms? = nil

    func render(_ ctx: LeafContext) throws -> LeafData {
        let body = ctx.body ?? []
        let compile = { LeafProgram(body, tags: tags, ignoresUnfoundImports: ignoresUnfoundImports) }
        let program = programs?.program(for: body, compile: compile) ?? compile()
        return .string(try program.write(ctx.data))
    }
}

/// The programs compiled for the pages' syntax, each kept with the syntax it was compiled from. LeafKit keeps each
/// page's resolved syntax in its cache and hands the same array to `#swiftRendered` at every render, so the array's
/// storage names the page. The entry holds that array, so while it is kept no other array can have its address. A
/// renderer whose LeafKit cache is off (CASEWORK_TEMPLATE_RELOAD=1) gets none and compiles at every render.
final class LeafPrograms: @unchecked Sendable {
    /// More than Casework has pages and fragments; past this every program is dropped and compiled again as asked for.
    static let kept = 256

    private struct Entry {
        let syntax: [Syntax]
        let program: LeafProgram
    }

    private let lock = NIOLock()
    private var entries: [UInt: Entry] = [:]

    /// How many programs are kept (for the tests).
    var count: Int { lock.withLock { entries.count } }

    func program(for syntax: [Syntax], compile: () -> LeafProgram) -> LeafProgram {
        guard let key = syntax.withUnsafeBufferPointer({ $0.baseAddress.map { UInt(bitPattern: $0) } }) else { return compile() }
        if let known = lock.withLock({ entries[key] }) { return known.program }
        let program = compile()
        lock.withLock {
            if entries.count >= Self.kept { entries.removeAll() }
            entries[key] = Entry(syntax: syntax, program: program)
        }
        return program
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

/// Text escaped as LeafKit's `htmlEscaped` escapes it (what `#(…)` does): & " ' < > replaced, byte by byte (all five
/// are ASCII, so no scalar is split), for the writer and for HTML Casework writes itself (`AssigneeChoices`).
enum LeafEscaping {
    static func append(_ text: String, to bytes: inout [UInt8]) {
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
}

/// Resolved Leaf syntax compiled for writing, as LeafKit's serializer writes it (LeafSerializer and ParameterResolver
/// in LeafKit 1.x): text, `#(…)` escaped, `#if`/`#elseif`/`#else`, `#for`, `#extend` with a context, and the tags it is
/// given.
///
/// Why compiled: writing from LeafKit's syntax, every value printed scanned its path for dots, made a string of each
/// part and compared its first name with every enclosing loop's names, and every step took LeafKit's nested enums
/// apart again. Compiled once, a path is its parts, its first name already known as a loop's item, index or flag or
/// a name of the context (the loops around it are known where it is written), and a tag is already looked up.
///
/// What compiling changes is when, never what: syntax the writer does not write is compiled into a step that throws
/// when it is reached, as writing the syntax threw there.
struct LeafProgram {
    /// Syntax LeafKit would accept that the writer does not write: a page using it must be changed, or the writer.
    struct Unsupported: Error, CustomStringConvertible {
        let what: String
        var description: String { "LeafWriter cannot write \(what); write it as the other templates do, or teach LeafWriter (Views/LeafWriter.swift)" }
    }

    fileprivate let steps: [Step]

    init(_ body: [Syntax], tags: [String: any ParameterTag], ignoresUnfoundImports: Bool) {
        var compiler = Compiler(tags: tags, ignoresUnfoundImports: ignoresUnfoundImports)
        steps = compiler.steps(body)
    }

    /// The page written with `context`.
    func write(_ context: [String: LeafData]) throws -> String {
        var writer = LeafWriter()
        try writer.write(steps, LeafScope(context))
        return writer.text
    }
}

/// One step of a program.
fileprivate indirect enum Step {
    /// Text written as it is.
    case text([UInt8])
    /// `#(…)`: a value escaped.
    case print(Expression)
    /// `#name(…)`: a tag's answer, escaped unless the tag writes HTML.
    case tag(String, any ParameterTag, [Expression], unescaped: Bool)
    /// `#if`/`#elseif`/`#else`: the first branch whose condition holds (`#else`'s always does).
    case branches([(condition: Expression, body: [Step])])
    /// `#for(item in path)`: the body once for each element, the loop one deeper than those around it.
    case loop(Path, [Step])
    /// `#extend("…", value)`: the body with the value's members as its only names.
    case with(Expression, [Step])
    /// What writing this syntax threw.
    case fail(any Error)
}

/// A value as a program reads it.
fileprivate indirect enum Expression {
    case constant(LeafData)
    case path(Path)
    /// `#(this)`: the whole scope as one dictionary, with the names of the loops around it, outermost first.
    case this([(item: String, index: String)])
    case not(Expression)
    case binary(LeafOperator, Expression, Expression)
    case isIn(Expression, Expression)
    /// `a keyword b` with a keyword other than `in`: both read, then nothing.
    case neither(Expression, Expression)
    case call(any ParameterTag, [Expression])
    case fail(any Error)
}

/// `a.b.c`: where its first name is found, then members of nested dictionaries.
fileprivate struct Path {
    enum Root {
        /// A loop's item, index or flag: loop 0 is the outermost.
        case item(Int), index(Int), isFirst(Int), isLast(Int)
        case context(String)
    }

    let root: Root
    let members: [String]
    /// As written, for the error of a loop over something that is not a list.
    let text: String
}

/// Compiles syntax, knowing the loops around each part (innermost last) as a name is read within them.
private struct Compiler {
    let tags: [String: any ParameterTag]
    let ignoresUnfoundImports: Bool
    var loops: [(item: String, index: String)] = []

    mutating func steps(_ body: [Syntax]) -> [Step] {
        var steps: [Step] = []
        steps.reserveCapacity(body.count)
        for syntax in body {
            let step = self.step(syntax)
            // Neighbouring text (a tag-like `#name` written back) joined, to write it in one copy.
            if case .text(let more) = step, case .text(let before)? = steps.last {
                steps[steps.count - 1] = .text(before + more)
            } else {
                steps.append(step)
            }
        }
        return steps
    }

    private mutating func step(_ syntax: Syntax) -> Step {
        switch syntax {
        case .raw(let buffer):
            return .text(Array(buffer.readableBytesView))
        case .expression(let expression):
            // LeafKit ignores a value it cannot print; every value the writer cannot print is an error instead.
            return .print(self.expression(expression))
        case .custom(let declaration):
            guard let tag = tags[declaration.name] else {
                // Text such as `href="#main-content"` reads as a tag with no parameters; LeafKit writes it back as it was.
                guard declaration.params.isEmpty, (declaration.body ?? []).isEmpty else { return .fail(LeafProgram.Unsupported(what: "the tag #\(declaration.name)")) }
                return .text(Array("#\(declaration.name)".utf8))
            }
            return .tag(declaration.name, tag, declaration.params.map { parameter($0) }, unescaped: tag is any UnsafeUnescapedLeafTag)
        case .conditional(let conditional):
            var branches: [(condition: Expression, body: [Step])] = []
            for block in conditional.chain {
                switch block.condition {
                case .if(let parameters), .elseif(let parameters): branches.append((atomic(parameters), steps(block.body)))
                case .else: branches.append((.constant(.bool(true)), steps(block.body)))
                }
            }
            return .branches(branches)
        case .loop(let loop):
            let array = path(loop.array)
            loops.append((loop.item, loop.index))
            defer { loops.removeLast() }
            return .loop(array, steps(loop.body))
        case .with(let with):
            let value = expression(with.context)
            // Inside, only the value's members are names: no loop around it is seen.
            let outer = loops
            loops = []
            defer { loops = outer }
            return .with(value, steps(with.body))
        case .import:
            // What was exported has been put in its place already; what is left was not exported.
            return ignoresUnfoundImports ? .text([]) : .fail(LeafError(.unknownError("\(syntax) should have been resolved BEFORE serialization")))
        case .extend, .export:
            return .fail(LeafError(.unknownError("\(syntax) should have been resolved BEFORE serialization")))
        }
    }

    // MARK: Expressions, as LeafKit's ParameterResolver resolves them

    private func atomic(_ parameters: [ParameterDeclaration]) -> Expression {
        guard parameters.count == 1 else {
            return .fail(LeafError(.unknownError(parameters.isEmpty ? "Parameter statement can't be empty" : "Parameter statement must hold a single value")))
        }
        return parameter(parameters[0])
    }

    private func parameter(_ declaration: ParameterDeclaration) -> Expression {
        switch declaration {
        case .expression(let expression):
            return self.expression(expression)
        case .parameter(let value):
            return parameter(value)
        case .tag(let declaration):
            guard let tag = tags[declaration.name] else { return .fail(LeafProgram.Unsupported(what: "the function \(declaration.name)(…)")) }
            return .call(tag, declaration.params.map { parameter($0) })
        }
    }

    private func parameter(_ parameter: Parameter) -> Expression {
        switch parameter {
        case .constant(.int(let value)): return .constant(.int(value))
        case .constant(.double(let value)): return .constant(.double(value))
        case .stringLiteral(let text): return .constant(.string(text))
        case .variable(let name): return .path(path(name))
        case .keyword(.this): return .this(loops)
        case .keyword(.nil): return .constant(.trueNil)
        case .keyword(.true), .keyword(.yes): return .constant(.bool(true))
        case .keyword(.false), .keyword(.no): return .constant(.bool(false))
        case .keyword, .tag, .operator: return .fail(LeafProgram.Unsupported(what: "the parameter \(parameter)"))
        }
    }

    private func expression(_ expression: [ParameterDeclaration]) -> Expression {
        switch expression.count {
        case 1:
            return parameter(expression[0])
        case 2:
            guard case .parameter(.operator(let op)) = expression[0] else { return .fail(LeafProgram.Unsupported(what: "the expression \(expression)")) }
            guard op == .not else {
                // Read first, as writing the syntax read it before looking at the operator.
                return .neither(parameter(expression[1]), .fail(LeafProgram.Unsupported(what: "the operator \(op) before a value")))
            }
            return .not(parameter(expression[1]))
        case 3:
            let lhs = parameter(expression[0]), rhs = parameter(expression[2])
            switch expression[1] {
            case .parameter(.operator(let op)): return .binary(op, lhs, rhs)
            case .parameter(.keyword(.in)): return .isIn(lhs, rhs)
            case .parameter(.keyword): return .neither(lhs, rhs)
            default: return .neither(.neither(lhs, rhs), .fail(LeafProgram.Unsupported(what: "the expression \(expression)")))
            }
        default:
            return .fail(LeafProgram.Unsupported(what: "the expression \(expression)"))
        }
    }

    /// `a.b.c` as LeafKit's `keyPath` subscript reads it: the first name among the loops around it, innermost first
    /// (each sets `isFirst`, `isLast`, its index and its item in that order, so the item wins a tie), else the
    /// context's; the rest members of nested dictionaries.
    private func path(_ text: String) -> Path {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let first = parts[0]
        var root = Path.Root.context(first)
        for level in loops.indices.reversed() {
            if first == loops[level].item { root = .item(level); break }
            if first == loops[level].index { root = .index(level); break }
            if first == "isLast" { root = .isLast(level); break }
            if first == "isFirst" { root = .isFirst(level); break }
        }
        return Path(root: root, members: Array(parts.dropFirst()), text: text)
    }
}

/// The names a program reads: the loops around the step being written (their element and position), then the context.
private struct LeafScope {
    struct Loop {
        var value: LeafData
        var position: Int
        let count: Int
    }

    let context: [String: LeafData]
    var loops: [Loop] = []

    init(_ context: [String: LeafData]) { self.context = context }
}

/// Writes a program's steps into bytes, made text once at the end.
private struct LeafWriter {
    private var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(32 * 1024) }

    var text: String { String(decoding: bytes, as: UTF8.self) }

    mutating func write(_ steps: [Step], _ scope: LeafScope) throws {
        for step in steps { try write(step, scope) }
    }

    private mutating func write(_ step: Step, _ scope: LeafScope) throws {
        switch step {
        case .text(let text):
            bytes.append(contentsOf: text)
        case .print(let expression):
            try writeEscaped(try Self.value(expression, scope))
        case .tag(let name, let tag, let parameters, let unescaped):
            let value = try tag.render(try parameters.map { try Self.value($0, scope) })
            if unescaped {
                guard value.celf == .string, let string = value.string else { throw LeafProgram.Unsupported(what: "#\(name)'s \(value.celf) answer") }
                bytes.append(contentsOf: string.utf8)
            } else {
                try writeEscaped(value)
            }
        case .branches(let branches):
            for branch in branches {
                // LeafKit's test, `(value.bool ?? false) || (!value.isNil && value.celf != .bool)`, without asking a
                // value that is not a flag for `bool` (which builds LeafKit's whole table of conversions each time).
                let value = try Self.value(branch.condition, scope)
                let holds = value.celf == .bool ? (value.bool ?? false) : !value.isNil
                guard holds else { continue }
                try write(branch.body, scope)
                break
            }
        case .loop(let path, let body):
            guard let array = Self.value(path, scope)?.array else {
                throw LeafError(.unknownError("expected array at key: \(path.text)"))
            }
            var inner = scope
            inner.loops.append(LeafScope.Loop(value: .trueNil, position: 0, count: array.count))
            let innermost = inner.loops.count - 1
            for (position, item) in array.enumerated() {
                inner.loops[innermost].value = item
                inner.loops[innermost].position = position
                try write(body, inner)
            }
        case .with(let expression, let body):
            guard let inner = try Self.value(expression, scope).dictionary else {
                throw LeafError(.unknownError("expressions should resolve to a single dictionary value"))
            }
            try write(body, LeafScope(inner))
        case .fail(let error):
            throw error
        }
    }

    /// A value as `#(…)` prints it: text escaped for HTML, numbers and flags as LeafKit writes them, nothing for nil.
    private mutating func writeEscaped(_ value: LeafData) throws {
        if value.isNil { return }
        switch value.celf {
        case .string:
            LeafEscaping.append(value.string ?? "", to: &bytes)
        case .int:
            bytes.append(contentsOf: String(value.int ?? 0).utf8)
        case .bool:
            bytes.append(contentsOf: ((value.bool ?? false) ? "true" : "false").utf8)
        default:
            throw LeafProgram.Unsupported(what: "a \(value.celf) value printed with #(…)")
        }
    }

    // MARK: Values

    private static func value(_ path: Path, _ scope: LeafScope) -> LeafData? {
        var value: LeafData
        switch path.root {
        case .item(let level): value = scope.loops[level].value
        case .index(let level): value = .int(scope.loops[level].position)
        case .isFirst(let level): value = .bool(scope.loops[level].position == 0)
        case .isLast(let level): value = .bool(scope.loops[level].position == scope.loops[level].count - 1)
        case .context(let name):
            guard let found = scope.context[name] else { return nil }
            value = found
        }
        for member in path.members {
            guard let next = value.dictionary?[member] else { return nil }
            value = next
        }
        return value
    }

    private static func value(_ expression: Expression, _ scope: LeafScope) throws -> LeafData {
        switch expression {
        case .constant(let value):
            return value
        case .path(let path):
            return value(path, scope) ?? .trueNil
        case .this(let names):
            var all = scope.context
            for (level, loop) in scope.loops.enumerated() {
                all["isFirst"] = .bool(loop.position == 0)
                all["isLast"] = .bool(loop.position == loop.count - 1)
                all[names[level].index] = .int(loop.position)
                all[names[level].item] = loop.value
            }
            return .dictionary(all)
        case .not(let operand):
            return .bool(!truth(try value(operand, scope)))
        case .binary(let op, let lhs, let rhs):
            return try apply(op, try value(lhs, scope), try value(rhs, scope))
        case .isIn(let lhs, let rhs):
            let element = try value(lhs, scope)
            return .bool((try value(rhs, scope).array ?? []).contains { equal($0, element) })
        case .neither(let lhs, let rhs):
            _ = try value(lhs, scope)
            _ = try value(rhs, scope)
            return .trueNil
        case .call(let tag, let parameters):
            return try tag.render(try parameters.map { try value($0, scope) })
        case .fail(let error):
            throw error
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
            throw LeafProgram.Unsupported(what: "the operator \(op)")
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
