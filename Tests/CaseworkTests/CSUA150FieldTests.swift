@testable import Casework
import CaseworkCore
import Testing
import Vapor
import VaporTesting

/// Every field of the CSUA150 (`AccessRequestInput`) reaches every place a person meets it: a box on the form, its
/// value kept when the form is refused, stored, and shown back on the request's page and in the API's answer. A
/// field added to the core and missed in a template fails here, naming the field; the Swift places are named by the
/// compiler (see `AccessRequestInput`).
@Suite("The CSUA150's fields, end to end")
struct CSUA150FieldTests {
    /// A value for each field that no other field or page text has, so finding it proves where it went.
    static let typed: [AccessRequestInput.CodingKeys: String] = [
        .staffId: "20010002", .phone: "0191 555 0101", .team: "Tyneside Distinct Team", .grade: "HEO", .area: "Far North Area",
        .purpose: GrantPurpose.viewContact.rawValue, .requestedDurationMinutes: "75", .justification: "Client rang about a distinct arrears letter",
        .furtherDetails: "Lives at the distinct farm", .clientName: "Karen Distinct", .scin: "", .nino: hollowayNINO,
    ]

    /// How the request's page shows a stored field, when not as typed.
    static func shown(_ field: AccessRequestInput.Valid.CodingKeys, _ valid: AccessRequestInput.Valid) -> String? {
        switch field {
        case .purpose: valid.purpose.displayName
        case .minutes: "\(valid.minutes) minutes"
        case .justification: valid.justification
        case .furtherDetails: valid.furtherDetails
        case .phone: valid.phone
        case .team: valid.team
        case .grade: valid.grade
        case .area: valid.area
        case .clientName: valid.clientName
        case .scin: valid.scin
        case .nino: valid.nino
        }
    }

    @Test func everyFieldHasItsBoxAndIsShownBackOnTheRequest() async throws {
        try await withCasework(records: true) { app in
            let tom = Browser(app)
            try await tom.signIn("20010002")
            let form = try await tom.get("/access-requests/new").body.string
            for field in AccessRequestInput.CodingKeys.allCases {
                #expect(form.contains(#"name="\#(field.stringValue)""#), "the CSUA150 form has no box for \(field.stringValue)")
            }

            let sr = try await app.newServiceRequest(try await app.token("20010002"))
            var body = Dictionary(uniqueKeysWithValues: Self.typed.map { ($0.key.stringValue, $0.value) })
            body["serviceRequestId"] = sr.reference
            // Refused (no justification): every other field comes back as typed.
            var refusedBody = body
            refusedBody["justification"] = ""
            let refused = try await tom.post("/access-requests/new", form: refusedBody)
            #expect(refused.status == .unprocessableEntity)
            for (field, value) in Self.typed where field != .justification && !value.isEmpty && field != .purpose {
                #expect(refused.body.string.contains(value), "the refused form lost \(field.stringValue)")
            }

            let sent = try await tom.post("/access-requests/new", form: body)
            #expect(sent.status == .seeOther)
            let location = try #require(sent.headers.first(name: .location))
            let page = try await tom.get(location).body.string
            let id = String(location.split(separator: "/").last ?? "")
            let answer = try await app.sendJSON(.GET, "/api/v1/access-requests/\(id)", token: try await app.token("20010002"))
            let stored = try answer.content.decode(AccessRequestDTO.self).details
            let json = try JSONSerialization.jsonObject(with: Data(answer.body.readableBytesView)) as? [String: Any] ?? [:]
            for field in AccessRequestInput.Valid.CodingKeys.allCases {
                #expect(json[field.stringValue] != nil || Self.shown(field, stored) == nil, "the API's answer has no \(field.stringValue)")
                guard let text = Self.shown(field, stored) else { continue }
                #expect(page.contains(text), "the request's page does not show \(field.stringValue) (\(text))")
            }
            #expect(stored.team == "Tyneside Distinct Team" && stored.minutes == 75 && stored.clientName == "Karen Distinct")
        }
    }

    @Test func minutesTypedAsWordsAreAnErrorOnTheFieldNotAnUnreadableBody() async throws {
        try await withCasework(records: true) { app in
            let token = try await app.token("20010002")
            let sr = try await app.newServiceRequest(token)
            let body: [String: String] = ["purpose": "viewContact", "serviceRequestId": sr.id, "requestedDurationMinutes": "an hour",
                                          "justification": "Caller asked about a payment", "nino": hollowayNINO]
            let refused = try await app.sendJSON(.POST, "/api/v1/access-requests", body: body, token: token)
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.body.string.contains("requestedDurationMinutes") && refused.body.string.contains("between 1 and"))

            let tom = Browser(app)
            try await tom.signIn("20010002")
            let page = try await tom.post("/access-requests/new", form: body)
            #expect(page.status == .unprocessableEntity)
            #expect(page.body.string.contains(#"value="an hour""#) && page.body.string.contains("requestedDurationMinutes-error"))
        }
    }
}
