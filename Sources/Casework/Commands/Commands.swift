import CaseworkCore
import ConsoleKit
import Crypto
import Fluent
import Foundation
import SQLKit
import Vapor

/// `casework seed --demo [--json]`: the demo organisation, idempotently.
struct SeedCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Flag(name: "demo", help: "Create the demo organisation and its accounts")
        var demo: Bool
        @Flag(name: "json", help: "Print the demo accounts as JSON instead of a table (with --scale: the benchmark manifest)")
        var json: Bool
        @Option(name: "scale", help: "Fill the database at national volume: FACTOR 1 is 50,000 staff, 1,000,000 contacts, 5,000,000 SRs, 100,000 live grants")
        var scale: String?
    }

    var help: String { "Creates the demo organisation (seeding twice changes nothing)" }

    func run(using context: CommandContext, signature: Signature) async throws {
        if let scale = signature.scale {
            try await seedScale(context.application, factor: scale, json: signature.json)
            if !signature.demo { return }
        }
        guard signature.demo else {
            printError("Say what to seed: casework seed --demo, or casework seed --scale FACTOR")
            throw ExitCode(2)
        }
        let app = context.application
        let created = try await DemoSeeder(app: app).seed()
        let clients = try await DemoRecordSeeder(app: app).seed()
        _ = try await DemoToolSeeder(app: app).seed()
        let accounts = DemoOrganisation.staff
        if signature.json {
            struct Account: Encodable {
                let staffId: String
                let name: String
                let roles: [String]
                let team: String
                let teamLeaderStaffId: String?
            }
            let list = accounts.map { Account(staffId: $0.staffId.value, name: $0.name, roles: $0.roles.map(\.rawValue), team: $0.team, teamLeaderStaffId: $0.teamLeaderStaffId?.value) }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(list), as: UTF8.self))
        } else {
            print(created == 0 && clients == 0 ? "The demo organisation was already there: nothing added."
                  : "Added \(created) demo staff and \(clients) demo clients with their cases and service requests.")
            print("Demo accounts (password: \(app.casework.settings.demoPassword == DemoOrganisation.defaultPassword ? DemoOrganisation.defaultPassword : "the value of CASEWORK_DEMO_PASSWORD")):")
            print(DemoSeeder.table(accounts))
        }
    }
}

extension SeedCommand {
    /// The national-scale data set; progress goes to standard error, the manifest (with --json) to standard output.
    func seedScale(_ app: Application, factor text: String, json: Bool) async throws {
        guard let factor = Double(text), factor > 0, factor <= 20 else {
            printError("--scale takes a factor above 0 and at most 20, like 1 (national volume) or 0.01: \(text) is not one")
            throw ExitCode(2)
        }
        let started = Date()
        var seeder = ScaleSeeder(app: app, plan: ScalePlan(factor: factor, now: app.casework.clock.now()), progress: { printError($0) })
        let added = try await seeder.seed()
        if !added, let first = try await GrantModel.find(ScalePlan.id(.liveGrant, 0), on: app.db) {
            // Seeded before: the manifest names the instant that seeding chose.
            seeder = ScaleSeeder(app: app, plan: ScalePlan(factor: factor, now: first.expiresAt.addingTimeInterval(-30 * 60)), progress: seeder.progress)
        }
        let plan = seeder.plan
        printError(added ? String(format: "Seeded the scale organisation at factor %g in %.0f s.", factor, Date().timeIntervalSince(started))
                         : "The scale organisation was already there: nothing added.")
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(ScaleManifest(plan, liveGrants: seeder.liveGrants())), as: UTF8.self))
        }
    }
}

/// `casework import-staff FILE.csv`: all rows or none.
struct ImportStaffCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "file", help: "CSV with a header: staffId,name,email,phone,team,grade,area,teamLeaderStaffId,roles (roles separated by ;)")
        var file: String
    }

    var help: String { "Imports staff from a CSV file; any bad row means nothing is imported" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        guard let data = FileManager.default.contents(atPath: signature.file) else {
            printError("Cannot read \(signature.file): check the path")
            throw ExitCode(2)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            printError("\(signature.file) is not UTF-8 text: save it as CSV (UTF-8)")
            throw ExitCode(2)
        }
        let existing = Set(try await StaffModel.query(on: app.db).all().compactMap { $0.id })
        switch StaffImport.check(csv: text, existing: { existing.contains($0.value) }) {
        case .invalid(let problems):
            for problem in problems { printError(problem.description) }
            printError("Nothing was imported: \(problems.count) row\(problems.count == 1 ? "" : "s") to fix.")
            throw ExitCode(1)
        case .valid(let profiles):
            let directory = Directory(db: app.db, lane: app.casework.lane, passwords: app.password.async, clock: app.casework.clock)
            try await directory.importProfiles(profiles, passwordHash: nil, by: .system, source: (signature.file as NSString).lastPathComponent)
            print("Imported \(profiles.count) staff. They sign in once an administrator resets their password.")
        }
    }
}

