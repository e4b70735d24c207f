import CaseworkCore
import Vapor

/// An RFC 9457 problem document, as every API error is answered.
struct Problem: Content {
    var type: String
    var title: String
    var status: Int
    var detail: String
    var errors: [String: String]?
}

/// Turns every error into one answer: problem+json for the API, a page (or a redirect to sign in) for people.
struct CaseworkErrorMiddleware: Middleware {
    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        next.respond(to: request).flatMapError { error in
            // Only an error needs a task: its page may be rendered.
            request.eventLoop.makeFutureWithTask { try await answer(error, to: request) }
        }
    }

    /// The answer an error gets.
    private func answer(_ error: any Error, to request: Request) async throws -> Response {
        var (status, detail, fields, retryAfter) = Self.describe(error, on: request)
        var allow: [HTTPMethod] = []
        if request.isAPI && status == .unsupportedMediaType {
            // API.md: a body we cannot read is a 400, whatever the reason.
            status = .badRequest
            detail = "Send a JSON body with Content-Type: application/json"
        } else if status == .notFound, case .some(let abort as any AbortError) = Optional(error), abort.reason == "Not Found" {
            allow = Self.methods(serving: request.url.path, in: request.application)
            if !allow.isEmpty {
                status = .methodNotAllowed
                detail = "\(request.method.rawValue) is not allowed here: use \(allow.map(\.rawValue).joined(separator: ", "))"
            }
        }
        if request.isSCIM {
            return try SCIMErrors.answer(SCIMError(status: status, scimType: nil, detail: detail), allow: allow)
        }
        if !request.isAPI {
            if status == .unauthorized {
                let target = request.url.path == "/" ? "" : "?next=\(request.url.path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? "")"
                return request.redirect(to: "/sign-in\(target)")
            }
            let page = try await Pages.errorPage(request, status: status, message: detail, fields: fields)
            if !allow.isEmpty { page.headers.replaceOrAdd(name: .allow, value: allow.map(\.rawValue).joined(separator: ", ")) }
            return page
        }
        let problem = Problem(
            type: "https://casework.invalid/problems/\(status.code)", title: status.reasonPhrase, status: Int(status.code),
            detail: detail, errors: fields.isEmpty ? nil : Dictionary(fields.map { ($0.name, $0.message) }, uniquingKeysWith: { a, _ in a }))
        let response = Response(status: status)
        try response.content.encode(problem, as: .json)
        response.headers.contentType = HTTPMediaType(type: "application", subType: "problem+json")
        if let retryAfter { response.headers.replaceOrAdd(name: .retryAfter, value: String(retryAfter)) }
        if status == .unauthorized { response.headers.replaceOrAdd(name: .wwwAuthenticate, value: "Bearer") }
        if !allow.isEmpty { response.headers.replaceOrAdd(name: .allow, value: allow.map(\.rawValue).joined(separator: ", ")) }
        return response
    }

    /// The methods registered for a path, so a wrong method gets 405 rather than 404.
    static func methods(serving path: String, in app: Application) -> [HTTPMethod] {
        let parts = path.split(separator: "/").map(String.init)
        let methods = app.routes.all.filter { route in
            route.path.count == parts.count && zip(route.path, parts).allSatisfy { component, part in
                switch component {
                case .constant(let value): value == part
                case .parameter: true
                default: false
                }
            }
        }.map(\.method)
        var unique: [HTTPMethod] = []
        for method in methods where !unique.contains(method) { unique.append(method) }
        return unique
    }

    static func describe(_ error: any Error, on request: Request) -> (HTTPResponseStatus, String, [(name: String, message: String)], Int?) {
        switch error {
        case let failure as ValidationFailure:
            return (.unprocessableEntity, "Some fields need fixing: " + failure.fields.map { "\($0.name): \($0.message)" }.joined(separator: "; "), failure.fields, nil)
        case let domain as DomainError:
            switch domain {
            case .unauthenticated(let m): return (.unauthorized, m, [], nil)
            case .forbidden(let m): return (.forbidden, m, [], nil)
            case .notFound(let m): return (.notFound, m, [], nil)
            case .conflict(let m): return (.conflict, m, [], nil)
            case .throttled(let m, let seconds): return (.tooManyRequests, m, [], seconds)
            }
        case let decoding as DecodingError:
            return (.badRequest, "The request body could not be read: \(Self.explain(decoding))", [], nil)
        // A framework error of our own making (a missing template, say) is a 500 like any other: its text is for
        // the log, never for the person.
        case let abort as any AbortError where abort.status.code < 500:
            if abort.status == .notFound && abort.reason == "Not Found" {
                return (.notFound, "There is no page at \(request.url.path)", [], nil)
            }
            return (abort.status, abort.reason, [], nil)
        default:
            // The log keeps what went wrong, under the request id (the request logger's request-id) the person is
            // shown, so the service desk can find it.
            request.logger.error("Request failed: \(String(reflecting: error))")
            return (.internalServerError, "Something went wrong on our side and nothing was changed. Try again; if it keeps happening, tell the service desk reference \(request.id).", [], nil)
        }
    }

    /// A sentence about a JSON decoding error that names the field.
    static func explain(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map(\.stringValue).filter { !$0.isEmpty }
            return keys.isEmpty ? "the body" : keys.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context)
            return "\(parent == "the body" ? "" : parent + ".")\(key.stringValue) is missing"
        case .typeMismatch(let type, let context): return "\(path(context)) must be \(Self.describe(type))"
        case .valueNotFound(let type, let context): return "\(path(context)) must be \(Self.describe(type)), not null"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "it is not valid JSON" : "\(path(context)): \(context.debugDescription)"
        @unknown default: return "it is not in the expected shape"
        }
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type: "a whole number"
        case is Bool.Type: "true or false"
        default: "\(type)"
        }
    }
}
