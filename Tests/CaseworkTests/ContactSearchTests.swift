@testable import Casework
import CaseworkCore
import Fluent
import SQLKit
import Testing
import Vapor
import VaporTesting

/// Contact search by name: word starts first, then names holding the text elsewhere, each by name (`NameSearch`).
@Suite("Contact search")
struct ContactSearchTests {
    /// Contacts whose names hold "ann" in each of the ways search tells apart; none of the demo's does.
    static let contacts = [
        ("Joanne Smith", "CE100001A"), ("Ann Goldworth", "CE100002A"), ("Leeann Holt", "CE100003A"),
        ("Anna Reid", "CE100004A"), ("Mary-Ann Jones", "CE100005A"), ("Bob Danny", "CE100006A"), ("Ann Annabel", "CE100007A"),
    ]

    static func addContacts(_ app: Application, token: String) async throws {
        for (name, nino) in contacts {
            let created = try await app.sendJSON(.POST, "/api/v1/contacts", ["name": name, "nino": nino], token: token)
            try #require(created.status == .created, "adding \(name): \(created.body.string)")
        }
    }

    static func names(_ app: Application, _ query: String, token: String) async throws -> [String] {
        let response = try await app.sendJSON(.GET, "/api/v1/contacts?\(query)", token: token)
        try #require(response.status == .ok, "\(query): \(response.body.string)")
        return try response.content.decode(ListDTO<ContactListingDTO>.self).items.map(\.label)
    }

