import Foundation
import NIOConcurrencyHelpers
import NIOCore
import Vapor

/// A polite stop, in the order that keeps every acknowledged write: Vapor's serve command turns SIGTERM or SIGINT
/// into the end of `app.execute()`; then the server stops accepting connections and lets requests in flight finish
/// (up to the grace time), the background jobs finish their current batch, the write lane empties, and only then
/// are the databases closed. Vapor's own `asyncShutdown` closes the databases first (lifecycle handlers run before
/// the server's storage is released), under requests still running: that was the crash on every restart.
enum GracefulShutdown {
    /// How long the HTTP server may take to finish its requests: `CASEWORK_SHUTDOWN_GRACE_SECONDS`.
    static func configure(_ app: Application, grace: TimeInterval) {
        app.http.server.configuration.shutdownTimeout = .milliseconds(Int64(grace * 1000))
    }

    /// How long clients are asked to hang up before the server stops listening and closes idle connections.
    static let keepAliveDrain: TimeInterval = 0.5

    private struct StoppingKey: StorageKey { typealias Value = NIOLockedValueBox<Bool> }

    /// Answers `Connection: close` once a stop has begun (see `stopServing`).
    struct ClosingConnectionsWhenStopping: Middleware {
        let stopping: NIOLockedValueBox<Bool>

        func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
            next.respond(to: request).map { response in
                if stopping.withLockedValue({ $0 }) { response.headers.replaceOrAdd(name: .connection, value: "close") }
                return response
            }
        }
    }

    /// The middleware that asks clients to hang up during a stop; registered first, so every answer carries it.
    static func middleware(for app: Application) -> ClosingConnectionsWhenStopping {
        let flag = NIOLockedValueBox(false)
        app.storage[StoppingKey.self] = flag
        return ClosingConnectionsWhenStopping(stopping: flag)
    }

    /// The checkpointer whose last checkpoint a stop makes, after the lane's last batch.
    static func finalCheckpoint(_ app: Application, _ checkpointer: AuditCheckpointer) {
        app.storage[CheckpointerKey.self] = checkpointer
    }

    private struct CheckpointerKey: StorageKey { typealias Value = AuditCheckpointer }

    /// Everything before the databases close. Returns false when requests were still running at the end of the
    /// grace time: their connections are cut, and the databases must then be left for the process's exit to close.
    static func stopServing(_ app: Application) async -> Bool {
        let started = Date()
        // First every answer asks its client to close the connection after reading it, so clients on keep-alive
        // connections hang up themselves. Closing a connection under a client that is just sending its next request
        // resets it; a client that hung up sends nothing more.
        app.storage[StoppingKey.self]?.withLockedValue { $0 = true }
        try? await Task.sleep(nanoseconds: UInt64(min(keepAliveDrain, app.http.server.configuration.shutdownTimeout.seconds) * 1_000_000_000))
        let server = app.server
        // Quiesces: idle keep-alive connections close at once, busy ones after their current response.
        var finished = true
        if let http = server as? HTTPServer {
            finished = await http.shutdownReportingTimeout()
        } else {
            await server.shutdown()
        }
        await BackgroundJobs.stopAll(on: app)
        await app.casework.lane.idle()
        if let checkpointer = app.storage[CheckpointerKey.self] {
            // The events since the last checkpoint are anchored too: a polite stop leaves no unsigned tail.
            do { try await checkpointer.checkpointIfDue(force: true) } catch { app.logger.report(error: error) }
        }
        let seconds = Date().timeIntervalSince(started)
        if finished {
            app.logger.notice("Stopped: every request in flight finished", metadata: ["seconds": "\(String(format: "%.2f", seconds))"])
        } else {
            app.logger.warning("Stopped after the grace time with requests still running: their connections were closed",
                               metadata: ["seconds": "\(String(format: "%.2f", seconds))"])
        }
        return finished
    }
}

extension TimeAmount {
    fileprivate var seconds: TimeInterval { TimeInterval(nanoseconds) / 1_000_000_000 }
}

extension HTTPServer {
    /// Vapor's shutdown logs "Could not stop HTTP server" and carries on when its quiescing times out; this says so.
    fileprivate func shutdownReportingTimeout() async -> Bool {
        let limit = configuration.shutdownTimeout
        let started = NIODeadline.now()
        await shutdown()
        return NIODeadline.now() - started < limit
    }
}
