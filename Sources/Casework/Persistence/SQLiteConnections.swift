import CaseworkSQLiteTuning
import Fluent
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SQLiteKit
import SQLKit
import Logging
import PostgresKit
import VaporCSQLite

/// Reads of a few rows by key that nearly every request makes (the session behind a token, a person, a record by
/// id), on SQLite without a hop to SQLiteNIO's thread pool. SQLiteNIO runs every statement on a pool thread,
/// prepares it afresh and hands each row back to an event loop as its own future: for a read that takes SQLite
/// microseconds, those hops were most of a signed-in request's time (bench/request-cost.sh). These connections
/// run the statement in place, from a cache of prepared statements.
///
/// Only point reads by an index, and pages of a few dozen rows read in index order, belong here: the statement
/// runs on the caller's thread and holds it until it is done, so a read that walks many rows would hold up every
/// request sharing that thread. Never inside the write
/// lane either: a read there must see its own transaction, and these connections see only what is committed
/// (WAL: each statement reads the latest commit, so a request sees every write acknowledged before it began).
///
/// They are connections of the same SQLite library SQLiteNIO links (`VaporCSQLite`), not a second copy: two
/// copies of SQLite in one process would release each other's POSIX file locks.
final class SQLiteReaders: @unchecked Sendable {
    private let path: String
    private let lock = NIOLock()
    /// Idle connections of each kind: point readers, and scanners (`scannedRows`).
    private var idle: [SQLiteHandle.Use: [SQLiteHandle]] = [:]
    private var closed = false

    init(path: String) { self.path = path }

    /// The rows of one query, read on a connection of the pool (opened when none is free).
    func rows(_ sql: String, _ binds: [SQLiteData]) throws -> [any SQLRow] {
        try rows(sql, binds, on: .reading)
    }

    /// The rows of a read that walks far through a table (a CSV's pages), on a connection that reads the file
    /// through SQLite's own small cache rather than a memory map: every page a mapped connection touches counts in
    /// the server's resident memory, and sixteen CSVs of the live grants at once took its peak from 117 to 175 MB.
    func scannedRows(_ sql: String, _ binds: [SQLiteData]) throws -> [any SQLRow] {
        try rows(sql, binds, on: .scanning)
    }

    /// Closes every connection; a read after this fails.
    func close() {
        let readers = lock.withLock { () -> [SQLiteHandle] in
            closed = true
            defer { idle = [:] }
            return idle.values.flatMap { $0 }
        }
        for reader in readers { reader.close() }
    }

    private func rows(_ sql: String, _ binds: [SQLiteData], on use: SQLiteHandle.Use) throws -> [any SQLRow] {
        let reader = try take(use)
        defer { give(reader, as: use) }
        return try reader.rows(sql, binds)
    }

    private func take(_ use: SQLiteHandle.Use) throws -> SQLiteHandle {
        if let reader = try lock.withLock({ () throws -> SQLiteHandle? in
            if closed { throw SQLiteConnectionError(message: "the database is closed: the server is stopping") }
            return idle[use]?.popLast()
        }) { return reader }
        return try SQLiteHandle(path: path, for: use)
    }

    private func give(_ reader: SQLiteHandle, as use: SQLiteHandle.Use) {
        let keep = lock.withLock { () -> Bool in
            guard !closed, idle[use, default: []].count < 16 else { return false }
            idle[use, default: []].append(reader)
            return true
        }
        if !keep { reader.close() }
    }
}

/// One connection of SQLiteNIO's SQLite and its prepared statements, used by one thread at a time: a point reader
/// (the pool hands it out) or the write lane's writer (the lane runs one batch at a time).
final class SQLiteHandle {
    enum Use { case reading, scanning, writing, checkpointing }
    private var handle: OpaquePointer?
    private var statements: [String: Prepared] = [:]

    struct Prepared {
        let statement: OpaquePointer
        var columns: ColumnNames
        /// How often SQLite had re-prepared the statement when `columns` were read: a schema change re-prepares it,
        /// and `SELECT *` may then name other columns.
        var reprepares: Int32
    }

