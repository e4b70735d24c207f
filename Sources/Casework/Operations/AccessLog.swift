import Foundation
import Vapor

/// One structured line per request worth an operator's attention: by default server errors and slow requests at
/// `notice`, not every 200 (CASEWORK_ACCESS_LOG, CASEWORK_ACCESS_LOG_LEVEL, CASEWORK_ACCESS_LOG_FORMAT,
/// CASEWORK_SLOW_REQUEST_MS). Outermost, so it sees the status the error middleware answered with.
/// The path is the route's pattern (`/api/v1/contacts/:id`), never the URL people typed: a query string can carry
/// a NINO or a name, and those stay out of logs.
struct AccessLogMiddleware: Middleware {
    let settings: ObservabilitySettings

    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        guard settings.accessLog != .off else { return next.respond(to: request) }
        let started = DispatchTime.now().uptimeNanoseconds
        return next.respond(to: request).always { result in
            switch result {
            case .success(let response): record(request, status: response.status, started: started)
            case .failure(let error): record(request, status: (error as? any AbortError)?.status ?? .internalServerError, started: started)
            }
        }
    }

    private func record(_ request: Request, status: HTTPResponseStatus, started: UInt64) {
        let milliseconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1_000_000
        let slow = milliseconds >= Double(settings.slowRequestMilliseconds)
        guard settings.accessLog == .all || status.code >= 500 || slow else { return }
        let line = AccessLogLine(
            method: request.method.rawValue, route: Self.routeName(request), status: Int(status.code),
            milliseconds: (milliseconds * 10).rounded() / 10, slow: slow, requestId: request.id,
            staffId: request.currentUser?.staffId, role: request.currentUser?.role?.rawValue)
        // The application's logger, under the label the operator's log handler was set up with.
        let logger = request.application.logger
        switch settings.format {
        case .text:
            logger.log(level: settings.level, "\(line.method) \(line.route) \(line.status) \(line.milliseconds)ms", metadata: line.metadata)
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let json = (try? encoder.encode(line)).flatMap { String(data: $0, encoding: .utf8) } ?? "{}"
            logger.log(level: settings.level, "\(json)")
        }
    }

    /// The matched route's pattern, or "unmatched" (never the raw path: an unknown URL is anyone's text).
    static func routeName(_ request: Request) -> String {
        guard let route = request.route else { return "unmatched" }
        return "/" + route.path.map(\.description).joined(separator: "/")
    }
}

/// What the access log says about one request.
struct AccessLogLine: Encodable {
    let method: String
    let route: String
    let status: Int
    let milliseconds: Double
    let slow: Bool
    let requestId: String
    let staffId: String?
    let role: String?

    var metadata: Logger.Metadata {
        var metadata: Logger.Metadata = [
            "method": "\(method)", "route": "\(route)", "status": "\(status)", "ms": "\(milliseconds)", "request_id": "\(requestId)",
        ]
        if slow { metadata["slow"] = "true" }
        if let staffId { metadata["staff_id"] = "\(staffId)" }
        if let role { metadata["role"] = "\(role)" }
        return metadata
    }
}
