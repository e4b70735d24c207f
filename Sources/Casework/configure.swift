import CaseworkCore
import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import Leaf
import LeafKit
import NIOSSL
import SQLKit
import Vapor

/// The one composition root: settings, database, services, middleware and routes.
public func configure(_ app: Application, settings: Settings) async throws {
    switch settings.storage {
    case .sqlite(let path):
        app.databases.use(.sqlite(.file(path), sqlLogLevel: .debug), as: .sqlite)
    case .postgres(let url):
        var config = try SQLPostgresConfiguration(url: url)
        if url.contains("sslmode=disable") || url.contains("@127.0.0.1") || url.contains("@localhost") {
            config.coreConfiguration.tls = .disable
        }
        if let schema = settings.postgresSchema {
            config.searchPath = [schema]
        }
        // Casework's statements are short and many; a plan over a thousand bound ids is estimated dear enough to be
        // compiled (jit_above_cost), and compiling it took longer than running it (the expiry's read of the holders'
        // sensitive work: 21 ms, or 0.4 s the first time in a connection with the compiler loaded).
        config.coreConfiguration.options.additionalStartupParameters.append(("jit", "off"))
        // Fluent's pool for its queries and the write lane's transactions; connections of our own for the prepared
        // reads (`PostgresReadConnections`), closed with Fluent's.
        let fluent = DatabaseConfigurationFactory.postgres(configuration: config, maxConnectionsPerEventLoop: 4, sqlLogLevel: .debug)
        let reads = PostgresReadConnections(configuration: config.coreConfiguration, searchPath: config.searchPath)
        app.databases.use(DatabaseConfigurationFactory { PostgresWithReads(base: fluent.make(), reads: reads) }, as: .psql)
        if let schema = settings.postgresSchema {
            try await (app.db as! any SQLDatabase).raw("CREATE SCHEMA IF NOT EXISTS \(ident: schema)").run()
        }
    }
    if case .sqlite = settings.storage {
        try await tuneSQLite(app)
    }

    app.migrations.add(CaseworkMigrations.all)

    CaseworkMetrics.bootstrap()
    app.passwords.use(.bcrypt(cost: settings.bcryptCost))
    let testClock: TestClock? = settings.testClock ? TestClock() : nil
    let clock: any CaseworkClock = testClock ?? SystemClock()
    let databases = app.databases
    let logger = app.logger
    // SQLite's own connections: point reads, and the lane's writer, on which every batch runs.
    var readers: SQLiteReaders?, writer: SQLiteLaneWriter?, checkpointer: WALCheckpointer?
    if case .sqlite(let path) = settings.storage {
        readers = SQLiteReaders(path: path)
        writer = SQLiteLaneWriter(path: path, logger: logger, eventLoop: LaneThread.shared.loop)
        checkpointer = WALCheckpointer(path: path, writer: writer!)
        app.lifecycle.use(ClosingSQLiteConnections(readers: readers!, writer: writer!, checkpointer: checkpointer!))
    }
    let lane = WriteLane(
        database: { databases.database(logger: logger, on: databases.eventLoopGroup.any())! }, writer: writer,
        clock: clock, maxBatch: settings.maxWriteBatch, mail: settings.mail)
    let decoyHash = try await app.password.async.hash(SessionStore.newToken()).get()
    app.casework = CaseworkServices(settings: settings, clock: clock, testClock: testClock, lane: lane, throttle: SignInThrottle(), decoyHash: decoyHash,
                                     mailTransport: settings.mail.smtp.map { SMTPTransport(server: $0, group: app.eventLoopGroup) },
                                     oidc: settings.oidc.map { OIDCProvider(settings: $0, client: app.client) }, readers: readers,
                                     walCheckpointer: checkpointer)

    // The API's answers are written as they encode (see `StreamingJSONEncoder`).
    ContentConfiguration.global.use(encoder: StreamingJSONEncoder(), for: .json)
    // Bodies holding a control character are refused, naming the field; queries are read without them.
    ControlCharacterGuard.install()
    // Clients (and our own tests) read error answers as JSON too.
    ContentConfiguration.global.use(decoder: JSONDecoder(), for: HTTPMediaType(type: "application", subType: "problem+json"))

    // Leaf's own renderer turns its cache off whenever the environment is development, Vapor's default and the one
    // `casework serve` runs in; so the renderer is made here without that rule. Templates are read and parsed once
    // unless CASEWORK_TEMPLATE_RELOAD=1: reading and lexing them on every render was a third of a page's cost.
    app.views.use { app in
        var userInfo = app.leaf.userInfo
        userInfo["application"] = app
        return LeafRenderer(configuration: app.leaf.configuration, tags: app.leaf.tags, cache: app.leaf.cache, sources: app.leaf.sources,
                            eventLoop: app.eventLoopGroup.next(), userInfo: userInfo)
    }
    app.leaf.cache.isEnabled = !settings.templateReload
    let tags: [String: any ParameterTag] = [
        "ukTime": UKTimeTag(), "statusTag": StatusTagTag(), "named": DisplayNameTag(),
        "trustedHTML": TrustedHTMLTag(),
    ]
    for (name, tag) in tags { app.leaf.tags[name] = tag }
    // Every page that extends the layout is written by LeafWriter (see `SwiftRenderedTag`), with the same tags and
    // LeafKit's `count`.
    var leafConfiguration = app.leaf.configuration
    app.leaf.tags["swiftRendered"] = SwiftRenderedTag(tags: tags.merging(["count": CountTag()]) { ours, _ in ours },
                                                      ignoresUnfoundImports: leafConfiguration.ignoreUnfoundImports,
                                                      programs: app.leaf.cache.isEnabled ? LeafPrograms() : nil)
    app.casework.pageRenderer = PageRenderer(app)

    app.middleware = Middlewares()
    app.middleware.use(GracefulShutdown.middleware(for: app))
    // Outside the error middleware, so error pages carry the security headers too.
    app.middleware.use(SecurityHeaders(httpsOnly: settings.mail.publicURL.hasPrefix("https://")))
    app.middleware.use(AccessLogMiddleware(settings: settings.observability))
    app.middleware.use(CaseworkErrorMiddleware())
    app.middleware.use(StaticFilesMiddleware(publicDirectory: app.directory.publicDirectory))
    app.middleware.use(SessionAuthenticator())
    app.middleware.use(CSRF())

    try app.register(collection: AuthRoutes())
    try app.register(collection: AuthPages())
    try app.register(collection: SCIMRoutes())
    try app.register(collection: HomeRoutes())
    try app.register(collection: HomePages())
    try app.register(collection: DirectoryRoutes())
    try app.register(collection: DirectoryPages())
    try app.register(collection: AuditRoutes())
    try app.register(collection: AuditPages())
    for records in [ContactRoutes(), ContactPages(), CaseRoutes(), CasePages(), ServiceRequestRoutes(), ServiceRequestPages(),
                    HopperRoutes(), HopperPages()] as [any RouteCollection] {
        try app.register(collection: records)
    }
    try app.register(collection: ReceiptsRoutes())
    try app.register(collection: ReceiptsPages())
    try app.register(collection: AccessRoutes())
    try app.register(collection: AccessPages())
    try app.register(collection: NotificationRoutes())
    try app.register(collection: NotificationPages())
    try app.register(collection: MonitoringRoutes())
    try app.register(collection: MonitoringPages())
    try app.register(collection: OperationsRoutes(testClock: testClock, metricsToken: settings.observability.metricsToken))
    if testClock != nil {
        app.logger.warning("CASEWORK_TEST_CLOCK=1: the test clock replaces the system clock; never run like this in service")
    }
}

