import Fluent
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import PostgresKit
import SQLKit

/// Point reads on PostgreSQL as statements prepared once on each connection, then only bound and run.
///
/// PostgresKit sends every query as an unnamed statement, which PostgreSQL parses and plans at every execution. For
/// the reads every request makes that planning is most of the server's work: pgbench on the demo organisation ran the
/// session read (three tables on their keys) 10,069 times a second unprepared and 48,669 times prepared. A prepared
/// statement also skips sending the SQL and reading its row description each time.
///
/// A statement is prepared on the connection the pool lends, the first time that connection runs that SQL, and kept
/// for as long as the connection lives (`PostgreSQL` forgets it when the connection closes). Outside a transaction
/// it is also planned once: the read connections keep the plan for any values (`PostgresReadConnections.planCacheMode`),
/// so a read whose best plan depends on what is bound is not prepared. Inside a transaction (the write lane's reads,
/// on Fluent's connections) PostgreSQL plans the first five runs for their values and then keeps the generic plan
/// only when it is estimated no dearer.
final class PostgresStatements: @unchecked Sendable {
    /// One cache for the process: statements belong to connections, and every connection is its own key.
    static let shared = PostgresStatements()

    /// How many statements a connection keeps. Reads with a list of values make a statement per length of the list;
    /// past this the connection's statements are deallocated and prepared again as they are asked for.
    static let perConnection = 256

    private let lock = NIOLock()
    private var byConnection: [ObjectIdentifier: Prepared] = [:]

    /// A connection's statements. The connection is held so that its identity is not reused while its entry lives;
    /// entries of closed connections are dropped when another connection is first seen.
    private final class Prepared {
        let connection: PostgresConnection
        var statements: [String: PreparedQuery] = [:]
        init(connection: PostgresConnection) { self.connection = connection }
    }

    /// The rows of `query`, run as a prepared statement; nil when a value bound is not one PostgresNIO encodes
    /// directly, and the caller must run it as any query runs.
    func rows(_ query: SQLQueryString, on database: any Database) async throws -> [any SQLRow]? {
        let sqlDatabase = database as! any SQLDatabase
        var serializer = SQLSerializer(database: sqlDatabase)
        query.serialize(to: &serializer)
        guard let binds = Self.postgresData(serializer.binds) else { return nil }
        let sql = serializer.sql
        if let level = sqlDatabase.queryLogLevel {
            // As PostgresKit logs every query (HotQueryPlanTests reads the statements from this line).
            sqlDatabase.logger.log(level: level, "Executing query", metadata: [
                "sql": .string(sql), "binds": .array(binds.map { .string("\($0)") }), "prepared": "true",
            ])
        }
        do {
            return try await run(sql, binds, on: database as! any PostgresDatabase)
        } catch let error as PostgresError where Self.outdated(error) {
            // The statement went out of date under us (the schema changed its columns, or the server forgot it):
            // it is dropped from the cache above, and this read runs unprepared; the next one prepares it again.
            return try await sqlDatabase.raw(query).all()
        }
    }

    private func run(_ sql: String, _ binds: [PostgresData], on database: any PostgresDatabase) async throws -> [any SQLRow] {
        let work = { (connection: PostgresConnection) -> EventLoopFuture<[PostgresRow]> in
            let (statement, stale) = self.statement(sql, on: connection)
            let ready: EventLoopFuture<PreparedQuery>
            if let statement {
                ready = connection.eventLoop.makeSucceededFuture(statement)
            } else {
                ready = Self.deallocate(stale, on: connection).flatMap {
                    connection.prepare(query: sql).map { prepared in
                        self.keep(prepared, sql: sql, on: connection)
                        return prepared
                    }
                }
            }
            return ready.flatMap { statement in
                statement.execute(binds).flatMapErrorThrowing { error in
                    if let error = error as? PostgresError, Self.outdated(error) { self.forget(sql, on: connection) }
                    throw error
                }
            }
        }
        let rows: [PostgresRow]
        if let reads = (database as? any Database)?.postgresReads {
            rows = try await reads.withConnection(on: database.eventLoop, logger: database.logger, work)
        } else {
            rows = try await database.withConnection(work).get()
        }
        return PreparedRow.rows(rows)
    }

