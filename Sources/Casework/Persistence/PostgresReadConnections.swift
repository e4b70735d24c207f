import FluentKit
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import PostgresNIO

/// Connections of Casework's own for the reads `PostgresStatements` prepares, lent on the event loop that asks,
/// without AsyncKit's pool.
///
/// Why: through Fluent's pool every read asked AsyncKit for a connection and gave it back by futures and callbacks
/// (a lease, a promise, `always`, a release that may serve a waiter), about as much of the server's CPU as the
/// statement itself. A plain signed-in read (two prepared reads) cost the server 513–555 µs on PostgreSQL this way
/// and 264–350 µs on these connections (bench/request-cost.sh --postgres, alternating runs).
///
/// How: an event loop has up to `perEventLoop` connections, opened when first needed and kept (a read waits for one
/// to come back rather than open more); a connection found closed is dropped and its place freed. Never inside a
/// transaction: a write job's reads must see what its batch has written, so `PostgresStatements` runs them on the
/// transaction's own connection. They close with Fluent's (`PostgresWithReads`'s driver), when the application stops.
final class PostgresReadConnections: @unchecked Sendable {
    /// Connections an event loop keeps for reads, besides Fluent's pool (4 an event loop): a server on two cores
    /// holds at most 24 of PostgreSQL's 100 by default.
    static let perEventLoop = 8

    private let configuration: PostgresConnection.Configuration
    private let searchPath: [String]?
    private let lock = NIOLock()
    private var loops: [ObjectIdentifier: Loop] = [:]
    private var closed = false
    private var opened = 0

    /// One event loop's connections: those idle, how many are open (lent or idle), and the reads waiting for one. A
    /// waiter is handed a connection, or nil when a place is free for it to open one.
    private struct Loop {
        var idle: [PostgresConnection] = []
        var open = 0
        var waiting: [CheckedContinuation<PostgresConnection?, any Error>] = []
    }

    init(configuration: PostgresConnection.Configuration, searchPath: [String]?) {
        var configuration = configuration
        configuration.options.additionalStartupParameters.append(("plan_cache_mode", Self.planCacheMode))
        self.configuration = configuration
        self.searchPath = searchPath
    }

    /// Every statement these connections run is planned once and its plan kept (see `PostgresStatements`).
    /// Left to choose, PostgreSQL kept planning some of them for their values at every run, because the plan for any
    /// values was estimated dearer although it was the same plan: the search's statement took 0.24 ms to plan and
    /// 0.04 ms to run, the SCR manager's overdue log-offs 0.15 ms and 0.05 ms (pg_stat_statements, bench/scale.sh
    /// STATEMENTS=1). HotQueryPlanTests checks that plan for every hot read. A read whose best plan depends on what is
    /// bound (a name held within others, through the trigram index) is not prepared and runs on Fluent's connections.
    static let planCacheMode = "force_generic_plan"

    /// How many connections are open for `loop` (lent or idle), for the tests.
    func openCount(on loop: any EventLoop) -> Int {
        lock.withLock { loops[ObjectIdentifier(loop)]?.open ?? 0 }
    }

    /// `body`'s answer, run on a connection of `loop`'s, lent for as long as it runs.
    func withConnection<T>(on loop: any EventLoop, logger: Logger, _ body: (PostgresConnection) -> EventLoopFuture<T>) async throws -> T {
        let connection = try await lend(on: loop, logger: logger)
        do {
            let answer = try await body(connection).get()
            giveBack(connection, on: loop)
            return answer
        } catch {
            giveBack(connection, on: loop)
            throw error
        }
    }

    /// What a read does next: use an idle connection, open one in a free place, or wait.
    private enum Next {
        case use(PostgresConnection)
        case open
        case wait
    }

    private func lend(on loop: any EventLoop, logger: Logger) async throws -> PostgresConnection {
        let key = ObjectIdentifier(loop)
        let next = try lock.withLock { () throws -> Next in
            guard !closed else { throw Self.stopping }
            return take(key)
        }
        switch next {
        case .use(let connection):
            return connection
        case .open:
            return try await open(on: loop, logger: logger)
        case .wait:
            let handed = try await withCheckedThrowingContinuation { (waiter: CheckedContinuation<PostgresConnection?, any Error>) in
                // Looked at again under the lock: a connection may have come back since.
                let now = lock.withLock { () -> Next? in
                    if closed { return nil }
                    let next = take(key)
                    if case .wait = next { loops[key, default: Loop()].waiting.append(waiter) }
                    return next
                }
                switch now {
                case nil: waiter.resume(throwing: Self.stopping)
                case .use(let connection): waiter.resume(returning: connection)
                case .open: waiter.resume(returning: nil)
                case .wait: break
                }
            }
            if let handed { return handed }
            return try await open(on: loop, logger: logger)
        }
    }

