import Fluent
import Vapor

/// Runs a command line: builds the app from the environment, migrates where needed, and executes.
public enum CaseworkMain {
    public static func run() async throws {
        var env = try Environment.detect()
        // Logs go to standard error, so `seed --demo --json` prints nothing but JSON on standard output.
        try LoggingSystem.bootstrap(from: &env) { level in
            { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        }
        let app = try await Application.make(env)
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
