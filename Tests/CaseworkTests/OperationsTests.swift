@testable import Casework
import CaseworkCore
import Fluent
import Foundation
import Logging
import Testing
import Vapor
import VaporTesting

/// Settings for a test of its own, in a folder of its own.
func freshSettings() throws -> Settings {
    let directory = NSTemporaryDirectory() + "casework-test-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    return testSettings(directory: directory)
}

/// Settings for a test with metrics on behind a known token.
private func metricsSettings(_ token: String = "scrape-token-for-tests") throws -> Settings {
    var settings = try freshSettings()
    settings.observability.metricsToken = token
    return settings
}

extension Application {
    func scrape(token: String? = "scrape-token-for-tests") async throws -> TestingHTTPResponse {
        try await testing().sendRequest(.GET, "/metrics") { req in
            if let token { req.headers.bearerAuthorization = BearerAuthorization(token: token) }
        }
    }
}

/// The value of one sample line (`name{labels} value`) in a Prometheus exposition, if present.
func sample(_ series: String, in text: String) -> Double? {
    for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
        return Double(line.dropFirst(series.count + 1))
    }
    return nil
}

@Suite("Metrics for operators")
struct MetricsTests {
    @Test func metricsAreOffWithoutATokenAndRefuseAWrongOne() async throws {
        try await withCasework { app in
            let off = try await app.scrape()
            #expect(off.status == .notFound)
            #expect(off.body.string.contains("CASEWORK_METRICS_TOKEN"))
        }
        try await withCasework(settings: try metricsSettings()) { app in
            #expect(try await app.scrape(token: nil).status == .unauthorized)
            let wrong = try await app.scrape(token: "scrape-token-for-test")
            #expect(wrong.status == .unauthorized)
            #expect(wrong.headers.first(name: .wwwAuthenticate)?.hasPrefix("Bearer") == true)
            // A person's API token is not the metrics token.
            #expect(try await app.scrape(token: try await app.token("90000001")).status == .unauthorized)
        }
    }

    @Test func aScrapeNamesEveryFigureOperatorsWatch() async throws {
        try await withCasework(settings: try metricsSettings(), records: true) { app in
            let robert = try await app.token("30000002", role: .scrManager)
            #expect(try await app.sendJSON(.GET, "/api/v1/staff/20010002", token: robert).status == .ok)
            let response = try await app.scrape()
            #expect(response.status == .ok)
            #expect(response.headers.contentType?.description.hasPrefix("text/plain") == true)
            let text = response.body.string
            for name in ["http_request_duration_seconds_bucket", "http_requests_total", "casework_write_lane_batch_size_bucket",
                         "casework_write_lane_queue_depth", "casework_write_lane_commit_seconds_bucket",
                         "casework_live_grants", "casework_outbox_backlog", "casework_job_lag_seconds{job=\"expiry\"}",
                         "casework_job_lag_seconds{job=\"reminders\"}", "casework_job_lag_seconds{job=\"outbox\"}"] {
                #expect(text.contains(name), "the scrape has no \(name)")
            }
            // Latency is kept per route pattern, never per URL.
            #expect(text.contains(#"path="/api/v1/staff/:staffId""#))
            #expect(!text.contains("/api/v1/staff/20010002"))
        }
    }

    @Test func liveGrantsAndTheExpiryBacklogAreReadFromTheDatabase() async throws {
        try await withCasework(settings: try metricsSettings(), records: true) { app in
            #expect(sample("casework_live_grants", in: try await app.scrape().body.string) == 0)
            _ = try await app.grantAccess(minutes: 30)
            let live = try await app.scrape().body.string
            #expect(sample("casework_live_grants", in: live) == 1)
            #expect(sample("casework_job_lag_seconds{job=\"expiry\"}", in: live) == 0)
            // The grant has ended 10 minutes ago and no expiry job has run (none runs in tests): that is lag.
            app.clockForTests.advance(by: 40 * 60)
            let ended = try await app.scrape().body.string
            #expect(sample("casework_live_grants", in: ended) == 0)
            // Grants end on a whole second, so the lag is ten minutes and the part-second the clock was past one.
            let lag = try #require(sample("casework_job_lag_seconds{job=\"expiry\"}", in: ended))
            #expect(lag >= 600 && lag < 601)
            try await GrantExpiry(app: app).runOnce()
            #expect(sample("casework_job_lag_seconds{job=\"expiry\"}", in: try await app.scrape().body.string) == 0)
        }
    }

    @Test func signInFailuresAreCountedByReason() async throws {
        try await withCasework(settings: try metricsSettings()) { app in
            let series = #"casework_sign_in_failures_total{reason="wrongPassword"}"#
            let before = sample(series, in: try await app.scrape().body.string) ?? 0
            let refused = try await app.sendJSON(.POST, "/api/v1/auth/tokens", ["staffId": "20010002", "password": "not-the-password"])
            #expect(refused.status == .unauthorized)
            let after = try #require(sample(series, in: try await app.scrape().body.string))
            #expect(after >= before + 1)
        }
    }
}

