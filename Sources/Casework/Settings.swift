import CaseworkCore
import Foundation
import Vapor

/// Everything Casework reads from the environment, in one place, with safe embedded defaults.
public struct Settings: Sendable {
    /// Where the data lives.
    public enum Storage: Sendable, Equatable {
        case sqlite(path: String)
        case postgres(url: String)
    }

    public var storage: Storage
    public var demoPassword: String
    /// When true, a settable test clock replaces the system clock (never in production).
    public var testClock: Bool
    /// bcrypt cost: 12 in service; tests lower it to keep the suite fast.
    public var bcryptCost: Int
    /// How long a browser session or API token lasts.
    public var sessionLifetime: TimeInterval
    /// The most write jobs that may share one database commit.
    public var maxWriteBatch: Int
    /// PostgreSQL only: a schema to work in (created if missing), so test runs can share one database.
    public var postgresSchema: String?
    /// Where and how email goes out.
    public var mail: MailSettings
    /// The access log and /metrics.
    public var observability = ObservabilitySettings()
    /// How long a stop (SIGTERM, SIGINT) waits for requests in flight before it closes their connections.
    public var shutdownGrace: TimeInterval = 20
    /// A session or token unused for this long ends, whatever its lifetime left.
    public var sessionIdle: TimeInterval = 30 * 60
    /// The signed checkpoints that anchor the audit chain outside the database.
    public var auditAnchoring = AuditAnchorSettings()
    /// The organisation's identity provider, when staff sign in through it.
    public var oidc: OIDCSettings?
    /// SCIM groups whose names are not a role's API name, mapped to the role they give (`CASEWORK_SCIM_GROUP_ROLES`).
    public var scimGroupRoles: [String: Role] = [:]
    /// Whether staff may sign in with a Casework password: always without a provider; with one, only when
    /// `CASEWORK_PASSWORD_SIGN_IN=1`.
    public var passwordSignIn = true
    /// Whether page templates are read again on every render (`CASEWORK_TEMPLATE_RELOAD=1`), for someone editing
    /// them; otherwise each is read and parsed once. Reading and lexing them every time was a third of a page's cost.
    public var templateReload = false
    /// The most rows a part of a monitoring CSV holds (`TablePart`): a bigger table downloads in parts.
    public var csvPartRows = Settings.defaultCSVPartRows
    public static let defaultCSVPartRows = 5_000

    public init(
        storage: Storage, demoPassword: String = DemoOrganisation.defaultPassword, testClock: Bool = false,
        bcryptCost: Int = 12, sessionLifetime: TimeInterval = 10 * 3600, maxWriteBatch: Int = 64
    ) {
        self.storage = storage
        self.demoPassword = demoPassword
        self.testClock = testClock
        self.bcryptCost = bcryptCost
        self.sessionLifetime = sessionLifetime
        self.maxWriteBatch = maxWriteBatch
        self.postgresSchema = nil
        self.mail = MailSettings()
    }