    init(path: String, for use: Use) throws {
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX
        guard sqlite_nio_sqlite3_open_v2(path, &handle, flags, nil) == SQLITE_OK, handle != nil else {
            let message = handle.map { String(cString: sqlite_nio_sqlite3_errmsg($0)) } ?? "out of memory"
            if let handle { sqlite_nio_sqlite3_close(handle) }
            throw SQLiteConnectionError(message: "cannot open \(path) for reading: \(message)")
        }
        // One plan a statement, whatever is bound, so a cached statement is never prepared again (see
        // casework_sqlite_stable_plans). Wait out a checkpoint or another server's batch rather than fail.
        let stable = casework_sqlite_stable_plans(UnsafeMutableRawPointer(handle))
        guard stable == SQLITE_OK else { throw failure(stable) }
        sqlite_nio_sqlite3_busy_timeout(handle, 5_000)
        switch use {
        case .reading:
            // Reads only, whatever a bug asks. Every commit elsewhere empties a connection's page cache (WAL cannot
            // say which pages changed); mapped, the pages read again come from the kernel's cache without a read call.
            try execute("PRAGMA query_only = 1")
            try execute("PRAGMA mmap_size = 268435456")
        case .scanning:
            // Reads only, through SQLite's own page cache (see `SQLiteReaders.scannedRows`).
            try execute("PRAGMA query_only = 1")
        case .writing:
            // As every Fluent connection is set up (configure.swift's tuneSQLite): what is acknowledged is on disk.
            try execute("PRAGMA synchronous = FULL")
            try execute("PRAGMA foreign_keys = ON")
            // The writer is the only connection that commits, so its page cache stays valid from batch to batch. A
            // batch of a thousand ended grants dirties more pages than SQLite's default 2 MB holds, which spilled
            // them into the WAL mid-transaction and read them back; statement journals stay in memory.
            try execute("PRAGMA cache_size = -65536")
            try execute("PRAGMA temp_store = MEMORY")
        case .checkpointing:
            // A connection knows the file is in WAL mode only once it has read it; until then a checkpoint does nothing.
            try execute("PRAGMA schema_version")
        }
    }

    /// Stops this connection's commits from checkpointing the WAL (see `WALCheckpointer`).
    func leaveCheckpointsToOthers() throws {
        try execute("PRAGMA wal_autocheckpoint = 0")
    }