    /// The statement prepared for `sql` on this connection, if any; when there is none and the connection already
    /// holds as many as it keeps, those are handed back to be deallocated first.
    private func statement(_ sql: String, on connection: PostgresConnection) -> (PreparedQuery?, [PreparedQuery]) {
        lock.withLock {
            guard let prepared = byConnection[ObjectIdentifier(connection)] else { return (nil, []) }
            if let statement = prepared.statements[sql] { return (statement, []) }
            guard prepared.statements.count >= Self.perConnection else { return (nil, []) }
            defer { prepared.statements = [:] }
            return (nil, Array(prepared.statements.values))
        }
    }

    private func keep(_ statement: PreparedQuery, sql: String, on connection: PostgresConnection) {
        lock.withLock {
            let key = ObjectIdentifier(connection)
            if byConnection[key] == nil {
                byConnection = byConnection.filter { !$0.value.connection.isClosed }
                byConnection[key] = Prepared(connection: connection)
            }
            byConnection[key]!.statements[sql] = statement
        }
    }

    private func forget(_ sql: String, on connection: PostgresConnection) {
        lock.withLock { _ = byConnection[ObjectIdentifier(connection)]?.statements.removeValue(forKey: sql) }
    }

    private static func deallocate(_ statements: [PreparedQuery], on connection: PostgresConnection) -> EventLoopFuture<Void> {
        guard !statements.isEmpty else { return connection.eventLoop.makeSucceededVoidFuture() }
        return EventLoopFuture.andAllSucceed(statements.map { $0.deallocate() }, on: connection.eventLoop)
    }

    /// A prepared statement the server no longer has, or whose columns a schema change altered.
    private static func outdated(_ error: PostgresError) -> Bool {
        error.code == .invalidSqlStatementName || error.code == .featureNotSupported
    }

    /// The values bound, encoded as PostgresKit encodes them for any query (its fast path: NULL, or a type PostgresNIO
    /// encodes itself); nil when one would need PostgresKit's slower `Encodable` path.
    fileprivate static func postgresData(_ binds: [any Encodable]) -> [PostgresData]? {
        var encoded: [PostgresData] = []
        encoded.reserveCapacity(binds.count)
        for bind in binds {
            // `bind(x)` with `x: String?` binds the optional itself.
            let value: Any? = (bind as Any as? any OptionalValue).map(\.wrapped) ?? bind
            guard let value else {
                encoded.append(.null)
                continue
            }
            if let typed = encodedByType(value) {
                encoded.append(typed)
                continue
            }
            guard let value = value as? any PostgresThrowingDynamicTypeEncodable else { return nil }
            var buffer = ByteBuffer()
            guard (try? value.encode(into: &buffer, context: .default)) != nil else { return nil }
            encoded.append(PostgresData(type: value.psqlType, formatCode: value.psqlFormat, value: buffer))
        }
        return encoded
    }
}

extension PostgresStatements {
    /// The rows of `query` run once, unprepared, as PostgresKit runs any query, but read through `PreparedRow`'s
    /// decoding by type: PostgresKit's own rows decode every cell through its `Decodable` translation, which asks the
    /// runtime for generic metadata and conformances each time (reading a batch's thousand SRs that way was 8% of the
    /// server's time when ten thousand grants ended together). For reads of many rows by a list of keys, whose length
    /// differs each time (a statement prepared for each length would only churn the cache). Nil when a value bound is
    /// not one PostgresNIO encodes directly, and the caller must run it as any query runs.
    static func rowsOnce(_ query: SQLQueryString, on database: any PostgresDatabase & SQLDatabase) async throws -> [any SQLRow]? {
        var serializer = SQLSerializer(database: database)
        query.serialize(to: &serializer)
        guard let binds = postgresData(serializer.binds) else { return nil }
        let sql = serializer.sql
        if let level = database.queryLogLevel {
            database.logger.log(level: level, "Executing query", metadata: ["sql": .string(sql), "binds": .array(binds.map { .string("\($0)") })])
        }
        var bindings = PostgresBindings(capacity: binds.count)
        for bind in binds { bindings.append(bind) }
        let query = PostgresQuery(unsafeSQL: sql, binds: bindings)
        let logger = database.logger
        let rows = try await database.withConnection { connection in
            connection.query(query, logger: logger).map(\.rows)
        }.get()
        return PreparedRow.rows(rows)
    }