    /// A setting that cannot be used, named with what to do about it.
    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    /// Reads the environment; fails loudly on a value that cannot be right.
    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment, environment: Environment) throws -> Settings {
        let storage: Storage
        if let url = env["DATABASE_URL"], !url.isEmpty {
            guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") else {
                throw Invalid(description: "DATABASE_URL must be a postgres:// or postgresql:// URL")
            }
            storage = .postgres(url: url)
        } else {
            let directory = env["CASEWORK_DATA_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? FileManager.default.currentDirectoryPath
            var isDirectory: ObjCBool = false
            if !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } else if !isDirectory.boolValue {
                throw Invalid(description: "CASEWORK_DATA_DIR \(directory) is a file, not a folder")
            }
            storage = .sqlite(path: (directory as NSString).appendingPathComponent("casework.sqlite"))
        }
        let demoPassword = env["CASEWORK_DEMO_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 } ?? DemoOrganisation.defaultPassword
        do {
            try PasswordPolicy.check(demoPassword)
        } catch {
            throw Invalid(description: "CASEWORK_DEMO_PASSWORD: \(error.fields.first?.message ?? "not allowed")")
        }
        let testClock: Bool
        switch env["CASEWORK_TEST_CLOCK"] ?? "" {
        case "", "0", "false": testClock = false
        case "1", "true": testClock = true
        case let other: throw Invalid(description: "CASEWORK_TEST_CLOCK must be 1 or 0, not \(other)")
        }
        if testClock && environment == .production {
            throw Invalid(description: "CASEWORK_TEST_CLOCK=1 is refused in production mode: the test clock would let anyone move time")
        }
        var cost = 12
        if let text = env["CASEWORK_BCRYPT_COST"], !text.isEmpty {
            guard let value = Int(text), (4...16).contains(value) else {
                throw Invalid(description: "CASEWORK_BCRYPT_COST must be a whole number from 4 to 16")
            }
            cost = value
        }
        var batch = 64
        if let text = env["CASEWORK_WRITE_BATCH"], !text.isEmpty {
            guard let value = Int(text), (1...1000).contains(value) else {
                throw Invalid(description: "CASEWORK_WRITE_BATCH must be a whole number from 1 to 1000")
            }
            batch = value
        }
        var settings = Settings(storage: storage, demoPassword: demoPassword, testClock: testClock, bcryptCost: cost, maxWriteBatch: batch)
        settings.mail = try MailSettings.fromEnvironment(env)
        settings.observability = try ObservabilitySettings.fromEnvironment(env)
        settings.shutdownGrace = TimeInterval(try wholeNumber(env, "CASEWORK_SHUTDOWN_GRACE_SECONDS", in: 0...3600, unit: "seconds") ?? 20)
        settings.sessionLifetime = TimeInterval(try wholeNumber(env, "CASEWORK_SESSION_MAX_HOURS", in: 1...24, unit: "hours") ?? 10) * 3600
        settings.sessionIdle = TimeInterval(try wholeNumber(env, "CASEWORK_SESSION_IDLE_MINUTES", in: 1...1440, unit: "minutes") ?? 30) * 60
        settings.auditAnchoring = try AuditAnchorSettings.fromEnvironment(env)
        settings.oidc = try OIDCSettings.fromEnvironment(env)
        if let text = env["CASEWORK_SCIM_GROUP_ROLES"], !text.isEmpty {
            for pair in text.split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2, !parts[0].isEmpty, let role = Role(rawValue: parts[1]) else {
                    throw Invalid(description: "CASEWORK_SCIM_GROUP_ROLES must read \"Group Name=role,...\" with roles among \(Role.allCases.map(\.rawValue).joined(separator: ", ")); \"\(pair)\" is not one")
                }
                settings.scimGroupRoles[parts[0].lowercased()] = role
            }
        }
        switch env["CASEWORK_PASSWORD_SIGN_IN"] ?? "" {
        case "": settings.passwordSignIn = settings.oidc == nil
        case "1": settings.passwordSignIn = true
        case "0": settings.passwordSignIn = false
        case let other: throw Invalid(description: "CASEWORK_PASSWORD_SIGN_IN must be 1 or 0, not \(other)")
        }
        switch env["CASEWORK_TEMPLATE_RELOAD"] ?? "" {
        case "", "0": settings.templateReload = false
        case "1": settings.templateReload = true
        case let other: throw Invalid(description: "CASEWORK_TEMPLATE_RELOAD must be 1 or 0, not \(other)")
        }
        if !settings.passwordSignIn && settings.oidc == nil {
            throw Invalid(description: "CASEWORK_PASSWORD_SIGN_IN=0 with no identity provider would let nobody sign in: set CASEWORK_OIDC_ISSUER, _CLIENT_ID and _CLIENT_SECRET")
        }
        return settings
    }

    /// A whole-number setting within its range; nil when unset.
    static func wholeNumber(_ env: [String: String], _ name: String, in range: ClosedRange<Int>, unit: String) throws -> Int? {
        guard let text = env[name], !text.isEmpty else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw Invalid(description: "\(name) must be a whole number of \(unit) from \(range.lowerBound) to \(range.upperBound), not \(text)")
        }
        return value
    }
}

/// Where the audit chain's signed checkpoints come from and go: the signing key, the log file kept on other storage,
/// and how often a checkpoint is made.
public struct AuditAnchorSettings: Sendable, Equatable {
    /// A PEM Ed25519 private key (`casework audit-key generate`); without one, no checkpoints are made.
    public var signingKeyFile: String?
    /// Checkpoints are appended here as well as to the database, one JSON line each.
    public var anchorFile: String?
    /// A checkpoint after this many events...
    public var everyEvents = 1000
    /// ...or this many seconds with new events, whichever comes first.
    public var everySeconds: TimeInterval = 60

