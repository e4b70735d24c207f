import CaseworkCore
import Fluent
import Vapor

/// What a service works with: who is asking, the database, the write lane and the clock. Services hold this, not a
/// `Request`, so a command or a test drives them as a route does; `Request.service` builds one for a route.
struct ServiceContext: Sendable {
    /// The signed-in person the service acts for; nil for a caller nobody signed in as.
    let caller: CurrentUser?
    let db: any Database
    let lane: WriteLane
    let clock: any CaseworkClock
    let passwords: AsyncPasswordHasher
    /// SQLite's point-read connections (see `SQLiteReaders`); nil on PostgreSQL.
    let readers: SQLiteReaders?
    /// The change stamps read with the caller's session, for a request that changes nothing (GET or HEAD): kept
    /// answers are checked against them without a read of their own. Nil for any other request: a change it makes
    /// moves the stamps after they were read, so what it then shows must be checked against the stamps as they are
    /// then (`changeStamp`).
    var stamps: ChangeStamps? = nil

    var now: Date { clock.now() }

    /// The stamp of `topic` read with the session, else `read`'s.
    func changeStamp(_ topic: ChangeStampTopic, read: () async throws -> Int64) async throws -> Int64 {
        if let stamps { return stamps[topic] }
        return try await read()
    }

    /// The caller, or 401.
    func requireUser() throws -> CurrentUser {
        try CurrentUser.require(caller)
    }

    /// The caller acting in one of `roles`, or 403 naming the roles that may.
    @discardableResult
    func requireRole(_ roles: Role...) throws -> CurrentUser {
        try CurrentUser.require(caller, actingAs: roles)
    }

    @discardableResult
    func requireRole(_ roles: Set<Role>) throws -> CurrentUser {
        try CurrentUser.require(caller, actingAs: roles.sorted())
    }

    /// Runs an audited change in the write lane (see `WriteLane`).
    func write<T: Sendable>(_ work: @escaping @Sendable (WriteContext) async throws -> T) async throws -> T {
        try await lane.perform(work)
    }

    /// Records audit events of a read, committed before the answer goes out (see `WriteLane.record`).
    func audit(_ entries: [AuditEntry]) async throws {
        try await lane.record(entries)
    }

    var directory: Directory { Directory(db: db, lane: lane, passwords: passwords, clock: clock, readers: readers) }
}

extension Request {
    /// The context a service runs in for this request: its signed-in person, database and the app's lane and clock.
    var service: ServiceContext {
        ServiceContext(caller: currentUser, db: database, lane: casework.lane, clock: casework.clock, passwords: password.async, readers: casework.readers,
                       stamps: ChangeStamps.given(method: method) ? currentUser?.stamps : nil)
    }
}

/// A service: what it needs is its `ServiceContext`, and a route makes one from its request.
protocol ContextService {
    var context: ServiceContext { get }
    init(context: ServiceContext)
}

extension ContextService {
    init(request: Request) {
        self.init(context: request.service)
    }

    var db: any Database { context.db }
    var now: Date { context.now }
}

/// A service whose rows come from a repository, made for the database each step runs on: the request's for a read,
/// the write lane's inside a change. `init(context:)` uses the Fluent one; a test can hand it another.
protocol RepositoryService: ContextService {
    associatedtype Repository
    var repository: @Sendable (any Database) -> Repository { get }
    init(context: ServiceContext, repository: @escaping @Sendable (any Database) -> Repository)
    /// The repository in the database, through Fluent.
    static var fluent: @Sendable (any Database) -> Repository { get }
}

extension RepositoryService {
    init(context: ServiceContext) {
        self.init(context: context, repository: Self.fluent)
    }
}
