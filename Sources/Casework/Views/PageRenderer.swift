import Leaf
import LeafKit
import Vapor

/// The Leaf settings every page is rendered with, read once when the server starts. A page asked `request.view`
/// for its renderer before: Vapor's factory made one LeafRenderer and Leaf's `Request.leaf` another, each reading
/// the application's Leaf settings from its storage and building a default template source (`NIOLeafFiles`) on
/// every read of `sources`: 2.6% of the SCR manager's home page (bench/scale.sh, PROFILE=1).
final class PageRenderer: @unchecked Sendable {
    // Set once in `init`, read only after; LeafKit's own types are not marked Sendable.
    private let configuration: LeafConfiguration
    private let tags: [String: any LeafTag]
    private let cache: any LeafCache
    private let sources: LeafSources
    private let userInfo: [AnyHashable: Any]

    /// The application's Leaf settings as they are now: made at the end of configure, after every tag is set.
    init(_ app: Application) {
        configuration = app.leaf.configuration
        tags = app.leaf.tags
        cache = app.leaf.cache
        sources = app.leaf.sources
        userInfo = app.leaf.userInfo.merging(["application": app]) { _, ours in ours }
    }

    /// A renderer on the request's event loop, carrying the request and the application as Leaf's own does.
    func renderer(for request: Request) -> LeafRenderer {
        var userInfo = userInfo
        userInfo["request"] = request
        return LeafRenderer(configuration: configuration, tags: tags, cache: cache, sources: sources, eventLoop: request.eventLoop, userInfo: userInfo)
    }
}
