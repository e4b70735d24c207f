import Foundation
import NIOConcurrencyHelpers
import PostgresKit
import SQLKit

/// Rows of one table written in multi-row inserts, `perStatement` rows a statement. The write lane inserts its
/// notifications, emails, history rows and audit events this way, by the thousand when grants end together.
///
/// On PostgreSQL the rows go as one array a column, `INSERT ... SELECT * FROM unnest($1::uuid[], $2::text[], ...)`,
/// each value encoded by its own type. Through SQLKit, a statement of 500 rows had a bind for every value (4,000 to
/// 6,000), which PostgreSQL parsed and bound one by one (a fifth of the time it spent on these inserts), and
/// PostgresKit asked the runtime whether each conformed to PostgresNIO's encodable protocols (an enum, which conforms
/// to none, went through the `Encodable` machinery as well): with SQLKit's serialising, about a fifth of the server's
/// samples when ten thousand grants ended together (`bench/scale.sh --postgres`, PROFILE=1). The values are encoded as
/// PostgresKit encodes the same types, so the stored row is the same (`LaneInsertTests`).
///
/// On the write lane's SQLite connection the statement's text is written here, one `?` a value, and the values bound
/// by type (`SQLiteHandle.sqliteData`, an absent one as NULL). Through SQLKit each insert was an expression tree
/// serialised afresh, every column's name quoted again: in CSUA150 chains, SQLKit's serialising was 6% of the
/// server's samples, most of it the lane's inserts (bench/chain.sh, PROFILE=1). The text depends only on the table,
/// its columns and how many rows, so the connection's prepared statement for it is found again.
struct MultiRowInsert {
    let table: String
    let columns: [String]

    /// Inserts `rows` (each one value a column, in `columns`' order), `perStatement` rows to an insert.
    func run(_ rows: [[any Encodable & Sendable]], perStatement: Int = 500, on sql: any SQLDatabase) async throws {
        let laneWriter = (sql as? SQLiteLaneWriter) ?? (sql as? SQLiteLaneDatabase)?.writer
        for chunk in rows.chunked(into: max(1, perStatement)) {
            if let laneWriter {
                try laneWriter.run(sqliteText(rows: chunk.count), try chunk.flatMap { row in
                    try row.map { Self.isAbsent($0) ? .null : try SQLiteHandle.sqliteData($0) }
                })
                continue
            }
            if let postgres = sql as? any PostgresDatabase,
               try await runOnPostgres(chunk, postgres, logger: sql.logger, logLevel: sql.queryLogLevel) {
                continue
            }
            var insert = sql.insert(into: table).columns(columns)
            for row in chunk { insert = insert.values(row.map(Self.expression)) }
            try await insert.run()
        }
    }

    /// Runs the insert by PostgresNIO; false, running nothing, when a column holds a kind of value `PostgresArray`
    /// does not encode (the caller inserts through SQLKit instead).
    private func runOnPostgres(_ rows: ArraySlice<[any Encodable & Sendable]>, _ database: any PostgresDatabase,
                               logger: Logger, logLevel: Logger.Level?) async throws -> Bool {
        var arrays = [PostgresArray](repeating: PostgresArray(), count: columns.count)
        for row in rows {
            for (position, value) in row.enumerated() {
                guard arrays[position].append(value) else { return false }
            }
        }
        // A column every row leaves absent has no kind: it is NULL in the select list, which PostgreSQL types as the
        // column it goes into.
        var bindings = PostgresBindings(capacity: columns.count)
        var selected: [String] = []
        var unnested: [String] = []
        for array in arrays {
            guard let (data, sqlType) = array.data() else {
                selected.append("NULL")
                continue
            }
            bindings.append(data)
            unnested.append("$\(bindings.count)::\(sqlType)[]")
            selected.append("u.c\(unnested.count)")
        }
        let from = unnested.isEmpty
            ? "generate_series(1, \(rows.count))"
            : "unnest(\(unnested.joined(separator: ", "))) AS u(\((1...unnested.count).map { "c\($0)" }.joined(separator: ", ")))"
        let text = "INSERT INTO \(Self.quoted(table)) (\(columns.map(Self.quoted).joined(separator: ", "))) SELECT \(selected.joined(separator: ", ")) FROM \(from)"
        if let logLevel {
            // As PostgresKit logs every query.
            logger.log(level: logLevel, "Executing query", metadata: ["sql": .string(text), "binds": .string("\(rows.count) rows")])
        }
        let query = PostgresQuery(unsafeSQL: text, binds: bindings)
        _ = try await database.withConnection { connection in
            connection.query(query, logger: logger).map { _ in () }
        }.get()
        return true
    }

    /// `INSERT INTO "table" ("a", "b") VALUES (?, ?), (?, ?)` for `rows` rows. Kept once written for inserts of up
    /// to `keptUpTo` rows (a batch's audit events, history rows and notifications); written afresh it was 2% of the
    /// server's samples in CSUA150 chains.
    private func sqliteText(rows: Int) -> String {
        let key = TextKey(table: table, columns: columns, rows: rows)
        if rows <= Self.keptUpTo, let kept = Self.keptTexts.withLockedValue({ $0[key] }) { return kept }
        let row = "(" + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
        let text = "INSERT INTO \(Self.quoted(table)) (\(columns.map(Self.quoted).joined(separator: ", "))) VALUES "
            + Array(repeating: row, count: rows).joined(separator: ", ")
        if rows <= Self.keptUpTo { Self.keptTexts.withLockedValue { $0[key] = text } }
        return text
    }

    private struct TextKey: Hashable {
        let table: String
        let columns: [String]
        let rows: Int
    }

