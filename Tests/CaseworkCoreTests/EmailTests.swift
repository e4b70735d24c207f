import Foundation
import Testing
@testable import CaseworkCore

struct EmailMessageTests {
    static func message(subject: String = "Casework: request CSUA-1 awaits you", body: String) -> EmailMessage {
        EmailMessage(id: UUID(uuidString: "00000000-0000-0000-0000-00000000000A")!, from: "casework@example.gov.uk", to: "sarah.whitfield@example.gov.uk",
                     subject: subject, body: body, date: utcInstant(2026, 11, 22, 9, 5, 7))
    }

    @Test func rendersHeadersThenTheBodyWithCRLFLineEnds() {
        let data = Self.message(body: "First line\nSecond line").smtpData(mailDomain: "example.gov.uk")
        #expect(data.hasPrefix("From: Casework <casework@example.gov.uk>\r\nTo: <sarah.whitfield@example.gov.uk>\r\nSubject: Casework: request CSUA-1 awaits you\r\n"))
        #expect(data.contains("Date: Sun, 22 Nov 2026 09:05:07 +0000\r\n"))
        #expect(data.contains("Message-ID: <00000000-0000-0000-0000-00000000000a@example.gov.uk>\r\n"))
        #expect(data.hasSuffix("\r\n\r\nFirst line\r\nSecond line\r\n"))
        #expect(!data.replacingOccurrences(of: "\r\n", with: "").contains("\n"), "every line ends CRLF")
    }

    @Test func aLineStartingWithADotIsStuffedSoItCannotEndTheMessage() {
        let data = Self.message(body: "Before\n.\n.hidden\nAfter").smtpData(mailDomain: "example.gov.uk")
        #expect(data.contains("\r\nBefore\r\n..\r\n..hidden\r\nAfter\r\n"))
        #expect(!data.contains("\r\n.\r\n"))
    }

    @Test func aSubjectCannotAddHeaders() {
        let data = Self.message(subject: "Hello\r\nBcc: everyone@example.com", body: "x").smtpData(mailDomain: "example.gov.uk")
        #expect(data.contains("Subject: Hello Bcc: everyone@example.com\r\n"))
        #expect(!data.contains("\r\nBcc:"))
    }

    @Test func plausibleAddresses() {
        for good in ["a@b.uk", "sarah.whitfield@childmaintenance.gov.uk", "cm2012.specialclientrecords@childmaintenance.gov.uk"] {
            #expect(EmailMessage.isPlausibleAddress(good), "\(good)")
        }
        for bad in ["", "nobody", "@b.uk", "a@", "a@b", "a b@c.uk", "a@b.uk>", "a@b.uk,c@d.uk", "a@.uk", "é@b.uk", "a@b@c.uk"] {
            #expect(!EmailMessage.isPlausibleAddress(bad), "\(bad)")
        }
    }
}

struct SMTPReplyParserTests {
    @Test func aMultiLineReplyIsOneReplyEvenSplitAcrossReads() throws {
        var parser = SMTPReplyParser()
        #expect(try parser.feed(Array("220 mail.example ESMTP ready\r\n250-mail.example".utf8)) == [SMTPReply(code: 220, lines: ["mail.example ESMTP ready"])])
        #expect(try parser.feed(Array("\r\n250-SIZE 1000\r".utf8)).isEmpty)
        #expect(try parser.feed(Array("\n250 8BITMIME\r\n".utf8)) == [SMTPReply(code: 250, lines: ["mail.example", "SIZE 1000", "8BITMIME"])])
    }

    @Test func aBareCodeAndSeveralRepliesInOneRead() throws {
        var parser = SMTPReplyParser()
        let replies = try parser.feed(Array("250\r\n354 End data with <CR><LF>.<CR><LF>\r\n".utf8))
        #expect(replies.map(\.code) == [250, 354])
    }

    @Test func somethingThatIsNotSMTPIsRefused() {
        var parser = SMTPReplyParser()
        #expect(throws: SMTPReplyParser.Malformed.self) { try parser.feed(Array("HTTP/1.1 400 Bad Request\r\n".utf8)) }
        var other = SMTPReplyParser()
        #expect(throws: SMTPReplyParser.Malformed.self) { try other.feed(Array("250x no\r\n".utf8)) }
    }
}

struct OutboxRetryTests {
    @Test func waitsDoubleFromThirtySecondsAndNeverExceedAnHour() {
        #expect((1...9).map { OutboxRetry.delay(afterFailedAttempts: $0) } == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600])
        #expect(OutboxRetry.delay(afterFailedAttempts: 10_000) == 3600)
        #expect(OutboxRetry.delay(afterFailedAttempts: 0) == 0)
    }
}

struct GrantReminderTests {
    static let start = utcInstant(2026, 11, 22, 9, 0, 0)

    @Test func fifteenMinutesBeforeALongGrantEnds() {
        let end = Self.start.addingTimeInterval(4 * 3600)
        #expect(!GrantReminder.isDue(at: end.addingTimeInterval(-15 * 60 - 1), grantedAt: Self.start, expiresAt: end))
        #expect(GrantReminder.isDue(at: end.addingTimeInterval(-15 * 60), grantedAt: Self.start, expiresAt: end))
        #expect(GrantReminder.isDue(at: end.addingTimeInterval(-1), grantedAt: Self.start, expiresAt: end))
        #expect(!GrantReminder.isDue(at: end, grantedAt: Self.start, expiresAt: end), "an expired grant is not ending soon")
    }

    @Test func aQuarterOfAShortGrantBeforeItEnds() {
        let end = Self.start.addingTimeInterval(20 * 60)
        #expect(GrantReminder.lead(grantedAt: Self.start, expiresAt: end) == 5 * 60)
        #expect(!GrantReminder.isDue(at: Self.start, grantedAt: Self.start, expiresAt: end))
        #expect(GrantReminder.isDue(at: end.addingTimeInterval(-5 * 60), grantedAt: Self.start, expiresAt: end))
    }
}
