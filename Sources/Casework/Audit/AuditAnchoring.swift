import CaseworkCore
import Crypto
import Fluent
import Foundation
import SQLKit

/// Makes the audit chain's signed checkpoints: every `everyEvents` events or `everySeconds` seconds with new events,
/// whichever comes first, the chain head is signed and the checkpoint written to the database and appended to the
/// anchor file (meant to live on other storage). Several servers may each checkpoint: one row per event, whoever
/// wrote it first.
struct AuditCheckpointer: Sendable {
    let db: any Database
    let key: Curve25519.Signing.PrivateKey
    let settings: AuditAnchorSettings
    let clock: any CaseworkClock

    /// Nil when no signing key is set (no anchoring); fails when the key file is not an Ed25519 key.
    init?(db: any Database, settings: AuditAnchorSettings, clock: any CaseworkClock) throws {
        guard let file = settings.signingKeyFile else { return nil }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw Settings.Invalid(description: "CASEWORK_AUDIT_SIGNING_KEY_FILE \(file) cannot be read")
        }
        do {
            key = try Ed25519PEM.privateKey(pem: String(decoding: data, as: UTF8.self))
        } catch {
            throw Settings.Invalid(description: "CASEWORK_AUDIT_SIGNING_KEY_FILE \(file): \(error)")
        }
        self.db = db
        self.settings = settings
        self.clock = clock
    }

    /// Signs the head when enough events or time have passed since the last checkpoint; `force` signs any new events
    /// (a polite stop leaves no unanchored tail). Returns the checkpoint made, if any.
    @discardableResult
    func checkpointIfDue(force: Bool = false) async throws -> AuditCheckpoint? {
        let sql = db as! any SQLDatabase
        struct Head: Decodable { let last_seq: Int; let last_hash: String }
        struct Last: Decodable { let seq: Int; let at: String }
        guard let head = try await sql.raw("SELECT last_seq, last_hash FROM audit_chain_head WHERE id = 1").first(decoding: Head.self),
              head.last_seq > 0 else { return nil }
        let last = try await sql.raw("SELECT seq, at FROM audit_checkpoints ORDER BY seq DESC LIMIT 1").first(decoding: Last.self)
        let now = clock.now()
        let newEvents = head.last_seq - (last?.seq ?? 0)
        guard newEvents > 0 else { return nil }
        let lastAt = last.flatMap { CaseworkTime.parse($0.at) } ?? .distantPast
        guard force || newEvents >= settings.everyEvents || now.timeIntervalSince(lastAt) >= settings.everySeconds else { return nil }
        let checkpoint = try AuditCheckpoint.sign(seq: head.last_seq, hash: head.last_hash, at: CaseworkTime.iso8601Millis(now), with: key)
        // The file first: a checkpoint the database has and the anchor file lacks would be the one a tamperer could
        // remove unseen.
        if let file = settings.anchorFile { try AnchorFile.append(checkpoint, to: file) }
        try await sql.raw("""
            INSERT INTO audit_checkpoints (seq, hash, at, signature) VALUES (\(bind: checkpoint.seq), \(bind: checkpoint.hash), \
            \(bind: checkpoint.at), \(bind: checkpoint.signature)) ON CONFLICT (seq) DO NOTHING
            """).run()
        return checkpoint
    }

    /// The checkpoints the database holds, oldest first.
    static func stored(on db: any Database) async throws -> [AuditCheckpoint] {
        try await (db as! any SQLDatabase).raw("SELECT seq, hash, at, signature FROM audit_checkpoints ORDER BY seq")
            .all(decoding: AuditCheckpoint.self)
    }
}

/// The anchor file: one checkpoint a line, as JSON, appended and flushed to disk before the database row is written.
enum AnchorFile {
    struct Unreadable: Error, CustomStringConvertible { let description: String }

    static func append(_ checkpoint: AuditCheckpoint, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let line = try encoder.encode(checkpoint) + Data("\n".utf8)
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o640]) else {
                throw Unreadable(description: "cannot create the audit anchor file \(path)")
            }
        }
        guard let handle = FileHandle(forWritingAtPath: path) else { throw Unreadable(description: "cannot write the audit anchor file \(path)") }
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: line)
        try handle.synchronize()
    }

    /// Every checkpoint in the file; a line that is not one is named, never skipped.
    static func read(_ path: String) throws -> [AuditCheckpoint] {
        guard let data = FileManager.default.contents(atPath: path) else { throw Unreadable(description: "cannot read the anchor file \(path)") }
        var checkpoints: [AuditCheckpoint] = []
        for (index, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            guard let checkpoint = try? JSONDecoder().decode(AuditCheckpoint.self, from: Data(line.utf8)) else {
                throw Unreadable(description: "line \(index + 1) of \(path) is not a checkpoint: the file was damaged or edited")
            }
            checkpoints.append(checkpoint)
        }
        return checkpoints
    }
}
