import Foundation

/// The GOV.UK pagination under a list or hopper (`partials/pagination.leaf`), driven by the API's keyset cursors:
/// a link to the next page when the list's `nextCursor` says there is one, and back to the first page when this is
/// not it. Keyset cursors know the way forward only, so "Previous" is the first page rather than the page before.
struct Pagination: Encodable {
    let nextHref: String?
    /// What the next link says: "Next page", or "Older events" where the list runs back in time.
    let nextTitle: String
    let nextId: String
    let firstHref: String?
    /// What the link back to the first page says, and its id (two lists paged on one page need two of each).
    let firstTitle: String
    let firstId: String
    /// The navigation's accessible name, which tells two lists' paginations apart.
    let label: String

    /// `path` with `query` (the list's own filters) and, for the next page, `cursor=next`. Nil when there is only one
    /// page, so the template shows nothing.
    static func keyset(path: String, query: [(String, String)] = [], next: String?, isFirstPage: Bool,
                       nextTitle: String = "Next page", nextId: String = "next-page", cursorName: String = "cursor",
                       firstTitle: String = "First page", firstId: String = "first-page", label: String = "Pagination") -> Pagination? {
        guard next != nil || !isFirstPage else { return nil }
        func href(_ items: [(String, String)]) -> String {
            var components = URLComponents()
            components.path = path
            let kept = items.filter { !$0.1.isEmpty }
            components.queryItems = kept.isEmpty ? nil : kept.map { URLQueryItem(name: $0.0, value: $0.1) }
            return components.string ?? path
        }
        return Pagination(nextHref: next.map { href(query + [(cursorName, $0)]) }, nextTitle: nextTitle, nextId: nextId,
                          firstHref: isFirstPage ? nil : href(query), firstTitle: firstTitle, firstId: firstId, label: label)
    }
}