    /// An idle connection of the loop's, else a free place (taken), else wait. Called with the lock held.
    private func take(_ key: ObjectIdentifier) -> Next {
        var loop = loops[key, default: Loop()]
        defer { loops[key] = loop }
        while let connection = loop.idle.popLast() {
            if !connection.isClosed { return .use(connection) }
            loop.open -= 1
        }
        guard loop.open < Self.perEventLoop else { return .wait }
        loop.open += 1
        return .open
    }

    /// A new connection in the place the caller took, with the search path Fluent's connections have.
    private func open(on loop: any EventLoop, logger: Logger) async throws -> PostgresConnection {
        let id = lock.withLock { () -> Int in
            opened += 1
            return opened
        }
        do {
            let connection = try await PostgresConnection.connect(on: loop, configuration: configuration, id: id, logger: logger).get()
            if let searchPath, !searchPath.isEmpty {
                let path = searchPath.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: ", ")
                do {
                    _ = try await connection.query(PostgresQuery(unsafeSQL: "SET search_path TO " + path), logger: logger).get()
                } catch {
                    try? await connection.close().get()
                    throw error
                }
            }
            return connection
        } catch {
            freePlace(on: loop)
            throw error
        }
    }

    /// A place given up (a connection that could not be opened or was found closed): a waiter may open one there.
    private func freePlace(on loop: any EventLoop) {
        let key = ObjectIdentifier(loop)
        let waiter = lock.withLock { () -> CheckedContinuation<PostgresConnection?, any Error>? in
            loops[key, default: Loop()].open -= 1
            guard !closed, !loops[key]!.waiting.isEmpty else { return nil }
            loops[key]!.open += 1
            return loops[key]!.waiting.removeFirst()
        }
        waiter?.resume(returning: nil)
    }

    private func giveBack(_ connection: PostgresConnection, on loop: any EventLoop) {
        if connection.isClosed {
            freePlace(on: loop)
            return
        }
        let key = ObjectIdentifier(loop)
        enum Then { case close, handTo(CheckedContinuation<PostgresConnection?, any Error>), kept }
        let then = lock.withLock { () -> Then in
            if closed {
                loops[key, default: Loop()].open -= 1
                return .close
            }
            if !loops[key, default: Loop()].waiting.isEmpty { return .handTo(loops[key]!.waiting.removeFirst()) }
            loops[key]!.idle.append(connection)
            return .kept
        }
        switch then {
        case .close: connection.close().whenComplete { _ in }
        case .handTo(let waiter): waiter.resume(returning: connection)
        case .kept: break
        }
    }

    /// Closes every idle connection and refuses reads from now on; a connection lent out closes when it comes back.
    func close() async {
        for connection in stop() { try? await connection.close().get() }
    }

    /// As `close`, waiting on the calling thread (never an event loop's: Fluent's synchronous shutdown).
    func closeWaiting() {
        for connection in stop() { try? connection.close().wait() }
    }

    /// Refuses reads from now on, fails the waiting ones, and hands back the idle connections to close.
    private func stop() -> [PostgresConnection] {
        let (idle, waiting) = lock.withLock { () -> ([PostgresConnection], [CheckedContinuation<PostgresConnection?, any Error>]) in
            closed = true
            let idle = loops.values.flatMap(\.idle)
            let waiting = loops.values.flatMap(\.waiting)
            for key in loops.keys {
                loops[key]!.open -= loops[key]!.idle.count
                loops[key]!.idle = []
                loops[key]!.waiting = []
            }
            return (idle, waiting)
        }
        for waiter in waiting { waiter.resume(throwing: Self.stopping) }
        return idle
    }

    private static let stopping = PostgresReadsStopped()
}

struct PostgresReadsStopped: Error, CustomStringConvertible {
    var description: String { "the database's connections are closed: the server is stopping" }
}

/// PostgreSQL as Fluent configures it, with the connections `PostgresStatements` reads on (`reads`), found from any
/// of its databases (`Database.postgresReads`) and closed when Fluent's driver shuts down.
struct PostgresWithReads: DatabaseConfiguration {
    var base: any DatabaseConfiguration
    let reads: PostgresReadConnections

    var middleware: [any AnyModelMiddleware] {
        get { base.middleware }
        set { base.middleware = newValue }
    }

    func makeDriver(for databases: Databases) -> any DatabaseDriver {
        Driver(base: base.makeDriver(for: databases), reads: reads)
    }

    struct Driver: DatabaseDriver {
        let base: any DatabaseDriver
        let reads: PostgresReadConnections

        func makeDatabase(with context: DatabaseContext) -> any Database {
            base.makeDatabase(with: context)
        }

        func shutdown() {
            reads.closeWaiting()
            base.shutdown()
        }

        func shutdownAsync() async {
            await reads.close()
            await base.shutdownAsync()
        }
    }
}

extension Database {
    /// The read connections of this PostgreSQL database, when it is not in a transaction (a transaction's reads stay
    /// on its own connection, to see what it has written).
    var postgresReads: PostgresReadConnections? {
        guard !inTransaction else { return nil }
        return (context.configuration as? PostgresWithReads)?.reads
    }
}
