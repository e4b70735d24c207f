import CaseworkCore
import ConsoleKit
import Fluent
import FluentSQLiteDriver
import Foundation
import SQLKit
import Vapor

/// `casework backup --to FILE`: a consistent copy of the SQLite database, taken while Casework serves. `VACUUM INTO`
/// reads one snapshot (WAL lets writers carry on meanwhile) and writes a compact, self-contained file. The copy's
/// audit chain is checked before the command says it is done. PostgreSQL has its own tools: see the README.
struct BackupCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "to", help: "The file to write the copy to (it must not exist yet)")
        var to: String?
    }

    var help: String { "Copies the SQLite database while it serves, and checks the copy's audit trail" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        guard let target = signature.to, !target.isEmpty else {
            printError("Usage: casework backup --to FILE")
            throw ExitCode(2)
        }
        guard case .sqlite = app.casework.settings.storage else {
            printError("casework backup copies the embedded SQLite database. For PostgreSQL use pg_dump --format=custom, then pg_restore into a new database and run casework verify-audit against it (see the README).")
            throw ExitCode(2)
        }
        guard !FileManager.default.fileExists(atPath: target) else {
            printError("\(target) already exists: a backup never overwrites a file")
            throw ExitCode(1)
        }
        let started = Date()
        try await (app.db as! any SQLDatabase).raw("VACUUM INTO \(bind: target)").run()
        let copy = try await SQLiteCopy.check(target, on: app)
        guard copy.problem == nil else {
            printError("The copy at \(target) does not check out: \(copy.problem!). It was kept for inspection; do not rely on it.")
            throw ExitCode(1)
        }
        print(String(format: "Backed up to %@ in %.1f s: %d audit events, chain intact.", target, Date().timeIntervalSince(started), copy.events))
    }
}

/// `casework restore --from FILE`: puts a backup in place of the SQLite database, after checking the backup's
/// integrity and audit chain; a copy that fails either is refused. The database it replaces is kept beside it, so
/// nothing is lost. Run it with Casework stopped: it works on files, never through a running server.
struct RestoreCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "from", help: "The backup file `casework backup --to` wrote")
        var from: String?
    }

    var help: String { "Restores the SQLite database from a backup whose audit trail verifies (stop Casework first)" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        guard let source = signature.from, !source.isEmpty else {
            printError("Usage: casework restore --from FILE")
            throw ExitCode(2)
        }
        let settings = try Settings.fromEnvironment(environment: app.environment)
        guard case .sqlite(let live) = settings.storage else {
            printError("casework restore restores the embedded SQLite database. For PostgreSQL use pg_restore into a new database, then casework verify-audit against it (see the README).")
            throw ExitCode(2)
        }
        guard FileManager.default.fileExists(atPath: source) else {
            printError("\(source) does not exist: give the file `casework backup --to` wrote")
            throw ExitCode(2)
        }
        let copy = try await SQLiteCopy.check(source, on: app)
        if let problem = copy.problem {
            printError("Refused: \(source) \(problem). The database was not changed.")
            throw ExitCode(1)
        }
        let files = FileManager.default
        var keptAs: String?
        if files.fileExists(atPath: live) {
            let stamp = CaseworkTime.iso8601Millis(Date()).replacingOccurrences(of: ":", with: "")
            keptAs = live + ".before-restore-" + stamp
            try files.moveItem(atPath: live, toPath: keptAs!)
            for suffix in ["-wal", "-shm"] where files.fileExists(atPath: live + suffix) {
                try files.moveItem(atPath: live + suffix, toPath: keptAs! + suffix)
            }
        }
        let staging = live + ".restoring"
        try? files.removeItem(atPath: staging)
        try files.copyItem(atPath: source, toPath: staging)
        try files.moveItem(atPath: staging, toPath: live)
        print("Restored \(live) from \(source): \(copy.events) audit events, chain intact."
              + (keptAs.map { " The database it replaced is kept at \($0)." } ?? ""))
    }
}

/// Opens a SQLite file beside the live database, read-only in spirit, and checks it whole.
enum SQLiteCopy {
    struct Checked {
        var events: Int
        /// What is wrong with it, said as the end of a sentence about the file; nil when it checks out.
        var problem: String?
    }

    static func check(_ path: String, on app: Application) async throws -> Checked {
        let id = DatabaseID(string: "copy-" + UUID().text)
        app.databases.use(.sqlite(.file(path)), as: id, isDefault: false)
        defer { app.databases.reinitialize(id) }
        guard let db = app.databases.database(id, logger: app.logger, on: app.eventLoopGroup.any()) else {
            return Checked(events: 0, problem: "cannot be opened")
        }
        let sql = db as! any SQLDatabase
        struct Row: Decodable { let integrity_check: String }
        do {
            let integrity = try await sql.raw("PRAGMA integrity_check").all(decoding: Row.self).map(\.integrity_check)
            guard integrity == ["ok"] else { return Checked(events: 0, problem: "fails SQLite's integrity check: \(integrity.prefix(3).joined(separator: "; "))") }
        } catch {
            return Checked(events: 0, problem: "is not a SQLite database")
        }
        do {
            let (problem, checked) = try await AuditTrail(db: db).verify()
            if let problem { return Checked(events: checked, problem: "has a broken audit trail: \(problem.description)") }
            return Checked(events: checked, problem: nil)
        } catch {
            return Checked(events: 0, problem: "is not a Casework database (it has no audit trail)")
        }
    }
}
