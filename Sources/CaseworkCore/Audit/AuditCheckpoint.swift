import Crypto
import Foundation

/// A signed statement that the audit chain reached event `seq` with hash `hash` at `at`. The hash chain alone
/// shows an edited or reordered event; it cannot show its own newest events cut off and the head reset. A checkpoint
/// kept outside the database, signed with a key the database's owner does not hold, can (NIST AU-9(3), AU-10).
public struct AuditCheckpoint: Sendable, Equatable, Codable {
    public var seq: Int
    public var hash: String
    /// UTC instant, as `CaseworkTime.iso8601Millis`.
    public var at: String
    /// Ed25519 over `signedBytes`, base64.
    public var signature: String

    public init(seq: Int, hash: String, at: String, signature: String) {
        self.seq = seq
        self.hash = hash
        self.at = at
        self.signature = signature
    }

    /// What is signed: a fixed label and version, so a signature over anything else can never pass for a checkpoint.
    public static func signedBytes(seq: Int, hash: String, at: String) -> Data {
        Data("casework-audit-checkpoint/1\n\(seq)\n\(hash)\n\(at)".utf8)
    }

    public static func sign(seq: Int, hash: String, at: String, with key: Curve25519.Signing.PrivateKey) throws -> AuditCheckpoint {
        let signature = try key.signature(for: signedBytes(seq: seq, hash: hash, at: at))
        return AuditCheckpoint(seq: seq, hash: hash, at: at, signature: Data(signature).base64EncodedString())
    }

    public func isSigned(by key: Curve25519.Signing.PublicKey) -> Bool {
        guard let bytes = Data(base64Encoded: signature) else { return false }
        return key.isValidSignature(bytes, for: Self.signedBytes(seq: seq, hash: hash, at: at))
    }
}

/// Ed25519 keys as PEM (PKCS #8 and SubjectPublicKeyInfo, RFC 8410), the form OpenSSL reads and writes. swift-crypto
/// has no PEM for Curve25519; the DER of an Ed25519 key is a fixed prefix and the 32 key bytes.
public enum Ed25519PEM {
    private static let privatePrefix: [UInt8] = [0x30, 0x2E, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]
    private static let publicPrefix: [UInt8] = [0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00]

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    public static func pem(_ key: Curve25519.Signing.PrivateKey) -> String {
        armour(privatePrefix + key.rawRepresentation, label: "PRIVATE KEY")
    }

    public static func pem(_ key: Curve25519.Signing.PublicKey) -> String {
        armour(publicPrefix + key.rawRepresentation, label: "PUBLIC KEY")
    }

    public static func privateKey(pem: String) throws -> Curve25519.Signing.PrivateKey {
        let der = try unarmour(pem, label: "PRIVATE KEY")
        guard der.count == privatePrefix.count + 32, Array(der.prefix(privatePrefix.count)) == privatePrefix else {
            throw Invalid(description: "not an Ed25519 private key (PKCS #8): make one with `casework audit-key generate`")
        }
        return try Curve25519.Signing.PrivateKey(rawRepresentation: der.suffix(32))
    }

    public static func publicKey(pem: String) throws -> Curve25519.Signing.PublicKey {
        let der = try unarmour(pem, label: "PUBLIC KEY")
        guard der.count == publicPrefix.count + 32, Array(der.prefix(publicPrefix.count)) == publicPrefix else {
            throw Invalid(description: "not an Ed25519 public key: use the --public file `casework audit-key generate` wrote")
        }
        return try Curve25519.Signing.PublicKey(rawRepresentation: der.suffix(32))
    }

    private static func armour(_ der: [UInt8], label: String) -> String {
        let body = Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return "-----BEGIN \(label)-----\n\(body)\n-----END \(label)-----\n"
    }

    private static func unarmour(_ pem: String, label: String) throws -> [UInt8] {
        let lines = pem.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let begin = lines.firstIndex(of: "-----BEGIN \(label)-----"), let end = lines.firstIndex(of: "-----END \(label)-----"), begin < end,
              let der = Data(base64Encoded: lines[(begin + 1)..<end].joined()) else {
            throw Invalid(description: "not a PEM \(label.lowercased()) (expected -----BEGIN \(label)-----)")
        }
        return Array(der)
    }
}

/// Checks a chain against its checkpoints: every checkpoint must be signed by the key, and the chain must still hold
/// the event each names, with the same hash. The chain's own links are `AuditChain.Verifier`'s business.
public enum AuditAnchors {
    /// Where a checkpoint was read from, so a failure says which copy to look at.
    public enum Source: String, Sendable {
        case anchorFile = "the anchor file"
        case database = "the database"
    }

    public enum Break: Sendable, Equatable, CustomStringConvertible {
        /// The checkpoint's signature does not verify with the key: forged or altered.
        case forged(seq: Int, at: String, source: Source)
        /// The chain ends before a checkpoint's event: the events after `lastSeq` up to the checkpoint are missing.
        case missing(from: Int, through: Int, checkpointAt: String)
        /// The chain has the checkpoint's event, with another hash: it, or one before it, was rewritten.
        case rewritten(seq: Int, checkpointAt: String)

        public var description: String {
            switch self {
            case .forged(let seq, let at, let source):
                "the checkpoint of event \(seq) at \(at) in \(source.rawValue) is not signed by this key: it was forged or altered"
            case .missing(let from, let through, let at):
                from == through
                    ? "event \(from) is missing: the checkpoint signed at \(at) covers it"
                    : "events \(from) to \(through) are missing: the checkpoint signed at \(at) covers them"
            case .rewritten(let seq, let at):
                "event \(seq) does not have the hash signed at \(at): it, or an event before it, was rewritten"
            }
        }
    }

    /// The first problem, checking every checkpoint. `hashes` holds the chain's hash at each checkpoint's seq that
    /// the chain still has; `lastSeq` is the chain's last event.
    public static func check(_ checkpoints: [(AuditCheckpoint, Source)], key: Curve25519.Signing.PublicKey,
                             lastSeq: Int, hashes: [Int: String]) -> Break? {
        let signed = checkpoints.sorted { $0.0.seq < $1.0.seq }
        for (checkpoint, source) in signed where !checkpoint.isSigned(by: key) {
            return .forged(seq: checkpoint.seq, at: checkpoint.at, source: source)
        }
        for (checkpoint, _) in signed {
            if checkpoint.seq > lastSeq {
                // The furthest checkpoint names the whole gap.
                let furthest = signed.last!.0
                return .missing(from: lastSeq + 1, through: furthest.seq, checkpointAt: furthest.at)
            }
            if hashes[checkpoint.seq] != checkpoint.hash {
                return .rewritten(seq: checkpoint.seq, checkpointAt: checkpoint.at)
            }
        }
        return nil
    }
}
