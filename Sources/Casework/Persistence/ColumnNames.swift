/// The names of one result's columns, shared by its rows: finds a column's position without hashing its name. Both
/// rows read by hand use it: SQLite's point reads (`PointRow`) and PostgreSQL's prepared reads (`PreparedRow`).
///
/// Why: each reader asks every row for each of its columns by name, and a dictionary hashes that name at every ask.
/// On PostgreSQL that hashing (in PostgresNIO's table) was 11% of the team hopper API's time (fifty rows of twenty
/// columns); on SQLite (`PointRow`'s own table) 7% of the SCR manager's "awaiting me" API (bench/scale.sh with
/// PROFILE=1). A name of up to fifteen bytes is held inside the string itself, so two such strings with the same two
/// words are the same text, and the names the readers ask for are literals of that kind: those are compared as two
/// words. A longer name, or one not found so, is compared as text.
///
/// Where two columns share a name, each database's own rows answer differently, and so does this: SQLiteKit's
/// with the first, PostgresNIO's with the last.
final class ColumnNames: Sendable {
    enum SameName: Sendable { case firstWins, lastWins }

    let names: [String]
    private let words: [StringWords]
    private let sameName: SameName

    init(_ names: [String], sameName: SameName) {
        self.names = names
        words = names.map(StringWords.init)
        self.sameName = sameName
    }

    func position(of name: String) -> Int? {
        let asked = StringWords(name)
        if asked.isInline, let found = sameName == .firstWins ? words.firstIndex(of: asked) : words.lastIndex(of: asked) {
            return found
        }
        return sameName == .firstWins ? names.firstIndex(of: name) : names.lastIndex(of: name)
    }

    /// A string's two words as they are stored. Equal words are equal text: inline, the words are the text; otherwise
    /// they point at the same storage, which the names kept here hold alive.
    private struct StringWords: Equatable, Sendable {
        let low: UInt64
        let high: UInt64

        init(_ text: String) { (low, high) = unsafeBitCast(text, to: (UInt64, UInt64).self) }

        /// Whether the text is held in the words themselves: the top bit of the discriminator (Swift's `_StringObject`
        /// on 64-bit platforms marks a small string with 0x20 in its last byte).
        var isInline: Bool { high & 0x2000_0000_0000_0000 != 0 }
    }
}