    public init() {}

    static func fromEnvironment(_ env: [String: String]) throws -> AuditAnchorSettings {
        var settings = AuditAnchorSettings()
        settings.signingKeyFile = env["CASEWORK_AUDIT_SIGNING_KEY_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        settings.anchorFile = env["CASEWORK_AUDIT_ANCHOR_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        settings.everyEvents = try Settings.wholeNumber(env, "CASEWORK_AUDIT_CHECKPOINT_EVENTS", in: 1...10_000_000, unit: "events") ?? 1000
        settings.everySeconds = TimeInterval(try Settings.wholeNumber(env, "CASEWORK_AUDIT_CHECKPOINT_SECONDS", in: 1...86_400, unit: "seconds") ?? 60)
        if let key = settings.signingKeyFile, !FileManager.default.isReadableFile(atPath: key) {
            throw Settings.Invalid(description: "CASEWORK_AUDIT_SIGNING_KEY_FILE \(key) cannot be read: make one with `casework audit-key generate --private FILE --public FILE`")
        }
        if settings.anchorFile != nil && settings.signingKeyFile == nil {
            throw Settings.Invalid(description: "CASEWORK_AUDIT_ANCHOR_FILE is set but CASEWORK_AUDIT_SIGNING_KEY_FILE is not: checkpoints need the key that signs them")
        }
        return settings
    }
}

/// Email: the SMTP server (none means messages wait in the outbox for administrators to see), the sender, the two
/// team mailboxes the procedure writes to, and the address links in messages point at.
public struct MailSettings: Sendable, Equatable {
    public struct Server: Sendable, Equatable {
        public var host: String
        public var port: Int
    }

    public var smtp: Server?
    public var from = "casework-noreply@childmaintenance.gov.uk"
    /// "CM 2012 Scheme Special Client Records" in the procedure.
    public var scrMailbox = "cm2012.specialclientrecords@childmaintenance.gov.uk"
    /// "CMG User Provisioning" in the procedure.
    public var provisioningMailbox = "cmg.userprovisioning@childmaintenance.gov.uk"
    public var publicURL = "http://localhost:8080"

    public init(smtp: Server? = nil) { self.smtp = smtp }

    /// The domain Message-IDs are made in.
    public var mailDomain: String { String(from.split(separator: "@").last ?? "casework") }

    static func fromEnvironment(_ env: [String: String]) throws -> MailSettings {
        var mail = MailSettings()
        if let text = env["CASEWORK_SMTP_URL"], !text.isEmpty {
            guard let url = URLComponents(string: text), url.scheme == "smtp", let host = url.host, !host.isEmpty, url.path.isEmpty || url.path == "/" else {
                throw Settings.Invalid(description: "CASEWORK_SMTP_URL must look like smtp://host:port (plain SMTP, for example a relay on 127.0.0.1:25), not \(text)")
            }
            let port = url.port ?? 25
            guard (1...65535).contains(port) else { throw Settings.Invalid(description: "CASEWORK_SMTP_URL: the port must be from 1 to 65535") }
            mail.smtp = Server(host: host, port: port)
        }
        for (name, keyPath) in [("CASEWORK_MAIL_FROM", \MailSettings.from), ("CASEWORK_SCR_MAILBOX", \.scrMailbox), ("CASEWORK_PROVISIONING_MAILBOX", \.provisioningMailbox)] {
            guard let text = env[name], !text.isEmpty else { continue }
            guard EmailMessage.isPlausibleAddress(text) else { throw Settings.Invalid(description: "\(name) must be one email address, like name@example.gov.uk, not \(text)") }
            mail[keyPath: keyPath] = text
        }
        if let text = env["CASEWORK_PUBLIC_URL"], !text.isEmpty {
            guard let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw Settings.Invalid(description: "CASEWORK_PUBLIC_URL must be the address people open Casework at, like https://casework.example.gov.uk")
            }
            mail.publicURL = text.hasSuffix("/") ? String(text.dropLast()) : text
        }
        return mail
    }
}

