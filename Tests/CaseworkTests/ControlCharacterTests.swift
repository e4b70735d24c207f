@testable import Casework
import CaseworkCore
import Foundation
import NIOCore
import Testing
import Vapor
import VaporTesting

/// Text holding a control character: refused with the field named when a program sends it, cleaned from a browser's
/// form, dropped from a query. Each of these was a
/// 500 on PostgreSQL, which refuses a NUL in any text (`ControlCharacterGuard`).
@Suite("Control characters in what is sent")
struct ControlCharacterTests {
    @Test func aBodyHoldingANulIsRefusedNamingTheFieldAndNothingIsAdded() async throws {
        try await withCasework(records: true) { app in
            let token = try await app.token("20010002")
            let refused = try await app.sendJSON(.POST, "/api/v1/contacts", ["name": "Nul\u{0}Smith", "nino": "CE100009A"], token: token)
            #expect(refused.status == .unprocessableEntity, "\(refused.body.string)")
            let problem = try refused.content.decode(ProblemBody.self)
            #expect(problem.errors?["name"]?.contains("U+0000 (NUL)") == true, "\(refused.body.string)")
            let found = try await app.sendJSON(.GET, "/api/v1/contacts?q=CE100009A", token: token)
            #expect(try found.content.decode(ListDTO<ContactListingDTO>.self).items.isEmpty)
            // A tab and a line break are text like any other; the same contact without the NUL is added.
            let added = try await app.sendJSON(.POST, "/api/v1/contacts", ["name": "Nul Smith", "nino": "CE100009A"], token: token)
            #expect(added.status == .created, "\(added.body.string)")
        }
    }

    /// A browser's form keeps its text and drops what nobody can see: pasted from Word, an address carries its
    /// manual line breaks as vertical tabs (a page break as a form feed). Refusing the form showed a bare error page
    /// and lost everything typed; the JSON API still refuses them (above).
    @Test func aFormKeepsItsTextWithLineBreaksForWordsAndNoOtherControlCharacter() async throws {
        try await withCasework(records: true) { app in
            let page = Browser(app)
            try await page.signIn("20010002")
            let added = try await page.post("/contacts/new", form: ["name": "Paste\u{7}d Smith\u{0}", "nino": "CE100010A",
                                                                   "address": "1 High Street\u{0B}Newcastle\u{0C}NE1 1AA\u{1B}"])
            #expect(added.status == .seeOther, "\(added.status) \(added.body.string.prefix(400))")
            let token = try await app.token("20010002")
            let found = try await app.sendJSON(.GET, "/api/v1/contacts?q=CE100010A", token: token).content.decode(ListDTO<ContactListingDTO>.self)
            let id = try #require(found.items.first?.id)
            let contact = try await app.sendJSON(.GET, "/api/v1/contacts/\(id)", token: token)
            struct Stored: Decodable { let name: String; let address: String? }
            let stored = try contact.content.decode(Stored.self)
            #expect(stored.name == "Pasted Smith")
            #expect(stored.address == "1 High Street\nNewcastle\nNE1 1AA")
        }
    }

    @Test func aSearchOrFilterIsReadWithoutItsControlCharacters() async throws {
        try await withCasework(records: true) { app in
            let token = try await app.token("20010002")
            let staff = try await app.sendJSON(.GET, "/api/v1/staff?q=mor%00gan", token: token)
            #expect(staff.status == .ok, "\(staff.body.string)")
            #expect(staff.body.string.contains("Alex Morgan"))
            let page = Browser(app)
            try await page.signIn("20010002")
            #expect(try await page.get("/staff?q=mor%00gan").body.string.contains("Alex Morgan"))
            // A filter holding one is read as the rest of it: the caller's own staff number, so their own grants.
            let grants = try await app.sendJSON(.GET, "/api/v1/grants?staffId=2001%000002", token: token)
            #expect(grants.status == .ok, "\(grants.body.string)")
        }
    }

    @Test func anIdentityProviderSendingANulIsToldWhichAttribute() async throws {
        try await withCasework { app in
            let token = try await app.scimToken()
            let user = entraUser("70000003", userName: "nul.user@cm.example.gov.uk", name: ("Nul", "User")).replacingOccurrences(of: "\"Nul\"", with: "\"N\\u0000ul\"")
            let refused = try await app.scim(.POST, "/Users", user, token: token)
            #expect(refused.status == .badRequest)
            #expect(refused.json["scimType"] == .string("invalidValue"))
            #expect(refused.json["detail"]?.string?.contains("name.givenName") == true, "\(refused.json)")
            #expect(try await app.scim(.GET, "/Users/70000003", token: token).status == .notFound)
        }
    }

    /// The scans find a refused character however it is written, and nothing else.
    @Test func theScansTellEscapesFromText() {
        func json(_ text: String) -> Bool { ControlCharacterGuard.jsonMayHoldRefused(ByteBuffer(string: text).readableBytesView) }
        #expect(json(#"{"a":"x\u0000"}"#))
        #expect(json(#"{"a":"x\u001F"}"#))
        #expect(json("{\"a\":\"x\u{1}\"}"))
        #expect(!json(#"{"a":"x\\u0000"}"#)) // a backslash, then "u0000"
        #expect(json(#"{"a":"x\\\u0000"}"#)) // a backslash, then a NUL
        #expect(!json(#"{"a":"tab\t line\n\u0009\u000a\u000D"}"#))
        #expect(!json("{\n\t\"a\": \"é 👩‍💻\"\r\n}"))
        #expect(ControlCharacterGuard.refusedField(inJSON: ByteBuffer(string: #"{"b":[{"c":"ok"},{"c":"n\u0000"}]}"#).readableBytesView)?.field == "b[1].c")
        func form(_ text: String) -> String? { ControlCharacterGuard.cleanedForm(ByteBuffer(string: text).readableBytesView).map { String(buffer: $0) } }
        #expect(form("a=1&b%5Bc%5D=x%00y+z") == "a=1&b%5Bc%5D=xy%20z", "only the pair that changes is written again")
        #expect(form("note=one%0Btwo%0Cthree%1F&csrfToken=abc") == "note=one%0Atwo%0Athree&csrfToken=abc")
        #expect(form("a=line%0D%0Abreak&b=%25001") == nil)
        #expect(form("a=caf%C3%A9%07") == "a=caf%C3%A9")
        #expect(ControlCharacterGuard.queryWithoutRefused("q=wor%00th&x=%1b%41") == "q=worth&x=%41")
        #expect(ControlCharacterGuard.queryWithoutRefused("q=%2500%09") == nil)
        #expect(ControlCharacterGuard.queryWithoutRefused("q=ann%20gold&limit=10") == nil)
        #expect(ControlCharacterGuard.queryWithoutRefused("q=%%01x") == "q=%x")
    }

    struct ProblemBody: Decodable {
        let errors: [String: String]?
    }
}
