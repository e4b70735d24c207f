import NIOConcurrencyHelpers
import NIOHTTP1
import SQLKit

/// Answers a server keeps while a change stamp (`change_stamps`, moved by triggers on every server) is the one read
/// before they were read: a kept answer is never given after a change it depends on has committed. The stamp is read
/// for every request, before the answer; an answer read while a change commits is kept under the stamp from before
/// it, so the next request reads it again. `AccessListCache` and `SegmentMembersCache` are two.
///
/// A lock, not an actor, so that an answer from here never suspends the request (see `MonitoringSnapshots`).
final class StampedCache<Key: Hashable & Sendable>: @unchecked Sendable {
    /// Answers kept; the least recently read is forgotten first.
    let kept: Int

    private struct Entry {
        let stamp: Int64
        let answer: any Sendable
        var lastRead: UInt64
    }

    private let lock = NIOLock()
    private var entries: [Key: Entry] = [:]
    private var reads: UInt64 = 0

    init(kept: Int) {
        self.kept = kept
    }

    /// The answer kept under `key` if it was read at `stamp`; otherwise `read`'s, kept under `stamp`.
    func answer<Answer: Sendable>(_ key: Key, stamp: Int64, read: () async throws -> Answer) async throws -> Answer {
        if let known: Answer = lock.withLock({ lookUp(key, stamp: stamp) }) { return known }
        let answer = try await read()
        lock.withLock { keep(answer, under: key, stamp: stamp) }
        return answer
    }

    /// How many answers are kept now (for the tests).
    var count: Int { lock.withLock { entries.count } }

    private func lookUp<Answer>(_ key: Key, stamp: Int64) -> Answer? {
        guard var entry = entries[key], entry.stamp == stamp, let answer = entry.answer as? Answer else { return nil }
        reads += 1
        entry.lastRead = reads
        entries[key] = entry
        return answer
    }

    private func keep(_ answer: any Sendable, under key: Key, stamp: Int64) {
        // An answer read under an older stamp than the one kept (a slow read that began before a change) is not kept.
        if let known = entries[key], known.stamp > stamp { return }
        reads += 1
        entries[key] = Entry(stamp: stamp, answer: answer, lastRead: reads)
        if entries.count > kept, let oldest = entries.min(by: { $0.value.lastRead < $1.value.lastRead })?.key {
            entries[oldest] = nil
        }
    }
}

/// What a change stamp in `change_stamps` follows: each is moved by triggers (`StampAccessRequestChanges`,
/// `StampDirectoryChanges`).
enum ChangeStampTopic: String, Sendable {
    /// Access requests, their history and grants, and the people they show.
    case accessRequests
    /// Who is in the directory, their name, team and roles.
    case directory
}

/// The change stamps as a request found them, read in the same statement as its session (`DirectoryQueries.session`),
/// so that a request showing kept answers needs no read of its own to check them: on PostgreSQL each statement is a
/// round trip, about a tenth of a hopper page's time. Read before anything the request answers, as `StampedCache`
/// asks. Only a request that changes nothing is given them (`ServiceContext.stamps`), and only the pages that show
/// kept answers ask for them (`wanted`): on PostgreSQL the two subqueries add 10-30 µs to every session read.
struct ChangeStamps: Sendable, Equatable {
    let directory: Int64
    let accessRequests: Int64

    subscript(_ topic: ChangeStampTopic) -> Int64 {
        switch topic {
        case .directory: directory
        case .accessRequests: accessRequests
        }
    }

    /// The columns that read them, beside the session's (absent topics read 0, as `changeStamp` reads them).
    static let columns: SQLQueryString = """
        COALESCE((SELECT stamp FROM change_stamps WHERE topic = \(bind: ChangeStampTopic.directory.rawValue)), 0) AS directory_stamp, \
        COALESCE((SELECT stamp FROM change_stamps WHERE topic = \(bind: ChangeStampTopic.accessRequests.rawValue)), 0) AS access_requests_stamp
        """

    /// The paths of the pages and lists that show kept answers: a hopper's page (its assignee choice) and the lists of
    /// access requests (the shared "awaiting me"). Any other request that asks for a stamp reads it then: this list
    /// decides only which requests save that read, never whether an answer is fresh.
    static let keptAnswerPaths = ["/access-requests", "/api/v1/access-requests"]
    static let keptAnswerPrefixes = ["/hoppers/"]

    /// Whether a request should read the stamps with its session: one that changes nothing, on a path in the lists.
    static func wanted(method: HTTPMethod, path: String) -> Bool {
        guard given(method: method) else { return false }
        return keptAnswerPaths.contains(path) || keptAnswerPrefixes.contains { path.hasPrefix($0) }
    }

    /// Whether a request may be given stamps read before it: only one that changes nothing (GET, HEAD). A change it
    /// made would move the stamps after they were read.
    static func given(method: HTTPMethod) -> Bool {
        method == .GET || method == .HEAD
    }

    init(row: any SQLRow) throws {
        directory = Int64(try row.decode(column: "directory_stamp", as: Int.self))
        accessRequests = Int64(try row.decode(column: "access_requests_stamp", as: Int.self))
    }
}

extension PointReads {
    /// The stamp of `topic` now.
    func changeStamp(_ topic: ChangeStampTopic) async throws -> Int64 {
        let row = try await first("SELECT stamp FROM change_stamps WHERE topic = \(bind: topic.rawValue)")
        return try row?.decode(column: "stamp", as: Int64.self) ?? 0
    }
}