    /// Copies into the database file every WAL page no reader still needs, without waiting for a writer or blocking
    /// one (SQLite's passive checkpoint); returns the WAL's length in pages and how many of them are copied.
    @discardableResult
    func checkpointPassively() throws -> (walPages: Int, copied: Int) {
        var pages: Int32 = 0, copied: Int32 = 0
        let code = sqlite_nio_sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_PASSIVE, &pages, &copied)
        guard code == SQLITE_OK || code == SQLITE_BUSY else { throw failure(code) }
        return (Int(pages), Int(copied))
    }

    func close() {
        for prepared in statements.values { sqlite_nio_sqlite3_finalize(prepared.statement) }
        statements = [:]
        if let handle { sqlite_nio_sqlite3_close(handle) }
        handle = nil
    }

    deinit { close() }

    func rows(_ sql: String, _ binds: [SQLiteData]) throws -> [any SQLRow] {
        var prepared = try prepare(sql)
        let statement = prepared.statement
        // Reset whatever happens, so the statement ends its read and the WAL can be checkpointed past it.
        defer {
            sqlite_nio_sqlite3_reset(statement)
            sqlite_nio_sqlite3_clear_bindings(statement)
        }
        for (index, value) in binds.enumerated() { try bind(value, at: Int32(index + 1), in: statement) }
        var rows: [any SQLRow] = []
        while true {
            let step = sqlite_nio_sqlite3_step(statement)
            if step == SQLITE_DONE { break }
            guard step == SQLITE_ROW else { throw failure(step) }
            if rows.isEmpty, Self.reprepares(statement) != prepared.reprepares {
                prepared = Self.described(statement)
                statements[sql] = prepared
            }
            var values: [SQLiteData] = []
            values.reserveCapacity(prepared.columns.names.count)
            for column in 0..<Int32(prepared.columns.names.count) { values.append(value(at: column, in: statement)) }
            rows.append(PointRow(columns: prepared.columns, values: values))
        }
        return rows
    }

    private func prepare(_ sql: String) throws -> Prepared {
        if let prepared = statements[sql] { return prepared }
        if statements.count >= 64 {
            // Reads with a list of binds make a statement per length; keep the cache small all the same.
            for prepared in statements.values { sqlite_nio_sqlite3_finalize(prepared.statement) }
            statements = [:]
        }
        var statement: OpaquePointer?
        let code = sqlite_nio_sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard code == SQLITE_OK, let statement else { throw failure(code) }
        let prepared = Self.described(statement)
        statements[sql] = prepared
        return prepared
    }

    /// The statement with the names of the columns it returns now.
    private static func described(_ statement: OpaquePointer) -> Prepared {
        let count = sqlite_nio_sqlite3_column_count(statement)
        let names = (0..<count).map { String(cString: sqlite_nio_sqlite3_column_name(statement, $0)) }
        return Prepared(statement: statement, columns: ColumnNames(names, sameName: .firstWins), reprepares: reprepares(statement))
    }

    private static func reprepares(_ statement: OpaquePointer) -> Int32 {
        sqlite_nio_sqlite3_stmt_status(statement, SQLITE_STMTSTATUS_REPREPARE, 0)
    }

    private func execute(_ sql: String) throws {
        let code = sqlite_nio_sqlite3_exec(handle, sql, nil, nil, nil)
        guard code == SQLITE_OK else { throw failure(code) }
    }

    private func bind(_ value: SQLiteData, at index: Int32, in statement: OpaquePointer) throws {
        let code: Int32
        switch value {
        case .integer(let integer): code = sqlite_nio_sqlite3_bind_int64(statement, index, Int64(integer))
        case .float(let double): code = sqlite_nio_sqlite3_bind_double(statement, index, double)
        case .text(let text):
            code = sqlite_nio_sqlite3_bind_text64(statement, index, text, UInt64(text.utf8.count), transient, UInt8(SQLITE_UTF8))
        case .blob(let buffer):
            code = buffer.withUnsafeReadableBytes {
                sqlite_nio_sqlite3_bind_blob64(statement, index, $0.baseAddress, UInt64($0.count), transient)
            }
        case .null: code = sqlite_nio_sqlite3_bind_null(statement, index)
        }
        guard code == SQLITE_OK else { throw failure(code) }
    }

    private func value(at column: Int32, in statement: OpaquePointer) -> SQLiteData {
        switch sqlite_nio_sqlite3_column_type(statement, column) {
        case SQLITE_INTEGER: return .integer(Int(sqlite_nio_sqlite3_column_int64(statement, column)))
        case SQLITE_FLOAT: return .float(sqlite_nio_sqlite3_column_double(statement, column))
        case SQLITE_TEXT:
            guard let text = sqlite_nio_sqlite3_column_text(statement, column) else { return .null }
            return .text(String(cString: text))
        case SQLITE_BLOB:
            let count = Int(sqlite_nio_sqlite3_column_bytes(statement, column))
            var buffer = ByteBufferAllocator().buffer(capacity: count)
            if let bytes = sqlite_nio_sqlite3_column_blob(statement, column) {
                buffer.writeBytes(UnsafeRawBufferPointer(start: bytes, count: count))
            }
            return .blob(buffer)
        default: return .null
        }
    }

    private func failure(_ code: Int32) -> SQLiteConnectionError {
        SQLiteConnectionError(message: "SQLite error \(code): " + (handle.map { String(cString: sqlite_nio_sqlite3_errmsg($0)) } ?? "closed"))
    }

    /// SQLite copies what is bound before the call returns.
    private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}

/// A statement SQLite refused on one of these connections; a 500 that says why.
struct SQLiteConnectionError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// A row a point read returned, read through SQLKit's `SQLRow` as SQLiteKit's rows are (the same decoder), so the
/// code that reads it does not care which path it came by.
struct PointRow: SQLRow {
    let columns: ColumnNames
    let values: [SQLiteData]