/// Keeps every log line it is given, for the access-log tests.
final class CapturedLog: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [(level: Logger.Level, message: String, metadata: Logger.Metadata)] = []

    var all: [(level: Logger.Level, message: String, metadata: Logger.Metadata)] { lock.withLock { lines } }

    func add(_ level: Logger.Level, _ message: String, _ metadata: Logger.Metadata) { lock.withLock { lines.append((level, message, metadata)) } }

    var logger: Logger {
        Logger(label: "casework-test") { _ in Handler(log: self) }
    }

    struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        /// As an operator runs it: below info, the database driver's own lines carry query binds.
        var logLevel: Logger.Level = .info

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            log.add(event.level, event.message.description, metadata.merging(event.metadata ?? [:]) { $1 })
        }
    }
}

@Suite("Access log")
struct AccessLogTests {
    @Test func byDefaultAQuickSuccessIsNotLoggedButASlowOneIsAtNotice() async throws {
        var settings = try freshSettings()
        settings.observability.slowRequestMilliseconds = 60_000
        try await withCasework(settings: settings, records: true) { app in
            let log = CapturedLog()
            app.logger = log.logger
            let token = try await app.token("30000002", role: .scrManager)
            #expect(try await app.sendJSON(.GET, "/api/v1/contacts?q=AB123456C", token: token).status == .ok)
            #expect(try await app.sendJSON(.GET, "/health").status == .ok)
            #expect(log.all.filter { $0.metadata["route"] != nil }.isEmpty, "quick successes were logged: \(log.all.map(\.message))")
        }
        settings = try freshSettings()
        settings.observability.slowRequestMilliseconds = 0
        try await withCasework(settings: settings, records: true) { app in
            let log = CapturedLog()
            app.logger = log.logger
            let token = try await app.token("30000002", role: .scrManager)
            #expect(try await app.sendJSON(.GET, "/api/v1/contacts?q=AB123456C", token: token).status == .ok)
            let line = try #require(log.all.first { $0.metadata["route"] == "/api/v1/contacts" })
            #expect(line.level == .notice)
            #expect(line.metadata["status"] == "200")
            #expect(line.metadata["slow"] == "true")
            #expect(line.metadata["staff_id"] == "30000002")
            // The query string (here a NINO) never reaches the log.
            #expect(!log.all.contains { "\($0.message) \($0.metadata)".contains("AB123456C") })
        }
    }

    @Test func everyRequestAsJSONAtTheChosenLevelWhenTheOperatorAsks() async throws {
        var settings = try freshSettings()
        settings.observability.accessLog = .all
        settings.observability.format = .json
        settings.observability.level = .info
        try await withCasework(settings: settings) { (app: Application) async throws in
            let log = CapturedLog()
            app.logger = log.logger
            #expect(try await app.sendJSON(.GET, "/health").status == .ok)
            #expect(try await app.sendJSON(.GET, "/no/such/page").status == .notFound)
            let lines = log.all.compactMap { entry -> [String: Any]? in
                guard entry.level == .info, let data = entry.message.data(using: .utf8) else { return nil }
                return try? JSONSerialization.jsonObject(with: data) as? [String: Any]
            }
            #expect(lines.contains { $0["route"] as? String == "/health" && $0["status"] as? Int == 200 && $0["method"] as? String == "GET" })
            // An unknown URL is logged as unmatched: it is anyone's text.
            #expect(lines.contains { $0["route"] as? String == "unmatched" && $0["status"] as? Int == 404 })
        }
    }

    /// Pages are drawn from templates read and parsed once, even in Vapor's development environment (the one
    /// `casework serve` runs in, where Leaf's own renderer reads them again for every page), unless asked otherwise.
    @Test func templatesAreReadOnceUnlessReloadingIsAskedFor() async throws {
        try await withCasework(environment: .development) { app in
            let page = try await Browser(app).get("/sign-in")
            #expect(page.status == .ok)
            #expect(app.leaf.cache.isEnabled && app.leaf.cache.count > 0)
        }
        let directory = NSTemporaryDirectory() + "casework-test-" + UUID().uuidString
        var reloading = testSettings(directory: directory)
        reloading.templateReload = true
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try await withCasework(settings: reloading, environment: .development) { app in
            let page = try await Browser(app).get("/sign-in")
            #expect(page.status == .ok)
            #expect(!app.leaf.cache.isEnabled && app.leaf.cache.count == 0)
        }
        #expect(throws: Settings.Invalid.self) {
            try Settings.fromEnvironment(["CASEWORK_TEMPLATE_RELOAD": "yes"], environment: .testing)
        }
    }

    @Test func settingsSayWhatToFix() throws {
        #expect(throws: Settings.Invalid.self) { try ObservabilitySettings.fromEnvironment(["CASEWORK_ACCESS_LOG": "verbose"]) }
        #expect(throws: Settings.Invalid.self) { try ObservabilitySettings.fromEnvironment(["CASEWORK_METRICS_TOKEN": "short"]) }
        #expect(throws: Settings.Invalid.self) { try ObservabilitySettings.fromEnvironment(["CASEWORK_SLOW_REQUEST_MS": "0"]) }
        let chosen = try ObservabilitySettings.fromEnvironment(["CASEWORK_ACCESS_LOG": "all", "CASEWORK_ACCESS_LOG_LEVEL": "info", "CASEWORK_ACCESS_LOG_FORMAT": "json"])
        #expect(chosen.accessLog == .all && chosen.level == .info && chosen.format == .json)
        #expect(try ObservabilitySettings.fromEnvironment([:]) == ObservabilitySettings())
    }
}

