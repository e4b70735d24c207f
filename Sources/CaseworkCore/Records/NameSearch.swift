/// How contact search reads a name, and in what order it offers what it finds.
///
/// A name is searched as one lower-cased string. What was typed matches a contact in one of three ways, offered in
/// this order, each in name order: an exact NINO, SCIN or CRN; the start of one of the name's words ("goldw" finds
/// Aidan Goldworth, "aidan gold" too); anywhere else in the name from three letters ("worth" finds him as well, after
/// everyone whose name has a word starting "worth"). One or two letters match the start of the name only.
///
/// The word starts are what make a surname search quick at national volume: each name is stored once from every
/// word on (`wordStarts`), so everyone whose name has a word starting with the text is one range of an ordered index,
/// where a trigram index finds and checks every one of its thousands of matches before it can sort them.
public enum NameSearch {
    /// The fewest letters matched inside a word: a trigram index needs three.
    public static let fewestLettersWithinWords = 3

    /// The name as search compares it.
    public static func searchable(_ name: String) -> String { name.lowercased() }

    /// What of the typed text is looked for in names: lower-cased, without control characters or LIKE's wildcards
    /// `%` and `_`.
    public static func namePart(of typed: String) -> String {
        searchable(withoutControlCharacters(typed)).filter { $0 != "%" && $0 != "_" }
    }

    /// The typed text without control characters, which no name or identifier holds: a NUL ends SQLite's quoted FTS5
    /// phrase early ("unterminated string") and PostgreSQL refuses it in any text.
    public static func withoutControlCharacters(_ typed: String) -> String {
        typed.filter { character in !character.unicodeScalars.contains { $0.properties.generalCategory == .control } }
    }

    /// The searchable name from the start of each of its words on, each once: "aidan goldworth-hale" gives itself,
    /// "goldworth-hale" and "hale". A word starts after a space, a hyphen or an apostrophe ("o'brien" gives "brien").
    public static func wordStarts(of searchName: String) -> [String] {
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

    static func isSeparator(_ character: Character) -> Bool {
        character.isWhitespace || character == "-" || character == "'" || character == "\u{2019}"
    }
}