    /// The kinds bound by the thousand, encoded by their type without asking the runtime for a conformance.
    private static func encodedByType(_ value: Any) -> PostgresData? {
        let kind = type(of: value)
        if kind == UUID.self { return data(value as! UUID) }
        if kind == String.self { return data(value as! String) }
        if kind == Date.self { return data(value as! Date) }
        if kind == Int.self { return data(value as! Int) }
        return nil
    }

    private static func data<Value: PostgresNonThrowingEncodable>(_ value: Value) -> PostgresData {
        var buffer = ByteBuffer()
        value.encode(into: &buffer, context: .default)
        return PostgresData(type: Value.psqlType, formatCode: Value.psqlFormat, value: buffer)
    }
}

extension SQLDatabase {
    /// The rows of `query`: on PostgreSQL read by type (`PostgresStatements.rowsOnce`), elsewhere as any query.
    func rowsReadByType(_ query: SQLQueryString) async throws -> [any SQLRow] {
        if let postgres = self as? any PostgresDatabase & SQLDatabase, let rows = try await PostgresStatements.rowsOnce(query, on: postgres) {
            return rows
        }
        return try await raw(query).all()
    }
}


/// A row of a prepared statement, read through SQLKit's `SQLRow` as PostgresKit's rows are, for the types Casework
/// reads (text, ids, instants, numbers, flags, each perhaps NULL).
///
/// Why not PostgresKit's own row: PostgresNIO asks for every result in binary, but the rows of a statement prepared
/// by `prepare(query:)` carry the description PostgreSQL gave at preparation, which says text, so PostgresKit would
/// read binary values as text. Here a cell is read as the binary it is.
struct PreparedRow: SQLRow {
    let row: PostgresRandomAccessRow
    let columns: ColumnNames

    /// A statement's rows, their columns named once for all of them.
    static func rows(_ rows: [PostgresRow]) -> [any SQLRow] {
        guard let first = rows.first else { return [] }
        let columns = ColumnNames(first.map(\.columnName), sameName: .lastWins)
        return rows.map { PreparedRow(row: $0.makeRandomAccess(), columns: columns) }
    }

    var allColumns: [String] { columns.names }
    func contains(column: String) -> Bool { columns.position(of: column) != nil }
    func decodeNil(column: String) throws -> Bool { columns.position(of: column).map { row[$0].bytes == nil } ?? true }

