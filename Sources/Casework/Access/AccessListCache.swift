import Foundation
import NIOConcurrencyHelpers

/// The pages of access requests that everyone in a role shares, as this server last read them: the requests waiting
/// at the SCR managers' or provisioning's stage (and how many there are), and all requests newest first. Every SCR
/// manager's "awaiting me" is the same fifty requests, and reading them whole (people, history, grants) was the
/// dearest read left at national volume (issue 9), so each page is read once and answered again while the
/// `accessRequests` change stamp is still the one read before reading it (`StampAccessRequestChanges`: triggers move it
/// with any change to a request, its history, its grant or its people, made on any server). How a kept page is
/// never answered after a change is `StampedCache`'s rule.
///
/// Per-person lists (a team leader's, a requester's) are not kept: each is read by one person.
final class AccessListCache: Sendable {
    /// Pages kept; the least recently read is forgotten first.
    static let pagesKept = 64

    /// Which page: the list, where it starts, how long it is, and in which shape it was read.
    struct Key: Hashable, Sendable {
        enum Shape: Hashable, Sendable {
            /// Whole requests, as the API answers them.
            case requests
            /// The few fields of each request the pages list, with the requester's name.
            case rows
            /// How many the list holds in all (`after` nil, `limit` 0).
            case count
        }

        let filter: AccessQueries.RequestFilter
        let after: UUID?
        let limit: Int
        let shape: Shape
    }

    private let pages = StampedCache<Key>(kept: AccessListCache.pagesKept)

    /// The page kept under `key` if it was read at `stamp`; otherwise `read`'s, kept under `stamp`.
    func page<Page: Sendable>(_ key: Key, stamp: Int64, read: () async throws -> Page) async throws -> Page {
        try await pages.answer(key, stamp: stamp, read: read)
    }

    /// The change stamp as one request read it: a page that shows several shared lists (an SCR manager's: the
    /// requests waiting, how many, and every request) reads the stamp once, before the first of them, not once a list
    /// (on PostgreSQL each read is a round trip). Reading it before the first list is as safe as before each.
    final class StampOfOneRequest: Sendable {
        private let stamp = NIOLockedValueBox<Int64?>(nil)

        init() {}

        func read(_ readStamp: () async throws -> Int64) async throws -> Int64 {
            if let known = stamp.withLockedValue({ $0 }) { return known }
            let read = try await readStamp()
            stamp.withLockedValue { $0 = read }
            return read
        }
    }

    /// How many pages are kept now (for the tests).
    var count: Int { pages.count }
}
