import CaseworkCore
import Crypto
import Foundation
import Testing

/// A migration that has landed is never edited: databases in service have already run it, and an edit would
/// leave them different from a new one. A change is a new migration. `landed-migrations.sha256` (beside this file,
/// in `sha256sum` format) holds the digest of every landed migration; add a line for a new migration when it lands.
@Suite("Landed migrations stay as they landed")
struct MigrationHistoryTests {
    static let folder = packageRoot + "Sources/Casework/Persistence/Migrations/"

    static func landed() throws -> [(digest: String, file: String)] {
        let text = try String(contentsOfFile: packageRoot + "Tests/CaseworkTests/landed-migrations.sha256", encoding: .utf8)
        return text.split(separator: "\n").map { line in
            let parts = line.split(separator: " ", maxSplits: 1)
            return (String(parts[0]), parts[1].trimmingCharacters(in: .whitespaces))
        }
    }

    @Test func noLandedMigrationHasBeenEdited() throws {
        for (digest, file) in try Self.landed() {
            let data = try #require(FileManager.default.contents(atPath: Self.folder + file), "\(file) has been removed: a landed migration stays")
            #expect(Hex.encode(SHA256.hash(data: data)) == digest,
                    "\(file) has changed since it landed: put the change in a new migration and restore this one")
        }
    }

    @Test func everyMigrationIsRecordedWhenItLands() throws {
        let recorded = Set(try Self.landed().map(\.file))
        let present = try FileManager.default.contentsOfDirectory(atPath: Self.folder).filter { $0.hasSuffix(".swift") }
        for file in present {
            #expect(recorded.contains(file), "\(file) is not in Tests/CaseworkTests/landed-migrations.sha256: add its sha256sum line as it lands")
        }
    }

    /// The two migrations that landed using models; they cannot be edited, so they stay as they are. A model changes
    /// with the code, and a migration that uses one runs differently as it does: 012's backfill builds rows through
    /// `AccessDecisionModel`, which since migration 018 has a column that 012 predates.
    static let landedUsingModels: Set<String> = ["003_CreateAuditTrail.swift", "012_CreateAccessDecisions.swift"]

    /// Every other migration speaks SQL and schema builders only, so it runs the same way whatever the models become.
    @Test func migrationsDoNotUseModels() throws {
        let modelTypes = try NSRegularExpression(pattern: #"\b[A-Z][A-Za-z]*Model\b"#)
        let present = try FileManager.default.contentsOfDirectory(atPath: Self.folder).filter { $0.hasSuffix(".swift") }
        for file in present where !Self.landedUsingModels.contains(file) {
            let text = try String(contentsOfFile: Self.folder + file, encoding: .utf8)
            let found = modelTypes.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { Range($0.range, in: text).map { String(text[$0]) } }
            #expect(found.isEmpty, "\(file) uses \(Set(found).sorted()): write the migration with the schema builder and SQL, which do not change with the code")
        }
    }
}
