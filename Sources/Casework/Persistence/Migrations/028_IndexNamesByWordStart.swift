import Fluent
import Foundation
import SQLKit

/// Contact search by name finds first the names with a word starting with what was typed (`NameSearch`). The
/// trigram index (`ContactNameIndex`) answers "anywhere in the name", but a surname shared by 1,708 of a million
/// contacts cost SQLite 4.6 ms and PostgreSQL about 9 ms to find, check and sort before the first fifty could be
/// given. `contact_name_starts` holds each contact's search name once from every word on, ordered, beside the name
/// itself: those whose name has a word starting with the text are one range of it, read without visiting `contacts`
/// (0.2 ms for the same surname on SQLite), and only the page's contacts are then read.
///
/// The table is its own index (SQLite `WITHOUT ROWID`, PostgreSQL an index-only scan of its primary key). Text is
/// compared byte by byte (PostgreSQL `COLLATE "C"`), so a range bound past the text's last byte holds every name
/// starting with it on both databases, in one order. Contacts already stored join it here, a batch at a time;
/// contacts added later join it as they are added (`ContactNameStarts`).
struct IndexNamesByWordStart: AsyncMigration {
    var name: String { "028_IndexNamesByWordStart" }

    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        if sql.dialect.name == "sqlite" {
            try await sql.raw("""
                CREATE TABLE contact_name_starts (tail TEXT NOT NULL, search_name TEXT NOT NULL,
                  contact_id UUID NOT NULL REFERENCES contacts (id), PRIMARY KEY (tail, search_name, contact_id)) WITHOUT ROWID
                """).run()
        } else {
            try await sql.raw("""
                CREATE TABLE contact_name_starts (tail TEXT COLLATE "C" NOT NULL, search_name TEXT COLLATE "C" NOT NULL,
                  contact_id UUID NOT NULL REFERENCES contacts (id), PRIMARY KEY (tail, search_name, contact_id))
                """).run()
        }
        var after: UUID? = nil
        while true {
            let page: [any SQLRow]
            if let after {
                page = try await sql.raw("SELECT id, search_name FROM contacts WHERE id > \(bind: after) ORDER BY id LIMIT 2000").all()
            } else {
                page = try await sql.raw("SELECT id, search_name FROM contacts ORDER BY id LIMIT 2000").all()
            }
            guard let last = page.last else { break }
            var rows: [(String, String, UUID)] = []
            for row in page {
                let id = try row.decode(column: "id", as: UUID.self), searchName = try row.decode(column: "search_name", as: String.self)
                rows += Self.wordStarts(of: searchName).map { ($0, searchName, id) }
            }
            // At most 5,000 rows (15,000 values) a statement, within both databases' limits on bound values.
            for start in stride(from: 0, to: rows.count, by: 5_000) {
                var insert = sql.insert(into: "contact_name_starts").columns("tail", "search_name", "contact_id")
                for (tail, searchName, id) in rows[start..<min(rows.count, start + 5_000)] { insert = insert.values(tail, searchName, id) }
                try await insert.run()
            }
            after = try last.decode(column: "id", as: UUID.self)
        }
        // PostgreSQL plans the first searches with the table's statistics rather than a guess at an empty one's.
        if sql.dialect.name != "sqlite" { try await sql.raw("ANALYZE contact_name_starts").run() }
    }

    /// `NameSearch.wordStarts` as it was when this migration landed: a migration runs the same way whatever the code
    /// becomes (`MigrationHistoryTests`), and a later change to the rule would come with a migration of its own.
    private static func wordStarts(of searchName: String) -> [String] {
        func isSeparator(_ character: Character) -> Bool {
            character.isWhitespace || character == "-" || character == "'" || character == "\u{2019}"
        }
        var starts: [String] = []
        var previous: Character? = nil
        var index = searchName.startIndex
        while index < searchName.endIndex {
            let character = searchName[index]
            if !isSeparator(character) && (previous.map(isSeparator) ?? true) {
                let start = String(searchName[index...])
                if !starts.contains(start) { starts.append(start) }
            }
            previous = character
            index = searchName.index(after: index)
        }
        return starts
    }

    func revert(on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw("DROP TABLE contact_name_starts").run()
    }
}