    func decode<D: Decodable>(column: String, as type: D.Type) throws -> D {
        guard let position = columns.position(of: column) else {
            throw DecodingError.keyNotFound(ColumnKey(column), .init(codingPath: [], debugDescription: "no column \(column)"))
        }
        var cell = row[position]
        cell.format = .binary
        // As PostgresKit does: a `numeric` (what `EXTRACT` gives) is read as a `Double` through its exact value.
        if cell.dataType == .numeric, D.self == Double.self || D.self == Double?.self {
            let exact = try cell.decode(Decimal?.self)
            if exact == nil, D.self == Double?.self { return Double?.none as! D }
            guard let exact else { throw DecodingError.valueNotFound(D.self, .init(codingPath: [ColumnKey(column)], debugDescription: "\(column) is NULL")) }
            return NSDecimalNumber(decimal: exact).doubleValue as! D
        }
        // The shapes the readers ask for nearly every time, decoded by PostgresNIO as the concrete type. Through the
        // existential below, each cell cost a conformance lookup, an unspecialised decode and a cast back to `D`: 29%
        // of the team hopper API's time on PostgreSQL (bench/scale.sh with PROFILE=1). The same decoder answers
        // either way, so what it accepts and the errors it gives are unchanged.
        switch ObjectIdentifier(D.self) {
        case Asked.string: return unsafeBitCast(try cell.decode(String.self), to: D.self)
        case Asked.optionalString: return unsafeBitCast(try cell.decode(String?.self), to: D.self)
        case Asked.uuid: return unsafeBitCast(try cell.decode(UUID.self), to: D.self)
        case Asked.optionalUUID: return unsafeBitCast(try cell.decode(UUID?.self), to: D.self)
        case Asked.int: return unsafeBitCast(try cell.decode(Int.self), to: D.self)
        case Asked.optionalInt: return unsafeBitCast(try cell.decode(Int?.self), to: D.self)
        case Asked.date: return unsafeBitCast(try cell.decode(Date.self), to: D.self)
        case Asked.optionalDate: return unsafeBitCast(try cell.decode(Date?.self), to: D.self)
        case Asked.bool: return unsafeBitCast(try cell.decode(Bool.self), to: D.self)
        default: break
        }
        guard let decodable = D.self as? any PostgresDecodable.Type else {
            // A value stored as one of those (an enum by its raw value, as Fluent stores it) reads itself from it.
            return try D(from: CellDecoder(cell: cell, column: column))
        }
        return try Self.decode(cell, as: decodable) as! D
    }

    /// One cell as a `Decoder` with a single value, for a type that decodes itself from text, a number or a flag.
    private struct CellDecoder: Decoder, SingleValueDecodingContainer {
        let cell: PostgresCell
        let column: String
        var codingPath: [any CodingKey] { [ColumnKey(column)] }
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func singleValueContainer() throws -> any SingleValueDecodingContainer { self }
        func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> { throw unsupported("an object") }
        func unkeyedContainer() throws -> any UnkeyedDecodingContainer { throw unsupported("a list") }

        func decodeNil() -> Bool { cell.bytes == nil }
        func decode(_ type: Bool.Type) throws -> Bool { try value(type) }
        func decode(_ type: String.Type) throws -> String { try value(type) }
        func decode(_ type: Double.Type) throws -> Double { try value(type) }
        func decode(_ type: Float.Type) throws -> Float { try value(type) }
        func decode(_ type: Int.Type) throws -> Int { try value(type) }
        func decode(_ type: Int8.Type) throws -> Int8 { try value(type) }
        func decode(_ type: Int16.Type) throws -> Int16 { try value(type) }
        func decode(_ type: Int32.Type) throws -> Int32 { try value(type) }
        func decode(_ type: Int64.Type) throws -> Int64 { try value(type) }
        func decode(_ type: UInt.Type) throws -> UInt { try value(type) }
        func decode(_ type: UInt8.Type) throws -> UInt8 { try value(type) }
        func decode(_ type: UInt16.Type) throws -> UInt16 { try value(type) }
        func decode(_ type: UInt32.Type) throws -> UInt32 { try value(type) }
        func decode(_ type: UInt64.Type) throws -> UInt64 { try value(type) }
        func decode<T: Decodable>(_ type: T.Type) throws -> T { try value(type) }

        private func value<T: Decodable>(_ type: T.Type) throws -> T {
            guard let decodable = T.self as? any PostgresDecodable.Type else {
                throw DecodingError.typeMismatch(T.self, .init(
                    codingPath: codingPath, debugDescription: "a prepared read decodes the types PostgresNIO reads itself, and values stored as one of them, not \(T.self)"))
            }
            return try PreparedRow.decode(cell, as: decodable) as! T
        }

        private func unsupported(_ what: String) -> DecodingError {
            DecodingError.typeMismatch(Any.self, .init(codingPath: codingPath, debugDescription: "\(column) holds one value, not \(what)"))
        }
    }

    private static func decode<T: PostgresDecodable>(_ cell: PostgresCell, as type: T.Type) throws -> T {
        try cell.decode(T.self)
    }
}