    @Test func wordStartsComeFirstThenNamesHoldingTheTextElsewhere() async throws {
        try await withCasework(records: true) { app in
            let token = try await app.token("20010002")
            try await Self.addContacts(app, token: token)
            // "Mary-Ann": a hyphen starts a word. "Joanne", "Leeann" and "Danny" hold "ann" inside a word. "Ann Annabel"
            // has two words starting "ann" and is listed once.
            #expect(try await Self.names(app, "q=ann", token: token)
                    == ["Ann Annabel", "Ann Goldworth", "Anna Reid", "Mary-Ann Jones", "Bob Danny", "Joanne Smith", "Leeann Holt"])
            #expect(try await Self.names(app, "q=ANN%20gold", token: token) == ["Ann Goldworth"])
            #expect(try await Self.names(app, "q=worth", token: token) == ["Ann Goldworth"])
            #expect(try await Self.names(app, "q=nne%20s", token: token) == ["Joanne Smith"])
            // A page the word starts fill shows no name that holds the text elsewhere.
            #expect(try await Self.names(app, "q=ann&limit=2", token: token) == ["Ann Annabel", "Ann Goldworth"])
            #expect(try await Self.names(app, "q=ann&limit=5", token: token) == ["Ann Annabel", "Ann Goldworth", "Anna Reid", "Mary-Ann Jones", "Bob Danny"])
            #expect(try await Self.names(app, "q=annab", token: token) == ["Ann Annabel"])
            // An exact identifier comes before names; one or two letters match the start of the name only.
            #expect(try await Self.names(app, "q=ce100003a", token: token) == ["Leeann Holt"])
            #expect(try await Self.names(app, "q=an", token: token) == ["Anita Patel", "Ann Annabel", "Ann Goldworth", "Anna Reid"])
            // Quotes and FTS5's operators are text like any other.
            #expect(try await Self.names(app, "q=%22ann%22%20OR%20x*", token: token) == [])
            // A NUL or another control character is dropped (a NUL ended FTS5's quoted phrase: a 500 found by fuzzing).
            #expect(try await Self.names(app, "q=%3D%F1%8E%AC%A5%00%3D", token: token) == [])
            #expect(try await Self.names(app, "q=wor%00th", token: token) == ["Ann Goldworth"])
            // A name of separators only has no word start, and is still added and found.
            let dashes = try await app.sendJSON(.POST, "/api/v1/contacts", ["name": "- -", "nino": "CE100008A"], token: token)
            #expect(dashes.status == .created, "\(dashes.body.string)")
            #expect(try await Self.names(app, "q=-%20-", token: token) == ["- -"])
            // The page lists them in the same order.
            let page = Browser(app)
            try await page.signIn("20010002")
            let html = try await page.get("/contacts?q=ann").body.string
            let positions = ["Ann Annabel", "Ann Goldworth", "Anna Reid", "Mary-Ann Jones", "Bob Danny", "Joanne Smith", "Leeann Holt"].map {
                html.range(of: $0).map { html.distance(from: html.startIndex, to: $0.lowerBound) } ?? -1
            }
            #expect(!positions.contains(-1) && positions == positions.sorted(), "\(positions)")
        }
    }

    /// The word-start range is read as two halves: names whose word is the text itself ("Carol Ann" for "ann"), which
    /// the index holds in name order, and longer words or names that go on after it ("Ann Goldworth", "Anna Reid").
    /// The halves are merged by name, and a name reached from both ("Ann Ann") is listed once.
    @Test func namesEndingInTheWordAndLongerOnesAreMergedByName() async throws {
        try await withCasework(records: true) { app in
            let token = try await app.token("20010002")
            try await Self.addContacts(app, token: token)
            for (name, nino) in [("Zoe Ann", "CE100011A"), ("Carol Ann", "CE100012A"), ("Ann Ann", "CE100013A")] {
                let created = try await app.sendJSON(.POST, "/api/v1/contacts", ["name": name, "nino": nino], token: token)
                try #require(created.status == .created, "adding \(name): \(created.body.string)")
            }
            let wordStarts = ["Ann Ann", "Ann Annabel", "Ann Goldworth", "Anna Reid", "Carol Ann", "Mary-Ann Jones", "Zoe Ann"]
            #expect(try await Self.names(app, "q=ann", token: token) == wordStarts + ["Bob Danny", "Joanne Smith", "Leeann Holt"])
            for limit in [1, 2, 3, 5, 6, 7] {
                #expect(try await Self.names(app, "q=ann&limit=\(limit)", token: token) == Array(wordStarts.prefix(limit)), "limit \(limit)")
            }
            #expect(try await Self.names(app, "q=ANN%20ann", token: token) == ["Ann Ann", "Ann Annabel"])
        }
    }

    /// The contact whose NINO, SCIN or CRN is the text comes first, then the names it starts a word of, each group by
    /// name: read in one statement (`RecordQueries.searchContacts`), each row answered apart by how it was found.
    @Test func anExactIdentifierComesBeforeTheNamesItAlsoStarts() async throws {
        try await withCasework(records: true) { app in
            let token = try await app.token("20010002")
            try await Self.addContacts(app, token: token)
            let created = try await app.sendJSON(.POST, "/api/v1/contacts", ["name": "Zed Zeller", "nino": "CE100014A", "scin": "GOLDWORTH"], token: token)
            try #require(created.status == .created, "\(created.body.string)")
            #expect(try await Self.names(app, "q=goldworth", token: token) == ["Zed Zeller", "Ann Goldworth"])
            #expect(try await Self.names(app, "q=goldworth&limit=1", token: token) == ["Zed Zeller"])
            // Found both ways, listed once, as the identifier's.
            let both = try await app.sendJSON(.POST, "/api/v1/contacts", ["name": "Goldworth Zed", "nino": "CE100015A", "crn": "GOLDWORTH"], token: token)
            try #require(both.status == .created, "\(both.body.string)")
            #expect(try await Self.names(app, "q=goldworth", token: token) == ["Goldworth Zed", "Zed Zeller", "Ann Goldworth"])
            // Part of an identifier finds by name only.
            #expect(try await Self.names(app, "q=gold", token: token) == ["Ann Goldworth", "Goldworth Zed"])
        }
    }

    /// Contacts stored before migration 028 join its index when it runs: every one, from each word of its name on.
    @Test func theMigrationIndexesTheContactsAlreadyStored() async throws {
        try await withCasework(records: true) { app in
            let token = try await app.token("20010002")
            try await Self.addContacts(app, token: token)
            try await IndexNamesByWordStart().revert(on: app.db)
            try await IndexNamesByWordStart().prepare(on: app.db)
            let sql = app.db as! any SQLDatabase
            struct Row: Decodable, Hashable { let tail: String; let search_name: String; let contact_id: UUID }
            let stored = Set(try await sql.raw("SELECT tail, search_name, contact_id FROM contact_name_starts").all(decoding: Row.self))
            let contacts = try await ContactModel.query(on: app.db).all()
            #expect(contacts.count == DemoRecords.clients.count + Self.contacts.count)
            let expected = Set(contacts.flatMap { contact in
                NameSearch.wordStarts(of: contact.searchName).map { Row(tail: $0, search_name: contact.searchName, contact_id: contact.id!) }
            })
            #expect(stored == expected)
            #expect(try await Self.names(app, "q=ann&limit=3", token: token) == ["Ann Annabel", "Ann Goldworth", "Anna Reid"])
        }
    }
}