    var allColumns: [String] { columns.names }
    func contains(column: String) -> Bool { columns.position(of: column) != nil }
    func decodeNil(column: String) throws -> Bool { columns.position(of: column).map { values[$0] == .null } ?? true }
    func decode<D: Decodable>(column: String, as type: D.Type) throws -> D {
        guard let at = columns.position(of: column) else {
            throw DecodingError.keyNotFound(ColumnKey(column), .init(codingPath: [], debugDescription: "no column \(column)"))
        }
        let value = values[at]
        // The shapes the readers ask for nearly every time (text, ids, instants, counts, each perhaps NULL), read
        // straight from the value. SQLiteKit's decoder asks the runtime whether the type conforms to
        // `SQLiteDataConvertible` and unwraps an optional through a `Decoder`, which on a page of fifty requests was
        // a fifth of the server's time. Anything else, or a value of an unexpected kind, goes to that decoder as
        // before, so what it accepts and the errors it gives are unchanged. The type asked for is compared with
        // types named once (`Asked`): naming `String?`, or even holding a `D?`, inside a generic function asks the
        // runtime for that optional's metadata at every call.
        let asked = ObjectIdentifier(D.self)
        switch value {
        case .text(let text):
            if asked == Asked.string { return unsafeBitCast(text, to: D.self) }
            if asked == Asked.optionalString { return unsafeBitCast(Optional(text), to: D.self) }
            if asked == Asked.uuid, let id = UUID(storedText: text) { return unsafeBitCast(id, to: D.self) }
            if asked == Asked.optionalUUID, let id = UUID(storedText: text) { return unsafeBitCast(Optional(id), to: D.self) }
        case .integer(let integer):
            if asked == Asked.int { return unsafeBitCast(integer, to: D.self) }
            if asked == Asked.optionalInt { return unsafeBitCast(Optional(integer), to: D.self) }
            if asked == Asked.date { return unsafeBitCast(Self.instant(Double(integer)), to: D.self) }
            if asked == Asked.optionalDate { return unsafeBitCast(Optional(Self.instant(Double(integer))), to: D.self) }
            // A flag is 0 or 1 (SQLiteNIO's rule); any other number goes to the decoder, which refuses it as before.
            if asked == Asked.bool, integer == 0 || integer == 1 { return unsafeBitCast(integer == 1, to: D.self) }
        case .float(let seconds):
            if asked == Asked.date { return unsafeBitCast(Self.instant(seconds), to: D.self) }
            if asked == Asked.optionalDate { return unsafeBitCast(Optional(Self.instant(seconds)), to: D.self) }
            if asked == Asked.double { return unsafeBitCast(seconds, to: D.self) }
        case .null:
            if asked == Asked.optionalString { return unsafeBitCast(String?.none, to: D.self) }
            if asked == Asked.optionalUUID { return unsafeBitCast(UUID?.none, to: D.self) }
            if asked == Asked.optionalInt { return unsafeBitCast(Int?.none, to: D.self) }
            if asked == Asked.optionalDate { return unsafeBitCast(Date?.none, to: D.self) }
        case .blob:
            break
        }
        return try PointRow.decoder.decode(D.self, from: value)
    }

    private static let decoder = SQLiteDataDecoder()

    /// An instant stored as seconds since 1970, rounded to the microsecond as SQLiteNIO's `Date(sqliteData:)` does,
    /// so a date read either way compares equal.
    private static func instant(_ seconds: Double) -> Date {
        let sinceReference = seconds - Date.timeIntervalBetween1970AndReferenceDate
        return Date(timeIntervalSinceReferenceDate: (sinceReference * 1e6).rounded() / 1e6)
    }
}

/// The types the rows read by hand (`PointRow`, `PreparedRow`) are asked for nearly every time, named once: naming
/// `String?`, or even holding a `D?`, inside a generic function asks the runtime for that optional's metadata at
/// every call, so a reader compares `ObjectIdentifier(D.self)` with these instead.
enum Asked {
    static let string = ObjectIdentifier(String.self), optionalString = ObjectIdentifier(String?.self)
    static let uuid = ObjectIdentifier(UUID.self), optionalUUID = ObjectIdentifier(UUID?.self)
    static let int = ObjectIdentifier(Int.self), optionalInt = ObjectIdentifier(Int?.self)
    static let date = ObjectIdentifier(Date.self), optionalDate = ObjectIdentifier(Date?.self)
    static let double = ObjectIdentifier(Double.self), bool = ObjectIdentifier(Bool.self)
}

/// A column named in a decoding error of the rows read by hand (`PointRow`, `PreparedRow`).
struct ColumnKey: CodingKey {
    let stringValue: String
    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    var intValue: Int? { nil }
    init?(intValue: Int) { nil }
}