/// What the operator sees of each request: the access log (swift-log, at a level and in a format they choose) and
/// the Prometheus metrics behind their own bearer token.
public struct ObservabilitySettings: Sendable, Equatable {
    /// Which requests get a line in the access log.
    public enum AccessLog: String, Sendable, CaseIterable {
        /// Server errors (a status of 500 or more) and slow requests. The default.
        case problems
        /// Every request.
        case all
        /// None.
        case off
    }

    /// How a line reads: `text` is swift-log's message with key=value metadata; `json` one JSON object a line.
    public enum Format: String, Sendable, CaseIterable {
        case text
        case json
    }

    public var accessLog = AccessLog.problems
    public var level = Logger.Level.notice
    public var format = Format.text
    /// A request slower than this is logged even when it succeeded.
    public var slowRequestMilliseconds = 1_000
    /// The bearer token /metrics asks for; with none, /metrics is off.
    public var metricsToken: String?

    public init() {}

    static func fromEnvironment(_ env: [String: String]) throws -> ObservabilitySettings {
        var settings = ObservabilitySettings()
        func choice<T: RawRepresentable & CaseIterable>(_ name: String, _ type: T.Type) throws -> T? where T.RawValue == String {
            guard let text = env[name], !text.isEmpty else { return nil }
            guard let value = T(rawValue: text.lowercased()) else {
                throw Settings.Invalid(description: "\(name) must be one of \(T.allCases.map(\.rawValue).joined(separator: ", ")), not \(text)")
            }
            return value
        }
        settings.accessLog = try choice("CASEWORK_ACCESS_LOG", AccessLog.self) ?? settings.accessLog
        settings.format = try choice("CASEWORK_ACCESS_LOG_FORMAT", Format.self) ?? settings.format
        settings.level = try choice("CASEWORK_ACCESS_LOG_LEVEL", Logger.Level.self) ?? settings.level
        if let text = env["CASEWORK_SLOW_REQUEST_MS"], !text.isEmpty {
            guard let value = Int(text), value > 0 else {
                throw Settings.Invalid(description: "CASEWORK_SLOW_REQUEST_MS must be a whole number of milliseconds above 0, not \(text)")
            }
            settings.slowRequestMilliseconds = value
        }
        if let token = env["CASEWORK_METRICS_TOKEN"], !token.isEmpty {
            guard token.count >= 16 else {
                throw Settings.Invalid(description: "CASEWORK_METRICS_TOKEN must be at least 16 characters: it is all that guards /metrics")
            }
            settings.metricsToken = token
        }
        return settings
    }
}

/// The organisation's OpenID Connect provider: who issues ID tokens, the client Casework is registered as, and the
/// claim naming the member of staff.
public struct OIDCSettings: Sendable, Equatable {
    public var issuer: String
    public var clientId: String
    public var clientSecret: String
    public var staffIdClaim = "staff_id"

    public init(issuer: String, clientId: String, clientSecret: String, staffIdClaim: String = "staff_id") {
        self.issuer = issuer
        self.clientId = clientId
        self.clientSecret = clientSecret
        self.staffIdClaim = staffIdClaim
    }

    /// Nil when no provider is set; all three of issuer, client ID and secret, or a clear refusal.
    static func fromEnvironment(_ env: [String: String]) throws -> OIDCSettings? {
        let names = ["CASEWORK_OIDC_ISSUER", "CASEWORK_OIDC_CLIENT_ID", "CASEWORK_OIDC_CLIENT_SECRET"]
        let values = names.map { env[$0].flatMap { $0.isEmpty ? nil : $0 } }
        if values.allSatisfy({ $0 == nil }) { return nil }
        let missing = zip(names, values).filter { $0.1 == nil }.map(\.0)
        guard missing.isEmpty else {
            throw Settings.Invalid(description: "\(missing.joined(separator: " and ")) must be set as well: an identity provider needs its issuer, client ID and client secret")
        }
        let issuer = values[0]!
        guard let url = URL(string: issuer), ["https", "http"].contains(url.scheme ?? ""), url.host != nil else {
            throw Settings.Invalid(description: "CASEWORK_OIDC_ISSUER must be the provider's issuer URL, like https://login.microsoftonline.com/TENANT/v2.0, not \(issuer)")
        }
        var settings = OIDCSettings(issuer: issuer, clientId: values[1]!, clientSecret: values[2]!)
        if let claim = env["CASEWORK_OIDC_STAFF_ID_CLAIM"], !claim.isEmpty { settings.staffIdClaim = claim }
        return settings
    }
}
