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
        return Settings(storage: storage, demoPassword: demoPassword, testClock: testClock, bcryptCost: cost, maxWriteBatch: batch)
    }
}