/// Runs a point read (see `SQLiteReaders`): on SQLite's own readers when the server has them, on PostgreSQL as a
/// statement prepared once a connection (`PostgresStatements`), else through the database as any query runs (SQLite
/// in memory). The query is written once, as SQLKit's `SQLQueryString`, and serialised by the database's own dialect
/// every way.
struct PointReads: Sendable {
    let db: any Database
    let readers: SQLiteReaders?

    func all(_ query: SQLQueryString) async throws -> [any SQLRow] {
        if let rows = try now(query) { return rows }
        if db is any PostgresDatabase, let rows = try await PostgresStatements.shared.rows(query, on: db) { return rows }
        return try await (db as! any SQLDatabase).raw(query).all()
    }

    /// The rows at once, without waiting, when the point-read connections are there (SQLite); nil when the read can
    /// only be waited for (PostgreSQL), and the caller must ask `all`.
    func now(_ query: SQLQueryString) throws -> [any SQLRow]? {
        guard let readers else { return nil }
        return try readers.rows(query, dialect: db as! any SQLDatabase)
    }

    func first(_ query: SQLQueryString) async throws -> (any SQLRow)? {
        try await all(query).first
    }

    /// A page of many rows read in index order, of a statement run page after page (a CSV's): on SQLite on a scanner
    /// of the pool (`SQLiteReaders.scannedRows`), on the thread pool rather than the caller's event loop, which a
    /// thousand rows would hold for a millisecond or more; elsewhere as `all` (on PostgreSQL prepared: planning the
    /// grants' page took 2.5 ms of its 8). SQLiteKit's rows, which these replace, decode every cell through
    /// `Decodable` and parse each instant with `sscanf`: a third of a CSV download's time.
    func many(_ query: SQLQueryString) async throws -> [any SQLRow] {
        guard let readers else { return try await all(query) }
        let (text, binds) = try SQLiteHandle.statement(query, dialect: db as! any SQLDatabase)
        return try await NIOThreadPool.singleton.runIfActive { try readers.scannedRows(text, binds) }
    }
}

extension SQLiteReaders {
    /// The rows of a query written for SQLKit, serialised by the database's dialect as Fluent would.
    func rows(_ query: SQLQueryString, dialect database: any SQLDatabase) throws -> [any SQLRow] {
        let (sql, binds) = try SQLiteHandle.statement(query, dialect: database)
        return try rows(sql, binds)
    }
}

extension SQLiteHandle {
    /// An SQLKit expression as SQLite text and values: serialised by the database's dialect, the binds encoded as
    /// SQLiteKit encodes them for Fluent.
    static func statement(_ query: any SQLExpression, dialect database: any SQLDatabase) throws -> (sql: String, binds: [SQLiteData]) {
        var serializer = SQLSerializer(database: database)
        query.serialize(to: &serializer)
        return (serializer.sql, try serializer.binds.map(sqliteData))
    }

    /// A bind as SQLiteKit's encoder converts it (text, an id as its text, a date as seconds since 1970, nil as
    /// NULL), for the kinds statements bind by the thousand, without the encoder's cast of every value to
    /// `SQLiteDataConvertible` (a conformance lookup) or its trip through `Encodable` for an optional or an id (and
    /// `uuidString`'s `sprintf`): a tenth of the lane's time when ten thousand grants ended together went on binds.
    /// The type is compared before casting, so no bind asks the runtime for a cast that fails.
    static func sqliteData(_ bind: any Encodable & Sendable) throws -> SQLiteData {
        let kind = type(of: bind)
        if kind == String.self, let text = bind as? String { return .text(text) }
        if kind == UUID.self, let id = bind as? UUID { return .text(id.text) }
        if kind == Date.self, let date = bind as? Date { return .float(date.timeIntervalSince1970) }
        if kind == Int.self, let number = bind as? Int { return .integer(number) }
        if kind == String?.self, let text = bind as? String? { return text.map { .text($0) } ?? .null }
        if kind == UUID?.self, let id = bind as? UUID? { return id.map { .text($0.text) } ?? .null }
        if kind == Date?.self, let date = bind as? Date? { return date.map { .float($0.timeIntervalSince1970) } ?? .null }
        return try encoder.encode(bind)
    }