/// `casework verify-audit [--anchors FILE] --public-key FILE`: walks the hash chain; with the public key, also
/// checks every signed checkpoint (the database's and the anchor file's). Exits non-zero naming the first problem.
struct VerifyAuditCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "anchors", help: "The anchor file the server appended its signed checkpoints to (CASEWORK_AUDIT_ANCHOR_FILE)")
        var anchors: String?
        @Option(name: "public-key", help: "The PEM public key that `casework audit-key generate` wrote: checkpoints are checked with it")
        var publicKey: String?
    }

    var help: String { "Checks the audit trail's hash chain from the first event to the last, and its signed checkpoints" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let trail = AuditTrail(db: context.application.db)
        guard let keyFile = signature.publicKey else {
            if signature.anchors != nil {
                printError("--anchors needs --public-key FILE: a checkpoint is only worth its signature")
                throw ExitCode(2)
            }
            let (problem, checked) = try await trail.verify()
            if let problem {
                printError("Audit trail broken after \(checked) good event\(checked == 1 ? "" : "s"): \(problem.description)")
                throw ExitCode(1)
            }
            print("Audit trail intact: \(checked) event\(checked == 1 ? "" : "s") checked.")
            return
        }
        let key: Curve25519.Signing.PublicKey
        let anchors: [AuditCheckpoint]
        do {
            guard let pem = FileManager.default.contents(atPath: keyFile) else { throw AnchorFile.Unreadable(description: "cannot read \(keyFile)") }
            key = try Ed25519PEM.publicKey(pem: String(decoding: pem, as: UTF8.self))
            anchors = try signature.anchors.map(AnchorFile.read) ?? []
        } catch {
            printError("\(error)")
            throw ExitCode(2)
        }
        let result = try await trail.verify(anchors: anchors, key: key)
        if let problem = result.problem {
            printError("Audit trail broken: \(problem)")
            throw ExitCode(1)
        }
        print("Audit trail intact: \(result.events) event\(result.events == 1 ? "" : "s") and \(result.checkpoints) signed checkpoint\(result.checkpoints == 1 ? "" : "s") checked.")
    }
}

/// `casework audit-key generate --private FILE --public FILE`: an Ed25519 key pair for signing audit checkpoints.
struct AuditKeyCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "action", help: "generate")
        var action: String
        @Option(name: "private", help: "Where to write the private key (PEM); give it to the server as CASEWORK_AUDIT_SIGNING_KEY_FILE")
        var privateFile: String?
        @Option(name: "public", help: "Where to write the public key (PEM); keep it with the anchor file, for verify-audit")
        var publicFile: String?
    }

    var help: String { "Makes the key pair that signs the audit trail's checkpoints" }

    func run(using context: CommandContext, signature: Signature) async throws {
        guard signature.action == "generate", let privateFile = signature.privateFile, let publicFile = signature.publicFile else {
            printError("Usage: casework audit-key generate --private FILE --public FILE")
            throw ExitCode(2)
        }
        for file in [privateFile, publicFile] where FileManager.default.fileExists(atPath: file) {
            printError("\(file) already exists: a key is never overwritten (checkpoints signed with it could no longer be checked)")
            throw ExitCode(1)
        }
        let key = Curve25519.Signing.PrivateKey()
        guard FileManager.default.createFile(atPath: privateFile, contents: Data(Ed25519PEM.pem(key).utf8), attributes: [.posixPermissions: 0o600]),
              FileManager.default.createFile(atPath: publicFile, contents: Data(Ed25519PEM.pem(key.publicKey).utf8), attributes: [.posixPermissions: 0o644])
        else {
            printError("Cannot write the key files: check the folders exist and may be written")
            throw ExitCode(1)
        }
        print("Wrote the private key to \(privateFile) and the public key to \(publicFile).")
    }
}

