import Foundation
import PostgresKit
import SQLKit

/// Rows of one table written in multi-row inserts, 500 rows a statement at most (kept within either database's
/// limit on binds by the caller's choice of `perStatement`). The write lane inserts its notifications, emails,
/// history rows and audit events this way, by the thousand when grants end together.
///
/// On PostgreSQL the statement is written out here and each value bound by its own type, straight into PostgresNIO's
/// bindings. Through SQLKit, PostgresKit asks the runtime whether every bind conforms to PostgresNIO's encodable
/// protocols (and an enum, which does not, went through the `Encodable` machinery as well): a fifth of the server's
/// time when ten thousand grants ended together (`bench/scale.sh --postgres`, PROFILE=1). The values bound are the
/// ones PostgresKit binds for the same types, so the stored row is the same (`LaneInsertTests`). On SQLite the
/// lane's writer already converts binds by type (`SQLiteHandle.sqliteData`), and SQLKit writes the statement.
struct MultiRowInsert {
    let table: String
    let columns: [String]

    /// Inserts `rows` (each one value a column, in `columns`' order), `perStatement` rows to an insert.
    func run(_ rows: [[any Encodable & Sendable]], perStatement: Int = 500, on sql: any SQLDatabase) async throws {
        for chunk in rows.chunked(into: max(1, perStatement)) {
            if let postgres = sql as? any PostgresDatabase,
               try await runOnPostgres(chunk, postgres, logger: sql.logger, logLevel: sql.queryLogLevel) {
                continue
            }
            var insert = sql.insert(into: table).columns(columns)
            for row in chunk { insert = insert.values(row.map(Self.expression)) }
            try await insert.run()
        }
    }

    /// Runs the insert by PostgresNIO; false, running nothing, when a value is of a kind `PostgresBind` leaves to
    /// PostgresKit.
    private func runOnPostgres(_ rows: ArraySlice<[any Encodable & Sendable]>, _ database: any PostgresDatabase,
                               logger: Logger, logLevel: Logger.Level?) async throws -> Bool {
        var text = "INSERT INTO \(Self.quoted(table)) (\(columns.map(Self.quoted).joined(separator: ", "))) VALUES "
        var bindings = PostgresBindings(capacity: rows.count * columns.count)
        for (index, row) in rows.enumerated() {
            text += index == 0 ? "(" : ", ("
            for (position, value) in row.enumerated() {
                if position > 0 { text += ", " }
                // An absent value is written as NULL: a bound nil is typed as text, which a uuid or timestamptz
                // column of a multi-row insert refuses.
                switch try PostgresBind.append(value, to: &bindings) {
                case .bound: text += "$\(bindings.count)"
                case .absent: text += "NULL"
                case .notItsKind: return false
                }
            }
            text += ")"
        }
        if let logLevel {
            // As PostgresKit logs every query.
            logger.log(level: logLevel, "Executing query", metadata: ["sql": .string(text), "binds": .string("\(bindings.count) values")])
        }
        let query = PostgresQuery(unsafeSQL: text, binds: bindings)
        _ = try await database.withConnection { connection in
            connection.query(query, logger: logger).map { _ in () }
        }.get()
        return true
    }

    private static func quoted(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A value as SQLKit writes it (SQLite, or a kind left to PostgresKit): a bind, or a NULL literal for an absent one.
    private static func expression(_ value: any Encodable & Sendable) -> any SQLExpression {
        PostgresBind.isAbsent(value) ? SQLLiteral.null : SQLBind(value)
    }
}

/// Values bound by their own type on PostgreSQL, for the kinds statements bind by the thousand (text, ids, instants,
/// whole and real numbers, flags, each perhaps nil). The type is compared before casting, so no bind asks the runtime
/// for a conformance. An enum is bound by its raw value (`HandWrittenInsert`), as PostgresKit's `Encodable` path
/// binds it.
enum PostgresBind {
    enum Appended { case bound, absent, notItsKind }

    /// Appends `value` to `bindings` as PostgresKit would: `.absent`, appending nothing, for nil; `.notItsKind`,
    /// appending nothing, for a type not told here.
    static func append(_ value: any Encodable & Sendable, to bindings: inout PostgresBindings) throws -> Appended {
        let kind = type(of: value)
        if kind == String.self { bindings.append(value as! String); return .bound }
        if kind == UUID.self { bindings.append(value as! UUID); return .bound }
        if kind == Date.self { bindings.append(value as! Date); return .bound }
        if kind == Int.self { bindings.append(value as! Int); return .bound }
        if kind == Double.self { bindings.append(value as! Double); return .bound }
        if kind == Bool.self { bindings.append(value as! Bool); return .bound }
        if kind == String?.self { return appendSome(value as! String?, to: &bindings) }
        if kind == UUID?.self { return appendSome(value as! UUID?, to: &bindings) }
        if kind == Date?.self { return appendSome(value as! Date?, to: &bindings) }
        if kind == Int?.self { return appendSome(value as! Int?, to: &bindings) }
        if kind == Double?.self { return appendSome(value as! Double?, to: &bindings) }
        return isAbsent(value) ? .absent : .notItsKind
    }

    private static func appendSome<Value: PostgresNonThrowingEncodable>(_ value: Value?, to bindings: inout PostgresBindings) -> Appended {
        guard let value else { return .absent }
        bindings.append(value)
        return .bound
    }

    /// Whether a value, seen through an existential, is an absent optional; the common kinds are told by their type.
    static func isAbsent(_ value: any Encodable & Sendable) -> Bool {
        let kind = type(of: value)
        if kind == String.self || kind == UUID.self || kind == Date.self || kind == Int.self || kind == Double.self { return false }
        if kind == String?.self { return (value as! String?) == nil }
        if kind == UUID?.self { return (value as! UUID?) == nil }
        if kind == Date?.self { return (value as! Date?) == nil }
        if kind == Int?.self { return (value as! Int?) == nil }
        return (value as? any AbsentOrPresent)?.isAbsent ?? false
    }
}

/// Whether an optional value, seen through an existential, is nil.
private protocol AbsentOrPresent {
    var isAbsent: Bool { get }
}

extension Optional: AbsentOrPresent {
    fileprivate var isAbsent: Bool { self == nil }
}