    private static let encoder = SQLiteDataEncoder()
}

/// The write lane's own connection to the SQLite file, an `SQLDatabase` whose statements run in place on the lane's
/// thread. Every batch runs on it: lock the chain head, run the jobs (their Fluent queries through
/// `SQLiteLaneDatabase`), insert the events, move the head, commit, with no hop to SQLiteNIO's pool and back for each
/// step. On a loaded server every hop waited for a turn on a busy core, and the lane, which every audited request
/// waits for, spent most of each batch waiting (bench/request-cost.sh, bench/chain.sh).
final class SQLiteLaneWriter: SQLDatabase, @unchecked Sendable {
    let logger: Logger
    let eventLoop: any EventLoop
    let dialect: any SQLDialect = SQLiteDialect()
    private let path: String
    private let lock = NIOLock()
    private var handle: SQLiteHandle?
    private var closed = false
    private var checkpointsElsewhere = false

    init(path: String, logger: Logger, eventLoop: any EventLoop) {
        self.path = path
        self.logger = logger
        self.eventLoop = eventLoop
    }

    /// From now on the lane's commits leave the WAL to a `WALCheckpointer`. Called only once one runs, so a command
    /// that writes through the lane without one (a seed, say) still keeps its WAL short.
    func leaveCheckpointsToOthers() throws {
        try lock.withLock {
            checkpointsElsewhere = true
            try handle?.leaveCheckpointsToOthers()
        }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
        eventLoop.makeCompletedFuture { try run(query, onRow) }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        try run(query, onRow)
    }

    private func run(_ query: any SQLExpression, _ onRow: (any SQLRow) -> ()) throws {
        let (sql, binds) = try SQLiteHandle.statement(query, dialect: self)
        try run(sql, binds, onRow)
    }

    /// A statement already written as SQLite's text, with its values: the lane's multi-row inserts, whose text is
    /// the same for every insert of as many rows (`MultiRowInsert`).
    func run(_ sql: String, _ binds: [SQLiteData], _ onRow: (any SQLRow) -> () = { _ in }) throws {
        let rows = try lock.withLock { () throws -> [any SQLRow] in
            if closed { throw SQLiteConnectionError(message: "the database is closed: the server is stopping") }
            if handle == nil {
                let opened = try SQLiteHandle(path: path, for: .writing)
                if checkpointsElsewhere { try opened.leaveCheckpointsToOthers() }
                handle = opened
            }
            return try handle!.rows(sql, binds)
        }
        for row in rows { onRow(row) }
    }

    /// Closes the connection (waiting for a statement running on it); a statement after this fails.
    func close() {
        lock.withLock {
            closed = true
            handle?.close()
            handle = nil
        }
    }
}

/// Copies the WAL back into the database file from a connection and a thread of its own, so that the write lane's
/// commits never wait for a checkpoint. Left to SQLite, the commit that takes the WAL past 1,000 pages checkpoints it
/// on the lane's thread: 11% of the lane's time in CSUA150 chains, 6% in the expiry (bench/chain.sh, bench/scale.sh).
/// A passive checkpoint never blocks the writer; once all of the WAL is copied and no reader is in it, the writer's
/// next commit starts it again from the top, so it stays short.
final class WALCheckpointer: @unchecked Sendable {
    private let path: String
    private let writer: SQLiteLaneWriter
    private let lock = NIOLock()
    private var handle: SQLiteHandle?
    private var closed = false

    init(path: String, writer: SQLiteLaneWriter) {
        self.path = path
        self.writer = writer
    }

    /// Called as the server starts its background jobs, one of which calls `checkpoint()` a few times a second.
    func takeOverFromTheLane() throws {
        try writer.leaveCheckpointsToOthers()
    }

    /// One passive checkpoint; blocks its thread while it copies, so it runs on the thread pool. Returns the WAL's
    /// length in pages and how many of them are now copied.
    @discardableResult
    func checkpoint() throws -> (walPages: Int, copied: Int) {
        try lock.withLock {
            if closed { return (0, 0) }
            if handle == nil { handle = try SQLiteHandle(path: path, for: .checkpointing) }
            return try handle!.checkpointPassively()
        }
    }

    func close() {
        lock.withLock {
            closed = true
            handle?.close()
            handle = nil
        }
    }
}