/// `casework migrate`: brings the schema up to date, saying which migrations ran. Fluent's own command asks for
/// confirmation on the terminal, which a deployment script cannot give; landed migrations are never reverted here.
struct MigrateSchemaCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Flag(name: "yes", short: "y", help: "Accepted for scripts written for an interactive migrate; casework migrate never asks")
        var yes: Bool
    }

    var help: String { "Brings the database's schema up to date" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let pending = try await Self.pending(context.application)
        guard !pending.isEmpty else {
            print("The database is up to date: no migrations to run.")
            return
        }
        try await context.application.autoMigrate()
        print("Ran \(pending.count) migration\(pending.count == 1 ? "" : "s"): \(pending.joined(separator: ", ")).")
    }

    /// The migrations this database has not run, by name, without changing anything (not even creating Fluent's
    /// table of migrations).
    static func pending(_ app: Application) async throws -> [String] {
        let sql = app.db as! any SQLDatabase
        struct Row: Decodable { let name: String }
        let ran: Set<String>
        do {
            ran = Set(try await sql.raw("SELECT name FROM _fluent_migrations").all(decoding: Row.self).map(\.name))
        } catch {
            ran = []
        }
        return CaseworkMigrations.all.map(\.name).filter { !ran.contains($0) }
    }
}

/// A process exit code for a command that failed in a way already explained.
struct ExitCode: Error, CustomStringConvertible {
    let code: Int32
    init(_ code: Int32) { self.code = code }
    var description: String { "exit code \(code)" }
}

/// Writes a line to standard error, where an operator's script expects problems (standard output stays clean).
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// `casework scim-token create --name NAME` prints a new SCIM bearer token once (only its hash is kept);
/// `casework scim-token revoke --name NAME` ends it.
struct SCIMTokenCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "action", help: "create or revoke")
        var action: String
        @Option(name: "name", help: "The provisioning client's name, as the audit trail will show it (for example entra-id)")
        var name: String?
    }

    var help: String { "Makes or revokes the bearer token an identity provider provisions staff with (SCIM 2.0)" }

    func run(using context: CommandContext, signature: Signature) async throws {
        guard let name = signature.name?.trimmingCharacters(in: .whitespaces), !name.isEmpty, name.count <= 60,
              ["create", "revoke"].contains(signature.action) else {
            printError("Usage: casework scim-token create --name NAME, or casework scim-token revoke --name NAME")
            throw ExitCode(2)
        }
        let app = context.application
        let sql = app.db as! any SQLDatabase
        struct Row: Decodable { let id: UUID }
        let live = try await sql.raw("SELECT id FROM scim_tokens WHERE name = \(bind: name) AND revoked_at IS NULL").all(decoding: Row.self)
        let actor = Actor(staffId: nil, role: nil)
        if signature.action == "revoke" {
            guard !live.isEmpty else {
                printError("There is no live SCIM token named \(name)")
                throw ExitCode(1)
            }
            try await app.casework.lane.perform { ctx in
                try await (ctx.db as! any SQLDatabase).raw("UPDATE scim_tokens SET revoked_at = \(bind: ctx.now) WHERE name = \(bind: name) AND revoked_at IS NULL").run()
                try await ctx.audit(AuditEntry(actor, "scimToken.revoke", subjectType: "scimToken", subjectId: name, detail: "SCIM token \(name) revoked"))
            }
            print("Revoked the SCIM token \(name): it opens nothing from now on.")
            return
        }
        guard live.isEmpty else {
            printError("A live SCIM token is already named \(name): revoke it first, or choose another name")
            throw ExitCode(1)
        }
        let token = SessionStore.newToken()
        let hash = SessionStore.hash(token)
        try await app.casework.lane.perform { ctx in
            try await (ctx.db as! any SQLDatabase).raw("""
                INSERT INTO scim_tokens (id, name, token_hash, created_at) VALUES (\(bind: UUID()), \(bind: name), \(bind: hash), \(bind: ctx.now))
                """).run()
            try await ctx.audit(AuditEntry(actor, "scimToken.create", subjectType: "scimToken", subjectId: name, detail: "SCIM token \(name) created"))
        }
        // Standard output carries the token alone, so a script can capture it.
        print(token)
        printError("This is the only time the token is shown: give it to the identity provider as the SCIM secret token (Bearer).")
    }
}
