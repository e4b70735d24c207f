@testable import Casework
import CaseworkCore
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

/// Whether this run is against PostgreSQL (DATABASE_URL set) rather than the SQLite default.
let usingPostgres = !(ProcessInfo.processInfo.environment["DATABASE_URL"] ?? "").isEmpty

/// Settings for one test: its own SQLite file, or its own PostgreSQL schema; the test clock on; cheap bcrypt.
func testSettings(directory: String) -> Settings {
    var settings: Settings
    if usingPostgres {
        settings = Settings(storage: .postgres(url: ProcessInfo.processInfo.environment["DATABASE_URL"]!), testClock: true, bcryptCost: 4)
        settings.postgresSchema = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
    } else {
        settings = Settings(storage: .sqlite(path: directory + "/casework.sqlite"), testClock: true, bcryptCost: 4)
    }
    // Tests move the clock by hours between one person's requests; the idle timeout has its own tests.
    settings.sessionIdle = 24 * 3600
    return settings
}

/// A migrated, empty Casework on a real database, shut down (and its data removed) afterwards.
func withCasework(
    settings given: Settings? = nil, environment: Environment = .testing, seed: Bool = true, records: Bool = false, tool: Bool = false,
    _ test: (Application) async throws -> Void
) async throws {
    let directory = NSTemporaryDirectory() + "casework-test-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let settings = given ?? testSettings(directory: directory)
    let app = try await Application.make(environment)
    app.directory = DirectoryConfiguration(workingDirectory: packageRoot)
    do {
        try await configure(app, settings: settings)
        // Every page the test opens is written by LeafWriter and by LeafKit alone, and must be the same.
        let reference = try LeafReference(app)
        app.casework.leafReference = reference
        try await app.autoMigrate()
        if seed { _ = try await DemoSeeder(app: app).seed() }
        if records { _ = try await DemoRecordSeeder(app: app).seed() }
        if tool { _ = try await DemoToolSeeder(app: app).seed() }
        try await test(app)
        if !reference.mismatches.isEmpty {
            struct PagesDiffer: Error, CustomStringConvertible { let description: String }
            throw PagesDiffer(description: reference.mismatches.joined(separator: "\n"))
        }
    } catch {
        await cleanUp(app, settings: settings, directory: directory)
        throw readableDatabaseError(error)
    }
    await cleanUp(app, settings: settings, directory: directory)
}

/// PostgresNIO's errors describe themselves as "Generic description to prevent accidental leakage"; a failing test
/// should say which statement failed and why, so their full reflection is kept. Other errors pass through unchanged.
private func readableDatabaseError(_ error: any Error) -> any Error {
    guard String(describing: type(of: error)) == "PSQLError" else { return error }
    struct DatabaseFailure: Error, CustomStringConvertible { let description: String }
    return DatabaseFailure(description: String(reflecting: error))
}

private func cleanUp(_ app: Application, settings: Settings, directory: String) async {
    if let schema = settings.postgresSchema {
        _ = try? await (app.db as! any SQLDatabase).raw("DROP SCHEMA IF EXISTS \(ident: schema) CASCADE").run()
    }
    try? await app.asyncShutdown()
    try? FileManager.default.removeItem(atPath: directory)
}

/// The package root, so Leaf finds Resources/Views whatever the test runner's working directory.
let packageRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<4 { url.deleteLastPathComponent() }
    return url.path + "/"
}()

extension Application {
    var clockForTests: TestClock { casework.testClock! }

    /// Signs in through the API and returns the bearer token.
    func token(_ staffId: String, role: Role? = nil, password: String = DemoOrganisation.defaultPassword) async throws -> String {
        var body: [String: String] = ["staffId": staffId, "password": password]
        if let role { body["role"] = role.rawValue }
        let response = try await sendJSON(.POST, "/api/v1/auth/tokens", body)
        try #require(response.status == .created, "sign-in as \(staffId) failed: \(response.body.string)")
        return try response.content.decode(TokenBody.self).token
    }

