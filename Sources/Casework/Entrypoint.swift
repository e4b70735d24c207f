import Fluent
import Foundation
import Vapor

/// Runs a command line: builds the app from the environment, migrates where needed, and executes.
public enum CaseworkMain {
    /// The commands there are, with what each does: anything else is refused before a database is opened or created.
    static let commands: KeyValuePairs<String, String> = [
        "serve": "serves Casework (the default; migrates the database first unless CASEWORK_MIGRATE=0)",
        "migrate": "brings the database's schema up to date",
        "seed": "adds the demo organisation (--demo) or the national-scale data set (--scale FACTOR)",
        "import-staff": "imports staff from a CSV file; any bad row means nothing is imported",
        "verify-audit": "checks the audit trail's hash chain and, with --public-key, its signed checkpoints",
        "scim-token": "makes or revokes an identity provider's provisioning token: scim-token create --name NAME",
        "audit-key": "makes the key pair that signs audit checkpoints: audit-key generate --private FILE --public FILE",
        "backup": "copies the SQLite database while it serves: backup --to FILE",
        "restore": "puts a backup whose audit trail verifies in place of the SQLite database: restore --from FILE",
        "routes": "lists the HTTP routes",
    ]
    static var commandNames: [String] { commands.map(\.key) }

    /// Commands that work on files alone: the configured database is never opened for them.
    static let offline: Set<String> = ["audit-key", "restore"]
    /// Commands that may meet a database whose schema is behind: they change it, or never read it.
    static let schemaChanging: Set<String> = ["serve", "migrate", "routes"]

    /// The exit status for a command line that cannot be run as typed.
    static let usageError: Int32 = 2

    static var usage: String {
        let width = commandNames.map(\.count).max() ?? 0
        return "Usage: casework [COMMAND] [OPTIONS]\n\nCommands:\n"
            + commands.map { "  \($0.key.padding(toLength: width, withPad: " ", startingAt: 0))  \($0.value)" }.joined(separator: "\n")
            + "\n\n`casework COMMAND --help` lists a command's options.\n"
    }

    /// The process's whole life: a refusal is a sentence on standard error and an exit status, never a crash.
    public static func main() async {
        do {
            try await run()
        } catch {
            FileHandle.standardError.write(Data("casework: \(error)\n".utf8))
            exit(1)
        }
    }