/// Closes SQLite's point-read connections and the lane's writer when the application shuts down.
private struct ClosingSQLiteConnections: LifecycleHandler {
    let readers: SQLiteReaders
    let writer: SQLiteLaneWriter
    let checkpointer: WALCheckpointer
    func shutdown(_ application: Application) {
        readers.close()
        checkpointer.close()
        writer.close()
    }
}

/// WAL (set in the file, so it lasts), synchronous=FULL and foreign keys on every connection.
/// The pool keeps one connection per event loop, so each loop's connection is set up here once.
private func tuneSQLite(_ app: Application) async throws {
    let first = app.db(.sqlite) as! any SQLDatabase
    try await first.raw("PRAGMA journal_mode=WAL").run()
    for loop in app.eventLoopGroup.makeIterator() {
        let db = app.databases.database(.sqlite, logger: app.logger, on: loop)! as! any SQLDatabase
        try await db.raw("PRAGMA synchronous=FULL").run()
        try await db.raw("PRAGMA foreign_keys=ON").run()
    }
}

/// Headers that keep pages from being framed, sniffed, or leaking where people were (a contact's address in a
/// Referer would name a Special Client Record): on every answer, error pages included. Behind HTTPS (the public
/// address is https, or the proxy says the request came over it) browsers are told to use nothing else.
struct SecurityHeaders: Middleware {
    let httpsOnly: Bool

    static let contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        next.respond(to: request).map { add(to: $0, for: request) }
    }

    private func add(to response: Response, for request: Request) -> Response {
        response.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        response.headers.replaceOrAdd(name: "X-Frame-Options", value: "DENY")
        response.headers.replaceOrAdd(name: "Referrer-Policy", value: "no-referrer")
        response.headers.replaceOrAdd(name: "Content-Security-Policy", value: Self.contentSecurityPolicy)
        if httpsOnly || request.headers.first(name: "X-Forwarded-Proto")?.lowercased() == "https" {
            response.headers.replaceOrAdd(name: "Strict-Transport-Security", value: "max-age=31536000; includeSubDomains")
        }
        return response
    }
}

/// Every migration, in the order they landed. A landed migration is never edited: a change is a new one, added last
/// (and its file's hash to Tests/CaseworkTests/landed-migrations.sha256).
enum CaseworkMigrations {
    static let all: [any Migration] = [
        CreateStaff(), CreateAuthSessions(), CreateAuditTrail(), ProtectAuditTrail(), CreateRecords(), CreateReceiptsTool(),
        CreateTemporaryAccess(), CreateGrantChanges(), CreateNotificationsAndExpiry(), CreateOutbox(), IndexHotPaths(),
        CreateAccessDecisions(), IndexRefusalsInOrder(), CreateAuditCheckpoints(), TrackSessionUse(), CreateOIDCSignIns(), CreateSCIMProvisioning(),
        RecordWhoDecidedEachStage(), IndexWorkReturnedAtExpiry(), CountWaitingWork(), IndexRecentRefusals(),
        DropAuditIndexesOthersCover(), IndexOpenLogOffsByEnd(), IndexOpenWorkByPerson(), FilterHoldersReadsInTheirIndex(),
        IndexUnprocessedGrantsByEnd(), CountWaitingWorkByStatement(), IndexNamesByWordStart(), StampAccessRequestChanges(),
        IndexTeamLeadersUnconfirmedGrants(), StampDirectoryChanges(),
    ]
}
