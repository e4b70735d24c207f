import Fluent
import Foundation
import Vapor

/// Runs a command line: builds the app from the environment, migrates where needed, and executes.
public enum CaseworkMain {
    /// The commands there are: anything else is refused before a database is opened or created.
    static let commands = ["serve", "seed", "migrate", "import-staff", "verify-audit", "routes"]

    /// The exit status for a command line that cannot be run as typed (sysexits' EX_USAGE).
    static let usageError: Int32 = 64

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
        if let command = env.arguments.dropFirst().first, !command.hasPrefix("-"), !commands.contains(command) {
            FileHandle.standardError.write(Data("""
                casework: there is no command "\(command)". The commands are \(commands.joined(separator: ", ")); \
                with none, casework serves. `casework --help` says more.\n
                """.utf8))
            exit(usageError)
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
        } else {
            app.logger.warning("No Resources/Views found in the working directory, beside the casework binary or in CASEWORK_HOME: pages will not render")
        }
        do {
            let settings = try Settings.fromEnvironment(environment: env)
            try await configure(app, settings: settings)
            app.asyncCommands.use(SeedCommand(), as: "seed")
            app.asyncCommands.use(ImportStaffCommand(), as: "import-staff")
            app.asyncCommands.use(VerifyAuditCommand(), as: "verify-audit")
            // Every command but `migrate` (which asks first) brings the schema up to date before it runs.
            let command = env.arguments.dropFirst().first
            if command != "migrate" && command != "--help" && command != "-h" {
                try await app.autoMigrate()
            }
            if command == nil || command == "serve" {
                // Grants read as expired at once; this records what follows (sessions ended, work returned, team
                // leaders told) within a second or two. Two indexed reads when nothing has ended.
                BackgroundJobs.schedule(.expiry, on: app, every: 1) {
                    try await GrantExpiry(app: app).runOnce()
                }
                BackgroundJobs.schedule(.outbox, on: app, every: 5) {
                    try await OutboxDelivery(app: app).runOnce()
                }
            }
            try await app.execute()
            try await app.asyncShutdown()
        } catch let exit as ExitCode {
            try? await app.asyncShutdown()
            Foundation.exit(exit.code)
        } catch let invalid as Settings.Invalid {
            app.logger.critical("Invalid setting: \(invalid.description)")
            try? await app.asyncShutdown()
            Foundation.exit(2)
        } catch {
            app.logger.report(error: error)
            try? await app.asyncShutdown()
            throw error
        }
    }
}

/// Where Casework's Resources/ and Public/ folders are: CASEWORK_HOME when set, else the working directory, else
/// the nearest folder above the binary that has them (a checkout's `.build/release/casework` finds the checkout).
enum ResourceRoot {
    static func find(environment: [String: String], executable: URL? = Bundle.main.executableURL,
                     workingDirectory: String = FileManager.default.currentDirectoryPath) -> String? {
        var candidates: [URL] = []
        if let home = environment["CASEWORK_HOME"], !home.isEmpty { candidates.append(URL(fileURLWithPath: home)) }
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
