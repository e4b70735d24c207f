import Leaf
import LeafKit
import NIOConcurrencyHelpers
import NIOCore
import Vapor

/// LeafKit's own rendering of the same templates, for the tests: layout.leaf (and each fragment) is read without its
/// `#swiftRendered` tag, so LeafKit's serializer writes the whole page, and every page and fragment `LeafWriter` wrote
/// is compared with it byte for byte (`Pages.render`, `Pages.fragment`). A difference answers the page with a 500 and
/// is kept, so the test fails however it reads the page (`withCasework` checks `mismatches` at the end of every test).
/// (`@unchecked`: LeafRenderer is not marked Sendable; its cache locks itself, and it is only asked to render.)
final class LeafReference: @unchecked Sendable {
    private let renderer: LeafRenderer
    private let found = NIOLockedValueBox<[String]>([])

    /// What differed, one line a page.
    var mismatches: [String] { found.withLockedValue { $0 } }

    init(_ app: Application) throws {
        let sources = LeafSources()
        try sources.register(source: "without-swift-rendered", using: WithoutSwiftRendered(files: NIOLeafFiles(
            fileio: app.fileio, limits: .default,
            sandboxDirectory: app.leaf.configuration.rootDirectory, viewDirectory: app.leaf.configuration.rootDirectory)))
        var tags = app.leaf.tags
        tags["swiftRendered"] = nil
        renderer = LeafRenderer(configuration: app.leaf.configuration, tags: tags, cache: DefaultLeafCache(), sources: sources,
                                eventLoop: app.eventLoopGroup.next(), userInfo: ["application": app])
    }

    /// Renders `template` with LeafKit alone and compares; throws (a 500) when `written` differs.
    func check(_ template: String, context: [String: LeafData], written: ByteBuffer) async throws {
        let expected = try await renderer.render(path: template, context: context).get()
        guard expected != written else { return }
        let a = Array(expected.readableBytesView), b = Array(written.readableBytesView)
        let at = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
        let excerpt = { (bytes: [UInt8]) in String(decoding: bytes[max(0, at - 80)..<min(bytes.count, at + 80)], as: UTF8.self) }
        let mismatch = "\(template): LeafWriter differs from LeafKit at byte \(at): LeafKit wrote …\(excerpt(a))…, LeafWriter …\(excerpt(b))…"
        found.withLockedValue { $0.append(mismatch) }
        throw Abort(.internalServerError, reason: mismatch)
    }
}

/// The templates as they are, except without the `#swiftRendered():` tag around them (layout.leaf's, and a
/// fragment's: see `Pages.fragment`).
private struct WithoutSwiftRendered: LeafSource {
    let files: NIOLeafFiles

    func file(template: String, escape: Bool, on eventLoop: any EventLoop) throws -> EventLoopFuture<ByteBuffer> {
        try files.file(template: template, escape: escape, on: eventLoop).map { buffer in
            guard buffer.readableBytesView.starts(with: "#swiftRendered():".utf8) else { return buffer }
            let text = String(buffer: buffer).replacingOccurrences(of: "#swiftRendered():", with: "")
                .replacingOccurrences(of: "#endswiftRendered", with: "")
            return ByteBuffer(string: text)
        }
    }
}
