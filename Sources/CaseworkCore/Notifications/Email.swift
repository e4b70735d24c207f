import Foundation

/// One plain-text email as Casework sends it. Header values are made single-line on the way in, so nothing
/// a person typed can add a header (no header injection).
public struct EmailMessage: Sendable, Equatable {
    public let id: UUID
    public let from: String
    public let to: String
    public let subject: String
    public let body: String
    public let date: Date

    public init(id: UUID, from: String, to: String, subject: String, body: String, date: Date) {
        self.id = id
        self.from = Self.singleLine(from)
        self.to = Self.singleLine(to)
        self.subject = Self.singleLine(subject)
        self.body = body
        self.date = date
    }

    static func singleLine(_ text: String) -> String {
        String(text.map { $0.isNewline || $0 == "\t" ? " " : $0 })
    }

    /// The message as RFC 5322 text with CRLF line ends, ready for SMTP DATA (dot-stuffed, so a line holding
    /// a single "." cannot end the message early). The terminating "." line is not included.
    public func smtpData(mailDomain: String) -> String {
        var lines = [
            "From: Casework <\(from)>",
            "To: <\(to)>",
            "Subject: \(subject)",
            "Date: \(Self.rfc5322Date(date))",
            "Message-ID: <\(id.text.lowercased())@\(mailDomain)>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
            "",
        ]
        let bodyLines = body.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            .split(separator: "\n", omittingEmptySubsequences: false)
        lines += bodyLines.map { $0.hasPrefix(".") ? "." + $0 : String($0) }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// "Sun, 22 Nov 2026 21:07:06 +0000".
    public static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }

    /// A plausible single address: something@domain, no spaces or angle brackets. Directory emails and
    /// mailbox settings are checked with it before anything is queued or sent.
    public static func isPlausibleAddress(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix(".") else { return false }
        return !text.contains { $0.isWhitespace || "<>,;\"()[]\\".contains($0) || !$0.isASCII }
    }
}

/// One SMTP reply: a three-digit code and its text lines.
public struct SMTPReply: Sendable, Equatable {
    public let code: Int
    public let lines: [String]

    public var text: String { lines.joined(separator: " ") }
}

/// Turns the bytes an SMTP server sends into whole replies. A reply may span several lines ("250-..." then
/// "250 ...") and arrive in any number of reads.
public struct SMTPReplyParser: Sendable {
    private var pending: [UInt8] = []
    private var lines: [String] = []

    public init() {}

    public struct Malformed: Error, CustomStringConvertible {
        public let line: String
        public var description: String { "The mail server sent a line that is not an SMTP reply: \(line)" }
    }

    /// Feeds received bytes; returns every reply they complete.
    public mutating func feed(_ bytes: some Sequence<UInt8>) throws -> [SMTPReply] {
        pending.append(contentsOf: bytes)
        var replies: [SMTPReply] = []
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            var lineBytes = pending[..<newline]
            if lineBytes.last == UInt8(ascii: "\r") { lineBytes = lineBytes.dropLast() }
            let line = String(decoding: lineBytes, as: UTF8.self)
            pending.removeSubrange(...newline)
            let digits = line.prefix(3)
            guard digits.count == 3, let code = Int(digits) else { throw Malformed(line: line) }
            let separator = line.dropFirst(3).first
            guard separator == nil || separator == " " || separator == "-" else { throw Malformed(line: line) }
            lines.append(String(line.dropFirst(4)))
            if separator != "-" {
                replies.append(SMTPReply(code: code, lines: lines))
                lines = []
            }
        }
        return replies
    }
}

/// When the outbox tries a message again after a failure: 30 seconds, doubling each time, never more than an
/// hour apart. It never gives up: a message is kept until it is delivered.
public enum OutboxRetry {
    public static let first: TimeInterval = 30
    public static let longest: TimeInterval = 3600

    /// The wait after the given number of failed attempts (1 for the first failure).
    public static func delay(afterFailedAttempts attempts: Int) -> TimeInterval {
        guard attempts > 0 else { return 0 }
        let doublings = min(attempts - 1, 20)
        return min(first * pow(2, Double(doublings)), longest)
    }
}

/// When the "ending soon" reminder goes: 15 minutes before expiry, or a quarter of the grant before it for
/// grants shorter than an hour, so a short grant is not "ending soon" from its first minute.
public enum GrantReminder {
    public static let lead: TimeInterval = 15 * 60

    public static func lead(grantedAt: Date, expiresAt: Date) -> TimeInterval {
        let length = expiresAt.timeIntervalSince(grantedAt)
        return length >= 3600 ? lead : (length / 4).rounded(.down)
    }

    /// The instant the reminder falls due: the lead before the end.
    public static func dueAt(grantedAt: Date, expiresAt: Date) -> Date {
        expiresAt.addingTimeInterval(-lead(grantedAt: grantedAt, expiresAt: expiresAt))
    }

    public static func isDue(at now: Date, grantedAt: Date, expiresAt: Date) -> Bool {
        now < expiresAt && expiresAt.timeIntervalSince(now) <= lead(grantedAt: grantedAt, expiresAt: expiresAt)
    }
}
