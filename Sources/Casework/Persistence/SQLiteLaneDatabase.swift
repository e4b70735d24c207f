import FluentKit
import FluentSQL
import Foundation
import NIOCore
import SQLKit
import SQLiteKit

/// The write lane's SQLite connection (`SQLiteLaneWriter`) as a Fluent database, for batches whose jobs write: their
/// Fluent queries and the lane's own statements run on one connection, in place on the lane's thread, inside the
/// batch's transaction. Through Fluent's pool each statement of a job was a hop to SQLiteNIO's thread pool and back,
/// and on a loaded server the lane, which every audited change waits for, spent most of a batch waiting for those
/// hops (bench/chain.sh).
///
/// Queries are converted as FluentSQLiteDriver converts them (the same SQL); rows are read back as point rows, which
/// decode as SQLiteKit's rows do.
struct SQLiteLaneDatabase: Database, SQLDatabase {
    let writer: SQLiteLaneWriter
    let context: DatabaseContext

    /// On the lane's thread, which runs every job of a batch and every statement of it.
    init(writer: SQLiteLaneWriter, like database: any Database) {
        self.writer = writer
        let base = database.context
        context = DatabaseContext(configuration: base.configuration, logger: base.logger, eventLoop: writer.eventLoop,
                                  history: nil, pageSizeLimit: base.pageSizeLimit)
    }

    /// Inside the batch's transaction, always: a job never begins one of its own.
    var inTransaction: Bool { true }

    // MARK: Database

    func execute(query: DatabaseQuery, onOutput: @escaping @Sendable (any DatabaseOutput) -> ()) -> EventLoopFuture<Void> {
        writer.execute(sql: Self.sql(for: query)) { onOutput(LaneRowOutput(row: $0, schema: nil)) }
    }

    func execute(schema: DatabaseSchema) -> EventLoopFuture<Void> {
        eventLoop.makeFailedFuture(SQLiteConnectionError(message: "schema changes are made by migrations, not in the write lane"))
    }

    func execute(enum: DatabaseEnum) -> EventLoopFuture<Void> {
        eventLoop.makeSucceededFuture(())
    }

    func transaction<T>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        closure(self)
    }

    func withConnection<T>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        closure(self)
    }

    /// The query as FluentSQLiteDriver writes it: a create returns the id it made.
    private static func sql(for query: DatabaseQuery) -> any SQLExpression {
        let converted = SQLQueryConverter(delegate: LaneConverterDelegate()).convert(query)
        guard case .create = query.action, query.customIDKey != .some(.string("")) else { return converted }
        return SQLList([converted, SQLReturning(.init((query.customIDKey ?? .id).description))], separator: SQLRaw(" "))
    }

    // MARK: SQLDatabase

    var logger: Logger { context.logger }
    var eventLoop: any EventLoop { context.eventLoop }
    var dialect: any SQLDialect { writer.dialect }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
        writer.execute(sql: query, onRow)
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        try await writer.execute(sql: query, onRow)
    }
}

/// SQLite's column types for Fluent's, as FluentSQLiteDriver's (internal) delegate names them.
private struct LaneConverterDelegate: SQLConverterDelegate {
    func customDataType(_ dataType: DatabaseSchema.DataType) -> (any SQLExpression)? {
        switch dataType {
        case .string, .enum: SQLRaw("TEXT")
        case .datetime: SQLRaw("REAL")
        case .int64: SQLRaw("INTEGER")
        default: nil
        }
    }
}

/// A row as Fluent reads a model from it, with the schema prefix Fluent's joined selects use (as FluentSQLiteDriver's
/// internal output does).
private struct LaneRowOutput: DatabaseOutput {
    let row: any SQLRow
    let schema: String?

    var description: String { String(describing: row) }

    private func column(_ key: FieldKey) -> String {
        (schema.map { .prefix(.prefix(.string($0), "_"), key) } ?? key).description
    }

    func schema(_ schema: String) -> any DatabaseOutput { LaneRowOutput(row: row, schema: schema) }
    func contains(_ key: FieldKey) -> Bool { row.contains(column: column(key)) }
    func decodeNil(_ key: FieldKey) throws -> Bool { try row.decodeNil(column: column(key)) }
    func decode<T: Decodable>(_ key: FieldKey, as type: T.Type) throws -> T { try row.decode(column: column(key), as: T.self) }
}
