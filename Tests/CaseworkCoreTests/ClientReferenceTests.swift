import CaseworkCore
import Testing

@Suite("SCIN and CRN shape, and reading a search term")
struct ClientReferenceTests {
    @Test(arguments: [
        ("SCIN4471", "SCIN4471"), (" scin4471 ", "SCIN4471"), ("123456", "123456"), ("ABCDEF", "ABCDEF"), ("A1B2C3D4E5F6", "A1B2C3D4E5F6"),
    ])
    func aReferenceOfTheShapeIsKeptInUpperCase(typed: String, stored: String) {
        #expect(ClientReference.normalised(typed) == stored)
    }

    @Test(arguments: ["", "SC447", "A1B2C3D4E5F6G", "SCIN 4471", "SCIN-4471", "SCÏN4471", "12345"])
    func anythingElseIsNotAReference(typed: String) {
        #expect(ClientReference.normalised(typed) == nil)
    }

    @Test func theContactFormAndTheSearchUseTheSameShape() {
        // A reference the contact form refuses is never read as a SCIN by the CSUA150 form, and one it keeps is.
        for text in ["SCIN4471", "SC4471", "SCIN44711234", "SCIN447112345", "4471"] {
            let formAccepts = (try? ContactInput(name: "A Client", scin: text).validated(today: .now)) != nil
            let searchReadsSCIN = ContactSearchTerm(text) == .scin(text)
            #expect(formAccepts == searchReadsSCIN, "\(text)")
        }
    }

    @Test func aSearchTermIsANINOASCINOrAName() throws {
        #expect(ContactSearchTerm("ab 12 34 56 c") == .nino(try #require(NINO("AB123456C"))))
        #expect(ContactSearchTerm(" scin4471 ") == .scin("SCIN4471"))
        #expect(ContactSearchTerm("Holloway") == .name("Holloway"))
        #expect(ContactSearchTerm("Karen Holloway") == .name("Karen Holloway"))
        #expect(ContactSearchTerm("12") == .name("12"))
        #expect(ContactSearchTerm("   ") == nil)
    }
}