/// Two servers on one database: a session is read from the database on every request, with no cache, so what one
/// server changes the other sees on its next request.
@Suite("Sessions across servers")
struct SessionAcrossServersTests {
    /// A second server on the same database (and, on PostgreSQL, the same schema), already migrated by the first.
    func withSecondServer(like first: Application, _ test: (Application) async throws -> Void) async throws {
        let second = try await Application.make(.testing)
        second.directory = DirectoryConfiguration(workingDirectory: packageRoot)
        do {
            try await configure(second, settings: first.casework.settings)
            try await test(second)
        } catch {
            try? await second.asyncShutdown()
            throw error
        }
        try await second.asyncShutdown()
    }

    @Test func signOutDeactivationAndRoleChangesOnOneServerCountOnTheOtherAtOnce() async throws {
        try await withCasework(records: true) { first in
            try await withSecondServer(like: first) { second in
                // A token made on the first server works on the second.
                let tom = try await first.token("20010002")
                #expect(try await second.sendJSON(.GET, "/api/v1/staff/20010002", token: tom).status == .ok)
                // Signed out on the second: refused on the first.
                #expect(try await second.sendJSON(.DELETE, "/api/v1/auth/tokens/current", token: tom).status == .noContent)
                #expect(try await first.sendJSON(.GET, "/api/v1/staff/20010002", token: tom).status == .unauthorized)

                // A role taken away on the first server: the second no longer lets the token act in it (an API token
                // with no role it still holds reads as signed out).
                let aisha = try await first.token("20010003")
                #expect(try await second.sendJSON(.GET, "/api/v1/service-requests", token: aisha).status == .ok)
                let admin = try await first.token("90000001")
                struct Roles: Encodable { let roles: [String] }
                let patched = try await first.sendJSON(.PATCH, "/api/v1/staff/20010003", body: Roles(roles: ["cfat"]), token: admin)
                #expect(patched.status == .ok, "\(patched.body.string)")
                let after = try await second.sendJSON(.GET, "/api/v1/service-requests", token: aisha)
                #expect(after.status == .unauthorized, "\(after.body.string)")

                // Deactivated on the second server: every token of theirs stops on the first.
                let liam = try await first.token("20010004")
                #expect(try await first.sendJSON(.GET, "/api/v1/staff/20010004", token: liam).status == .ok)
                #expect(try await second.sendJSON(.POST, "/api/v1/staff/20010004/deactivate", token: admin).status == .ok)
                #expect(try await first.sendJSON(.GET, "/api/v1/staff/20010004", token: liam).status == .unauthorized)
            }
        }
    }
}

@Suite("Where Casework finds its templates")
struct ResourceRootTests {
    @Test func theBinarysCheckoutIsFoundFromAnyWorkingDirectory() {
        let binary = URL(fileURLWithPath: packageRoot + ".build/release/casework")
        #expect(ResourceRoot.find(environment: [:], executable: binary, workingDirectory: "/") == packageRoot)
        // CASEWORK_RESOURCES_DIR (or CASEWORK_HOME) wins over both; set to a folder without templates, it is refused
        // rather than quietly replaced by the checkout.
        #expect(ResourceRoot.find(environment: ["CASEWORK_RESOURCES_DIR": packageRoot], executable: nil, workingDirectory: "/") == packageRoot)
        #expect(ResourceRoot.find(environment: ["CASEWORK_HOME": packageRoot], executable: nil, workingDirectory: "/") == packageRoot)
        #expect(ResourceRoot.find(environment: ["CASEWORK_RESOURCES_DIR": "/tmp"], executable: binary, workingDirectory: packageRoot) == nil)
        #expect(ResourceRoot.find(environment: [:], executable: URL(fileURLWithPath: "/usr/bin/casework"), workingDirectory: "/") == nil)
    }
}