    struct TokenBody: Decodable { let token: String }

    func sendJSON(_ method: HTTPMethod, _ path: String, _ body: [String: String]? = nil, token: String? = nil) async throws -> TestingHTTPResponse {
        try await testing().sendRequest(method, path) { req in
            if let body { try req.content.encode(body, as: .json) }
            if let token { req.headers.bearerAuthorization = BearerAuthorization(token: token) }
        }
    }

    func sendJSON<Body: Encodable>(_ method: HTTPMethod, _ path: String, body: Body, token: String? = nil) async throws -> TestingHTTPResponse {
        try await testing().sendRequest(method, path) { req in
            try req.content.encode(body, as: .json)
            if let token { req.headers.bearerAuthorization = BearerAuthorization(token: token) }
        }
    }

    /// Every audit event, oldest first.
    func auditEvents() async throws -> [AuditEventModel] {
        try await AuditEventModel.query(on: db).sort(\.$seq).all()
    }
}

/// A browser: keeps cookies between requests and sends forms with the page's CSRF token.
final class Browser {
    let app: Application
    var cookies: [String: String] = [:]

    init(_ app: Application) { self.app = app }

    @discardableResult
    func get(_ path: String, headers: HTTPHeaders = [:]) async throws -> TestingHTTPResponse {
        let response = try await app.testing().sendRequest(.GET, path) { req in
            req.headers = headers
            self.attachCookies(&req)
        }
        keepCookies(response)
        return response
    }

    @discardableResult
    func post(_ path: String, form: [String: String], csrf: Bool = true, extraHeaders: HTTPHeaders = [:]) async throws -> TestingHTTPResponse {
        var fields = form
        if csrf && fields["csrfToken"] == nil { fields["csrfToken"] = try await currentToken() }
        let response = try await app.testing().sendRequest(.POST, path) { req in
            req.headers = extraHeaders
            try req.content.encode(fields, as: .urlEncodedForm)
            self.attachCookies(&req)
        }
        keepCookies(response)
        return response
    }

    /// Signs in through the sign-in page.
    @discardableResult
    func signIn(_ staffId: String, password: String = DemoOrganisation.defaultPassword) async throws -> TestingHTTPResponse {
        try await get("/sign-in")
        return try await post("/sign-in", form: ["staffId": staffId, "password": password])
    }

    /// The CSRF token the current page's forms carry.
    func currentToken() async throws -> String {
        let page = try await get(cookies["casework_session"] == nil ? "/sign-in" : "/account/password")
        return try #require(Browser.csrfToken(in: page.body.string))
    }

    static func csrfToken(in html: String) -> String? {
        guard let range = html.range(of: #"name="csrfToken" value=""#) else { return nil }
        let rest = html[range.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }

    private func attachCookies(_ req: inout TestingHTTPRequest) {
        if !cookies.isEmpty {
            req.headers.replaceOrAdd(name: .cookie, value: cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))
        }
    }

    private func keepCookies(_ response: TestingHTTPResponse) {
        for header in response.headers[.setCookie] {
            let pair = header.split(separator: ";", maxSplits: 1)[0].split(separator: "=", maxSplits: 1)
            let name = String(pair[0])
            let value = pair.count > 1 ? String(pair[1]) : ""
            if value.isEmpty || header.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = value }
        }
    }
}

/// Text of the element with this id, tags stripped (enough for status bar checks).
func text(ofId id: String, in html: String) -> String? {
    guard let start = html.range(of: "id=\"\(id)\"") else { return nil }
    guard let close = html[start.upperBound...].firstIndex(of: ">") else { return nil }
    let rest = html[html.index(after: close)...]
    guard let end = rest.range(of: "</") else { return nil }
    return String(rest[..<end.lowerBound]).trimmingCharacters(in: .whitespacesAndNewlines)
}