    /// A few dozen tables and column lists at most, each up to this many rows: well under a megabyte of text.
    private static let keptUpTo = 64
    private static let keptTexts = NIOLockedValueBox<[TextKey: String]>([:])

    private static func quoted(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A value as SQLKit writes it (SQLite, or a kind left to PostgresKit): a bind, or a NULL literal for an absent
    /// one. PostgreSQL types a bound nil as text, which a uuid or timestamptz column of a multi-row insert refuses.
    private static func expression(_ value: any Encodable & Sendable) -> any SQLExpression {
        isAbsent(value) ? SQLLiteral.null : SQLBind(value)
    }

    /// Whether a value, seen through an existential, is an absent optional; the common kinds are told by their type.
    fileprivate static func isAbsent(_ value: any Encodable & Sendable) -> Bool {
        let kind = type(of: value)
        if kind == String.self || kind == UUID.self || kind == Date.self || kind == Int.self || kind == Double.self { return false }
        if kind == String?.self { return (value as! String?) == nil }
        if kind == UUID?.self { return (value as! UUID?) == nil }
        if kind == Date?.self { return (value as! Date?) == nil }
        if kind == Int?.self { return (value as! Int?) == nil }
        return (value as? any OptionalValue)?.isAbsent ?? false
    }
}

/// One column's values as a PostgreSQL array in binary form (what `unnest` takes), each element encoded by PostgresNIO
/// as it encodes a bind of that type. The kinds are those statements bind by the thousand: text, ids, instants, whole
/// and real numbers, flags, each perhaps absent. The type is compared before casting, so no value asks the runtime
/// for a conformance.
struct PostgresArray {
    private enum Kind {
        case text, uuid, timestamptz, int8, float8, bool

        var sqlType: String {
            switch self {
            case .text: "text"
            case .uuid: "uuid"
            case .timestamptz: "timestamptz"
            case .int8: "int8"
            case .float8: "float8"
            case .bool: "bool"
            }
        }

        var types: (element: PostgresDataType, array: PostgresDataType) {
            switch self {
            case .text: (.text, .textArray)
            case .uuid: (.uuid, .uuidArray)
            case .timestamptz: (.timestamptz, .timestamptzArray)
            case .int8: (.int8, .int8Array)
            case .float8: (.float8, .float8Array)
            case .bool: (.bool, .boolArray)
            }
        }
    }

    /// Known from the first present value.
    private var kind: Kind?
    private var count = 0
    /// Absent values before the first present one, written once the kind is known.
    private var leadingNulls = 0
    private var hasNull = false
    /// The elements, each its length (-1 for NULL) and its bytes.
    private var elements = ByteBuffer()

    /// Appends a value; false for a value of another kind than the column's first, or of a kind not encoded here.
    mutating func append(_ value: any Encodable & Sendable) -> Bool {
        let type = type(of: value)
        if type == String.self { return append(Optional(value as! String), .text) }
        if type == UUID.self { return append(Optional(value as! UUID), .uuid) }
        if type == Date.self { return append(Optional(value as! Date), .timestamptz) }
        if type == Int.self { return append(Optional(value as! Int), .int8) }
        if type == Double.self { return append(Optional(value as! Double), .float8) }
        if type == Bool.self { return append(Optional(value as! Bool), .bool) }
        if type == String?.self { return append(value as! String?, .text) }
        if type == UUID?.self { return append(value as! UUID?, .uuid) }
        if type == Date?.self { return append(value as! Date?, .timestamptz) }
        if type == Int?.self { return append(value as! Int?, .int8) }
        if type == Double?.self { return append(value as! Double?, .float8) }
        if MultiRowInsert.isAbsent(value) {
            appendNull()
            return true
        }
        return false
    }

    private mutating func append<Value: PostgresNonThrowingEncodable>(_ value: Value?, _ valueKind: Kind) -> Bool {
        guard let value else {
            appendNull()
            return true
        }
        if kind == nil {
            kind = valueKind
            for _ in 0..<leadingNulls { elements.writeInteger(Int32(-1)) }
        } else if kind != valueKind {
            return false
        }
        let lengthAt = elements.writerIndex
        elements.writeInteger(Int32(0))
        let start = elements.writerIndex
        value.encode(into: &elements, context: .default)
        elements.setInteger(Int32(elements.writerIndex - start), at: lengthAt)
        count += 1
        return true
    }

    private mutating func appendNull() {
        count += 1
        hasNull = true
        if kind == nil {
            leadingNulls += 1
        } else {
            elements.writeInteger(Int32(-1))
        }
    }

    /// The array as a bind, with its SQL type; nil when no value was present.
    func data() -> (PostgresData, String)? {
        guard let kind else { return nil }
        var array = ByteBuffer()
        array.reserveCapacity(20 + elements.readableBytes)
        array.writeInteger(Int32(1))  // dimensions
        array.writeInteger(Int32(hasNull ? 1 : 0))
        array.writeInteger(kind.types.element.rawValue)
        array.writeInteger(Int32(count))
        array.writeInteger(Int32(1))  // the first index
        var elements = elements
        array.writeBuffer(&elements)
        return (PostgresData(type: kind.types.array, formatCode: .binary, value: array), kind.sqlType)
    }

}

/// An optional seen through an existential (`any Encodable`), whose wrapped type is not known where it is asked.
protocol OptionalValue {
    var isAbsent: Bool { get }
    /// The value it holds, if any.
    var wrapped: Any? { get }
}

extension Optional: OptionalValue {
    var isAbsent: Bool { self == nil }
    var wrapped: Any? { self.map { $0 as Any } }
}