    public static func run() async throws {
        var env = try Environment.detect()
        let arguments = Array(env.arguments.dropFirst())
        let command = arguments.first.flatMap { $0.hasPrefix("-") ? nil : $0 } ?? "serve"
        let wantsHelp = arguments.contains("--help") || arguments.contains("-h")
        if !commandNames.contains(command) {
            printError("casework: there is no command \"\(command)\".\n\n\(usage)")
            exit(usageError)
        }
        if arguments.first == "--help" || arguments.first == "-h" {
            print(usage)
            return
        }
        // Logs go to standard error, so `seed --demo --json` prints nothing but JSON on standard output.
        try LoggingSystem.bootstrap(from: &env) { level in
            { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        }
        let app = try await Application.make(env)
        // Templates and public files are found beside the binary's checkout or install, not only in the working
        // directory, so a service manager may start Casework from anywhere.
        if let root = ResourceRoot.find(environment: ProcessInfo.processInfo.environment) {
            app.directory = DirectoryConfiguration(workingDirectory: root)
        } else if command == "serve" && !wantsHelp {
            app.logger.critical("""
                Casework's templates (Resources/Views) were not found in CASEWORK_RESOURCES_DIR, CASEWORK_HOME, the working \
                directory or beside the casework binary: set CASEWORK_RESOURCES_DIR to the folder that holds Resources/ and Public/
                """)
            try? await app.asyncShutdown()
            exit(1)
        }
        registerCommands(app)
        do {
            // A command's --help, or one that works on files, never opens (or creates) the configured database.
            if wantsHelp || offline.contains(command) {
                try await app.execute()
                try await app.asyncShutdown()
                return
            }
            try checkFlags(command: command, arguments: arguments)
            let settings = try Settings.fromEnvironment(environment: env)
            if case .sqlite(let path) = settings.storage, !schemaChanging.contains(command), !FileManager.default.fileExists(atPath: path) {
                printError("casework \(command): there is no database at \(path) yet. Run `casework migrate` first (or set CASEWORK_DATA_DIR to where it is).")
                throw ExitCode(1)
            }
            try await configure(app, settings: settings)
            registerCommands(app)
            try await bringSchemaUpToDate(app, command: command)
            if command == "serve" {
                try await startServing(app, settings: settings)
            }
            try await app.execute()
            if command == "serve", await !GracefulShutdown.stopServing(app) {
                // Requests are still running past the grace time: closing the databases under them would crash them.
                // The process's exit closes their connections instead; every write acknowledged so far is committed.
                Foundation.exit(0)
            }
            try await app.asyncShutdown()
        } catch let exit as ExitCode {
            try? await app.asyncShutdown()
            Foundation.exit(exit.code)
        } catch let invalid as Settings.Invalid {
            app.logger.critical("Invalid setting: \(invalid.description)")
            try? await app.asyncShutdown()
            Foundation.exit(2)
        } catch let bad as CommandError {
            printError("casework \(command): \(bad). `casework \(command) --help` lists its options.\n\n\(usage)")
            try? await app.asyncShutdown()
            Foundation.exit(usageError)
        } catch {
            app.logger.report(error: error)
            try? await app.asyncShutdown()
            throw error
        }
    }

    private static func registerCommands(_ app: Application) {
        app.asyncCommands.use(SeedCommand(), as: "seed")
        app.asyncCommands.use(MigrateSchemaCommand(), as: "migrate")
        app.asyncCommands.use(ImportStaffCommand(), as: "import-staff")
        app.asyncCommands.use(VerifyAuditCommand(), as: "verify-audit")
        app.asyncCommands.use(AuditKeyCommand(), as: "audit-key")
        app.asyncCommands.use(SCIMTokenCommand(), as: "scim-token")
        app.asyncCommands.use(BackupCommand(), as: "backup")
        app.asyncCommands.use(RestoreCommand(), as: "restore")
    }

    /// A bad flag is refused before the database is opened: the command's signature reads the arguments first, as
    /// ConsoleKit does when it runs the command.
    private static func checkFlags(command: String, arguments: [String]) throws {
        var input = CommandInput(arguments: ["casework"] + (arguments.first == command ? Array(arguments.dropFirst()) : arguments))
        func check<S: CommandSignature>(_: S.Type) throws {
            _ = try S(from: &input)
            guard input.arguments.isEmpty else { throw CommandError.unknownInput(input.arguments.joined(separator: " ")) }
        }
        switch command {
        case "serve": try check(ServeCommand.Signature.self)
        case "migrate": try check(MigrateSchemaCommand.Signature.self)
        case "seed": try check(SeedCommand.Signature.self)
        case "import-staff": try check(ImportStaffCommand.Signature.self)
        case "verify-audit": try check(VerifyAuditCommand.Signature.self)
        case "backup": try check(BackupCommand.Signature.self)
        case "scim-token": try check(SCIMTokenCommand.Signature.self)
        default: break
        }
    }

    /// Only `migrate`, and `serve` unless CASEWORK_MIGRATE=0, change the schema; every other command refuses a
    /// database that is behind, rather than changing it unasked.
    private static func bringSchemaUpToDate(_ app: Application, command: String) async throws {
        if command == "serve" {
            let setting = ProcessInfo.processInfo.environment["CASEWORK_MIGRATE"] ?? "1"
            guard ["0", "1", ""].contains(setting) else { throw Settings.Invalid(description: "CASEWORK_MIGRATE must be 1 or 0, not \(setting)") }
            if setting != "0" {
                try await app.autoMigrate()
                return
            }
        }
        guard !schemaChanging.contains(command) || command == "serve" else { return }
        let pending = try await MigrateSchemaCommand.pending(app)
        if !pending.isEmpty {
            printError("""
                casework \(command): the database is not up to date (\(pending.count) migration\(pending.count == 1 ? "" : "s") to run, \
                starting with \(pending[0])). Run `casework migrate` first.
                """)
            throw ExitCode(1)
        }
    }

    /// The background jobs, the graceful stop's grace time and the audit checkpoints of a serving process.
    private static func startServing(_ app: Application, settings: Settings) async throws {
        GracefulShutdown.configure(app, grace: settings.shutdownGrace)
        // Grants read as expired at once; this records what follows (sessions ended, work returned, team
        // leaders told) from the instant the next grant ends, or within a second of a removal. Three indexed reads
        // when nothing has ended. Moving the test clock wakes it as the real clock's passing would.
        BackgroundJobs.schedule(.expiry, on: app, every: 1, alarm: app.casework.expiryAlarm) {
            let expiry = GrantExpiry(app: app)
            try await expiry.runOnce()
            return try await expiry.secondsUntilNextEnd()
        }
        // The WAL is copied back into the database file here, five times a second, rather than in the commit of
        // whichever lane batch takes it past 1,000 pages.
        if let checkpointer = app.casework.walCheckpointer {
            try checkpointer.takeOverFromTheLane()
            BackgroundJobs.schedule(.walCheckpoint, on: app, every: 0.2) {
                _ = try await app.threadPool.runIfActive { try checkpointer.checkpoint() }
            }
        }
        BackgroundJobs.schedule(.outbox, on: app, every: 5) {
            try await OutboxDelivery(app: app).runOnce()
        }
        if let checkpointer = try AuditCheckpointer(db: app.db, settings: settings.auditAnchoring, clock: app.casework.clock) {
            BackgroundJobs.schedule(.auditCheckpoint, on: app, every: 1) {
                try await checkpointer.checkpointIfDue()
            }
            GracefulShutdown.finalCheckpoint(app, checkpointer)
        }
    }
}

/// Where Casework's Resources/ and Public/ folders are: CASEWORK_RESOURCES_DIR (or CASEWORK_HOME) when set, else the
/// working directory, else
/// the nearest folder above the binary that has them (a checkout's `.build/release/casework` finds the checkout).
enum ResourceRoot {
    static func find(environment: [String: String], executable: URL? = Bundle.main.executableURL,
                     workingDirectory: String = FileManager.default.currentDirectoryPath) -> String? {
        // An explicit setting is the only place looked: a wrong one is refused, never silently replaced.
        for name in ["CASEWORK_RESOURCES_DIR", "CASEWORK_HOME"] {
            if let folder = environment[name], !folder.isEmpty {
                let url = URL(fileURLWithPath: folder)
                return hasViews(url) ? (url.path.hasSuffix("/") ? url.path : url.path + "/") : nil
            }
        }
        var candidates: [URL] = []
        candidates.append(URL(fileURLWithPath: workingDirectory))
        if var folder = executable?.resolvingSymlinksInPath().deletingLastPathComponent() {
            for _ in 0..<5 {
                candidates.append(folder)
                folder.deleteLastPathComponent()
            }
        }
        return candidates.first { hasViews($0) }.map { $0.path.hasSuffix("/") ? $0.path : $0.path + "/" }
    }

    static func hasViews(_ folder: URL) -> Bool {
        var isFolder: ObjCBool = false
        return FileManager.default.fileExists(atPath: folder.appendingPathComponent("Resources/Views").path, isDirectory: &isFolder) && isFolder.boolValue
    }
}
