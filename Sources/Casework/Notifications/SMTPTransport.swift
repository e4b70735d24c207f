import CaseworkCore
import NIOCore
import NIOPosix

/// Plain SMTP (RFC 5321) to one relay: EHLO, MAIL FROM, RCPT TO, DATA, QUIT, one message per connection.
/// Meant for a relay on the same host or network, as the setting's name says (smtp://, no TLS or login).
struct SMTPTransport: MailTransport {
    let server: MailSettings.Server
    let group: any EventLoopGroup
    /// The whole conversation must finish within this, or the attempt fails and is retried later.
    var timeout: TimeAmount = .seconds(20)

    /// A reply the conversation did not expect, named with the step it answered.
    struct Refused: Error, CustomStringConvertible {
        let step: String
        let reply: SMTPReply?
        var description: String {
            guard let reply else { return "The mail server closed the connection during \(step)" }
            return "The mail server answered \(step) with \(reply.code) \(reply.text)"
        }
    }

    struct Unreachable: Error, CustomStringConvertible {
        let server: MailSettings.Server
        let underlying: any Error
        var description: String { "Could not connect to the SMTP server at \(server.host):\(server.port): \(underlying)" }
    }

    func send(_ message: EmailMessage, mailDomain: String) async throws {
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(.seconds(10))
                .connect(host: server.host, port: server.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw Unreachable(server: server, underlying: error)
        }
        // A server that stops answering must not hold the job: closing the channel ends the conversation.
        let underlying = channel.channel
        let deadline = underlying.eventLoop.scheduleTask(in: timeout) { underlying.close(promise: nil) }
        defer { deadline.cancel() }
        try await channel.executeThenClose { inbound, outbound in
            var replies = inbound.makeAsyncIterator()
            var parser = SMTPReplyParser()
            var ready: [SMTPReply] = []
            func reply(to step: String, expecting codes: ClosedRange<Int>) async throws {
                while ready.isEmpty {
                    guard var buffer = try await replies.next() else { throw Refused(step: step, reply: nil) }
                    ready += try parser.feed(buffer.readBytes(length: buffer.readableBytes) ?? [])
                }
                let answer = ready.removeFirst()
                guard codes.contains(answer.code) else { throw Refused(step: step, reply: answer) }
            }
            func say(_ line: String) async throws {
                try await outbound.write(ByteBuffer(string: line + "\r\n"))
            }
            try await reply(to: "the greeting", expecting: 220...220)
            try await say("EHLO \(mailDomain)")
            try await reply(to: "EHLO", expecting: 250...250)
            try await say("MAIL FROM:<\(message.from)>")
            try await reply(to: "MAIL FROM", expecting: 250...250)
            try await say("RCPT TO:<\(message.to)>")
            try await reply(to: "RCPT TO <\(message.to)>", expecting: 250...251)
            try await say("DATA")
            try await reply(to: "DATA", expecting: 354...354)
            try await outbound.write(ByteBuffer(string: message.smtpData(mailDomain: mailDomain) + ".\r\n"))
            try await reply(to: "the message", expecting: 250...250)
            try await say("QUIT")
            // The message is accepted; a server that hangs up without answering QUIT has still taken it.
            try? await reply(to: "QUIT", expecting: 221...221)
        }
    }
}
