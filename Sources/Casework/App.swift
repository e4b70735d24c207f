import CaseworkCore
import Fluent
import Vapor

/// The services configure.swift composes and every route shares.
struct CaseworkServices: Sendable {
    let settings: Settings
    let clock: any CaseworkClock
    /// Set when the test clock is on, so the test-clock route can move it.
    let testClock: TestClock?
    let lane: WriteLane
    let throttle: SignInThrottle
    /// A bcrypt hash of a random secret, checked when a staff ID is unknown so timing does not tell.
    let decoyHash: String
    /// Delivers the outbox; nil when no SMTP server is set, so messages wait for administrators to see.
    var mailTransport: (any MailTransport)?
    /// The organisation's identity provider; nil when staff sign in with passwords only.
    var oidc: OIDCProvider? = nil
    /// SQLite's point-read connections (see `SQLiteReaders`); nil on PostgreSQL.
    var readers: SQLiteReaders? = nil
    /// Checkpoints SQLite's WAL off the write lane once the server serves (see `WALCheckpointer`); nil on PostgreSQL.
    var walCheckpointer: WALCheckpointer? = nil
    /// Monitoring's figures as last counted (see `MonitoringSnapshots`).
    let monitoringSnapshots = MonitoringSnapshots()
    /// The pages of access requests everyone in a role shares (see `AccessListCache`).
    let accessLists = AccessListCache()
    /// Who works each segment, for its hopper's assignment choice (see `SegmentMembersCache`).
    let segmentMembers = SegmentMembersCache.forHoppers()
    /// Wakes the expiry job at once: moving the test clock rings it, as the real clock reaching a grant's end would.
    let expiryAlarm = JobAlarm()
    /// What pages are rendered with, set by configure once Leaf's tags are set (see `PageRenderer`).
    var pageRenderer: PageRenderer? = nil
    /// Set by the tests only: every page is also rendered by LeafKit alone and must match (see `LeafReference`).
    var leafReference: LeafReference? = nil
}

extension Application {
    private struct ServicesKey: StorageKey { typealias Value = CaseworkServices }

    var casework: CaseworkServices {
        get {
            guard let services = storage[ServicesKey.self] else {
                fatalError("configure(_:settings:) was not called: Casework services are missing")
            }
            return services
        }
        set { storage[ServicesKey.self] = newValue }
    }
}

extension Request {
    var casework: CaseworkServices { application.casework }
    var now: Date { application.casework.clock.now() }

    /// Runs an audited change in the write lane (see WriteLane).
    func write<T: Sendable>(_ work: @escaping @Sendable (WriteContext) async throws -> T) async throws -> T {
        try await application.casework.lane.perform(work)
    }

    var directory: Directory { service.directory }

    /// This request's database, made at its first use and kept with the request. Fluent's `db` makes a new one at
    /// every use (the application's storage and its locks, the request's history settings, the driver's wrapper):
    /// with three uses a request (the session twice, the service once) that was 8% of a plain signed-in read's time
    /// on PostgreSQL (bench/request-cost.sh).
    var database: any Database {
        if let made = storage[DatabaseKey.self] { return made }
        let made = db
        storage[DatabaseKey.self] = made
        return made
    }

    private struct DatabaseKey: StorageKey { typealias Value = any Database }
}
