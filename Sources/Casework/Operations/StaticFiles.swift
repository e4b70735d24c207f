import Vapor

/// Files from Public/, looked up only for paths under their own folders. Every other request (all of the API and
/// every page) goes straight on, without the file-system lookup FileMiddleware makes for whatever path it is given.
struct StaticFilesMiddleware: Middleware {
    /// The folders of Public/ as URL prefixes.
    static let prefixes = ["/styles/", "/scripts/", "/assets/", "/govuk-frontend/"]

    let files: FileMiddleware

    init(publicDirectory: String) {
        files = FileMiddleware(publicDirectory: publicDirectory)
    }

    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        let path = request.url.path
        guard Self.prefixes.contains(where: { path.hasPrefix($0) }) else { return next.respond(to: request) }
        return files.respond(to: request, chainingTo: next)
    }
}
