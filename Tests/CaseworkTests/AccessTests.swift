@testable import Casework
import CaseworkCore
import Fluent
import Testing
import Vapor
import VaporTesting

extension NewAccessRequest {
    /// A body as a test writes one, field by field.
    init(staffId: String? = nil, phone: String? = nil, team: String? = nil, purpose: String? = nil, serviceRequestId: String? = nil,
         requestedDurationMinutes: Int? = nil, justification: String? = nil, contactId: String? = nil, nino: String? = nil, furtherDetails: String? = nil) {
        self.init(input: AccessRequestInput(staffId: staffId, phone: phone, team: team, purpose: purpose,
                                            requestedDurationMinutes: requestedDurationMinutes.map { TypedNumber($0) }, justification: justification,
                                            furtherDetails: furtherDetails, nino: nino),
                  serviceRequestId: serviceRequestId, contactId: contactId)
    }
}

extension Application {
    /// Tom Baxter (caseworker, team leader Sarah Whitfield) raises an SR and asks to view Karen Holloway for `minutes`.
    func submitAccessRequest(minutes: Int = 60, purpose: String = "viewContact") async throws -> (request: AccessRequestDTO, token: String) {
        let token = try await self.token("20010002")
        let sr = try await newServiceRequest(token)
        let body = NewAccessRequest(purpose: purpose, serviceRequestId: sr.id, requestedDurationMinutes: minutes,
                                    justification: "Caller asked about a payment on this case", nino: hollowayNINO, furtherDetails: "")
        let response = try await sendJSON(.POST, "/api/v1/access-requests", body: body, token: token)
        try #require(response.status == .created, "submitting failed: \(response.body.string)")
        return (try response.content.decode(AccessRequestDTO.self), token)
    }

    func decide(_ id: String, _ decision: String, reason: String? = nil, minutes: Int? = nil, token: String) async throws -> TestingHTTPResponse {
        struct Body: Encodable { let decision: String; let reason: String?; let durationMinutes: Int? }
        return try await sendJSON(.POST, "/api/v1/access-requests/\(id)/decisions", body: Body(decision: decision, reason: reason, durationMinutes: minutes), token: token)
    }
}

@Suite("Temporary SCR access")
struct AccessTests {
    @Test func theWholeChainGrantsAccessThatEndsToTheSecond() async throws {
        try await withCasework(records: true) { app in
            let (request, tom) = try await app.submitAccessRequest(minutes: 60)
            #expect(request.status == .awaitingTeamLeader && request.teamLeader?.staffId == "20010001")
            let contact = try await app.contactId(nino: hollowayNINO)
            #expect(try await app.sendJSON(.GET, "/api/v1/contacts/\(contact)", token: tom).status == .forbidden)
            let sarah = try await app.token("20010001", role: .teamLeader)
            #expect(try await app.decide(request.id, "approve", token: sarah).status == .ok)
            let robert = try await app.token("30000002", role: .scrManager)
            #expect(try await app.decide(request.id, "approve", token: robert).status == .ok)
            let marcus = try await app.token("40000002")
            let granted = try await app.decide(request.id, "approve", minutes: 30, token: marcus)
            #expect(granted.status == .ok)
            let dto = try granted.content.decode(AccessRequestDTO.self)
            #expect(dto.status == .granted)
            let grantId = try #require(dto.grantId)
            let grant = try await app.sendJSON(.GET, "/api/v1/grants/\(grantId)", token: tom).content.decode(GrantDTO.self)
            #expect(grant.status == "active" && grant.staffId == "20010002")
            #expect(CaseworkTime.parse(grant.expiresAt)!.timeIntervalSince(CaseworkTime.parse(grant.grantedAt)!) == 30 * 60)
            // Tom's own grants list it, by status too; another caseworker's list is not his to read.
            let own = try await app.sendJSON(.GET, "/api/v1/grants", token: tom).content.decode(ListDTO<GrantDTO>.self).items
            #expect(own.map(\.id) == [grantId] && own.first?.expiresAt == grant.expiresAt && own.first?.purpose == .viewContact)
            #expect(try await app.sendJSON(.GET, "/api/v1/grants?status=active", token: tom).content.decode(ListDTO<GrantDTO>.self).items.count == 1)
            #expect(try await app.sendJSON(.GET, "/api/v1/grants?status=expired", token: tom).content.decode(ListDTO<GrantDTO>.self).items.isEmpty)
            #expect(try await app.sendJSON(.GET, "/api/v1/grants?staffId=20020002", token: tom).status == .forbidden)
            // Access opens at once, without signing out and in.
            #expect(try await app.sendJSON(.GET, "/api/v1/contacts/\(contact)", token: tom).status == .ok)
            let expires = CaseworkTime.parse(grant.expiresAt)!
            app.clockForTests.set(expires.addingTimeInterval(-1))
            #expect(try await app.sendJSON(.GET, "/api/v1/contacts/\(contact)", token: tom).status == .ok)
            app.clockForTests.set(expires)
            #expect(try await app.sendJSON(.GET, "/api/v1/contacts/\(contact)", token: tom).status == .forbidden)
            #expect(try await app.sendJSON(.GET, "/api/v1/grants/\(grantId)", token: tom).content.decode(GrantDTO.self).status == "expired")
            let views = try await app.auditEvents().filter { $0.subjectId == contact && $0.actorStaffId == "20010002" && $0.action == "contact.view" }
            #expect(views.map(\.outcome) == ["denied", "success", "success", "denied"])
            #expect(views[1].detail.contains("temporary grant for viewContact"))
        }
    }

    @Test func everyStageIsRefusedToTheWrongPerson() async throws {
        try await withCasework(records: true) { app in
            let (request, tom) = try await app.submitAccessRequest()
            let otherLeader = try await app.token("20020001")
            #expect(try await app.decide(request.id, "approve", token: otherLeader).status == .forbidden)
            let manager = try await app.token("30000002", role: .scrManager)
            #expect(try await app.decide(request.id, "approve", token: manager).status == .forbidden)
            #expect(try await app.decide(request.id, "approve", token: tom).status == .forbidden)
            let sarah = try await app.token("20010001", role: .teamLeader)
            let noReason = try await app.decide(request.id, "return", token: sarah)
            #expect(noReason.status == .unprocessableEntity)
            #expect(try noReason.content.decode(Problem.self).errors?["reason"] != nil)
            let returned = try await app.decide(request.id, "return", reason: "SR number is wrong", token: sarah)
            #expect(try returned.content.decode(AccessRequestDTO.self).status == .returned)
            #expect(try await app.decide(request.id, "approve", token: sarah).status == .conflict)
            #expect(try await app.sendJSON(.POST, "/api/v1/access-requests/\(request.id)/withdraw", token: tom).status == .conflict)
        }
    }

    @Test func oneDeciderNeverDecidesTwoStagesAndNeverLongerThanAsked() async throws {
        try await withCasework(records: true) { app in
            let admin = try await app.token("90000001")
            _ = try await app.sendJSON(.PATCH, "/api/v1/staff/30000002", body: ["roles": ["scrManager", "scrCaseworker", "provisioning"]], token: admin)
            let (request, _) = try await app.submitAccessRequest(minutes: 60)
            _ = try await app.decide(request.id, "approve", token: try await app.token("20010001", role: .teamLeader))
            _ = try await app.decide(request.id, "approve", token: try await app.token("30000002", role: .scrManager))
            let sameManAsProvisioning = try await app.token("30000002", role: .provisioning)
            let twice = try await app.decide(request.id, "approve", token: sameManAsProvisioning)
            #expect(twice.status == .forbidden)
            #expect(try twice.content.decode(Problem.self).detail.contains("never decides two stages"))
            let marcus = try await app.token("40000002")
            #expect(try await app.decide(request.id, "approve", minutes: 61, token: marcus).status == .unprocessableEntity)
            #expect(try await app.decide(request.id, "reject", reason: "Not needed for a general enquiry", token: marcus).status == .ok)
            #expect(try await GrantModel.query(on: app.db).count() == 0)
        }
    }

    @Test func fiftyConcurrentApprovalsLeaveExactlyOneGrant() async throws {
        try await withCasework(records: true) { app in
            let (request, _) = try await app.submitAccessRequest()
            _ = try await app.decide(request.id, "approve", token: try await app.token("20010001", role: .teamLeader))
            _ = try await app.decide(request.id, "approve", token: try await app.token("30000002", role: .scrManager))
            let tokens = [try await app.token("40000002"), try await app.token("40000003"), try await app.token("40000001", role: .provisioning)]
            let statuses = try await withThrowingTaskGroup(of: HTTPResponseStatus.self) { group in
                for index in 0..<50 {
                    group.addTask { try await app.decide(request.id, "approve", token: tokens[index % tokens.count]).status }
                }
                var all: [HTTPResponseStatus] = []
                for try await status in group { all.append(status) }
                return all
            }
            #expect(statuses.filter { $0 == .ok }.count == 1)
            #expect(statuses.filter { $0 == .conflict }.count == 49)
            #expect(try await GrantModel.query(on: app.db).count() == 1)
            #expect(try await app.auditEvents().filter { $0.action == "access.decide" && $0.detail.contains("provisioning approve") }.count == 1)
        }
    }

    @Test func aDecisionRepeatedAfterItsStageIsA409NotA403() async throws {
        try await withCasework(records: true) { app in
            let (request, _) = try await app.submitAccessRequest()
            let sarah = try await app.token("20010001", role: .teamLeader)
            #expect(try await app.decide(request.id, "approve", token: sarah).status == .ok)
            let robert = try await app.token("30000002", role: .scrManager)
            #expect(try await app.decide(request.id, "approve", token: robert).status == .ok)
            // Each decider submitting again (a double click, a retry): the request's state forbids it.
            for token in [sarah, robert] {
                let again = try await app.decide(request.id, "approve", token: token)
                #expect(again.status == .conflict)
                #expect(try again.content.decode(Problem.self).detail.contains("already decided (you decided it)"))
            }
            // A role that never has a say is still refused as such.
            #expect(try await app.decide(request.id, "approve", token: try await app.token("20010003")).status == .forbidden)
            #expect(try await AccessRequestModel.find(UUID(uuidString: request.id)!, on: app.db)?.status == .awaitingProvisioning)
        }
    }

    @Test func thePageOffersTheDecisionOnlyToThoseTheChainWouldLetDecide() async throws {
        try await withCasework(records: true) { app in
            // Robert also works in provisioning: having approved as SCR manager, he may not provision too.
            let admin = try await app.token("90000001")
            struct Roles: Encodable { let roles: [String] }
            let patched = try await app.sendJSON(.PATCH, "/api/v1/staff/30000002", body: Roles(roles: ["scrManager", "scrCaseworker", "provisioning"]), token: admin)
            #expect(patched.status == .ok)
            let (request, _) = try await app.submitAccessRequest()
            #expect(try await app.decide(request.id, "approve", token: try await app.token("20010001", role: .teamLeader)).status == .ok)
            #expect(try await app.decide(request.id, "approve", token: try await app.token("30000002", role: .scrManager)).status == .ok)
            let robert = Browser(app)
            try await robert.signIn("30000002")
            #expect(try await robert.post("/choose-role", form: ["role": "provisioning"]).status == .seeOther)
            let page = try await robert.get("/access-requests/\(request.id)")
            #expect(page.status == .ok)
            #expect(!page.body.string.contains(#"name="decision""#), "the form is offered to someone who decided another stage")
            #expect(try await app.decide(request.id, "approve", token: try await app.token("30000002", role: .provisioning)).status == .forbidden)
            // Someone else in provisioning is offered it.
            let marcus = Browser(app)
            try await marcus.signIn("40000002")
            #expect(try await marcus.get("/access-requests/\(request.id)").body.string.contains(#"name="decision""#))
        }
    }

    @Test func badFormsNameEveryFieldAndSaveNothing() async throws {
        try await withCasework(records: true) { app in
            let tom = try await app.token("20010002")
            let response = try await app.sendJSON(.POST, "/api/v1/access-requests", body: NewAccessRequest(purpose: "peek", serviceRequestId: "SR-NOPE", requestedDurationMinutes: 0, justification: " "), token: tom)
            #expect(response.status == .unprocessableEntity)
            let problem = try response.content.decode(Problem.self)
            for field in ["purpose", "serviceRequestId", "requestedDurationMinutes", "justification"] { #expect(problem.errors?[field] != nil, "no message for \(field)") }
            let ordinary = try await app.sendJSON(.POST, "/api/v1/access-requests", body: NewAccessRequest(purpose: "viewContact", serviceRequestId: try await app.newServiceRequest(tom).id, requestedDurationMinutes: 60, justification: "x", nino: reidNINO), token: tom)
            #expect(try ordinary.content.decode(Problem.self).errors?["contactId"]?.contains("not sensitive") == true)
            #expect(try await AccessRequestModel.query(on: app.db).count() == 0)
            let leader = try await app.token("20010001", role: .teamLeader)
            #expect(try await app.sendJSON(.POST, "/api/v1/access-requests", body: NewAccessRequest(purpose: "viewContact"), token: leader).status == .forbidden)
        }
    }

    @Test func awaitingMeListsWhatEachDeciderHasToDo() async throws {
        try await withCasework(records: true) { app in
            let (request, _) = try await app.submitAccessRequest()
            let sarah = try await app.token("20010001", role: .teamLeader)
            let mine = try await app.sendJSON(.GET, "/api/v1/access-requests?awaitingMe=true", token: sarah).content.decode(ListDTO<AccessRequestDTO>.self)
            #expect(mine.items.map(\.id) == [request.id])
            let otherLeader = try await app.token("20020001")
            #expect(try await app.sendJSON(.GET, "/api/v1/access-requests?awaitingMe=true", token: otherLeader).content.decode(ListDTO<AccessRequestDTO>.self).items.isEmpty)
            #expect(try await app.sendJSON(.GET, "/api/v1/access-requests/\(request.id)", token: otherLeader).status == .forbidden)
            #expect(try await app.sendJSON(.GET, "/api/v1/access-requests?status=bogus", token: sarah).status == .unprocessableEntity)
        }
    }
    /// Sarah Whitfield is a caseworker (her own requests go to Margaret Okafor) and Tom Baxter's team leader. Her page's
    /// "Requests" lists what she asked for, paged as it is read: newer requests of her team, which she countersigns,
    /// once filled a page that was then filtered down to "No requests." with no link to the next.
    @Test func thePagesRequestsAreThoseYouAskedForPagedAsRead() async throws {
        try await withCasework(records: true) { app in
            let sarahsToken = try await app.token("20010001", role: .caseworker)
            let body = NewAccessRequest(purpose: "viewContact", serviceRequestId: try await app.newServiceRequest(sarahsToken).id, requestedDurationMinutes: 30,
                                        justification: "Caller asked about a payment on this case", nino: hollowayNINO)
            let response = try await app.sendJSON(.POST, "/api/v1/access-requests", body: body, token: sarahsToken)
            try #require(response.status == .created, "\(response.body.string)")
            let sarahs = try response.content.decode(AccessRequestDTO.self)
            var toms: [String] = []
            for _ in 0..<2 {
                app.clockForTests.advance(by: 1)
                toms.append(try await app.submitAccessRequest().request.id)
            }

            let sarah = Browser(app)
            try await sarah.signIn("20010001")
            try await sarah.post("/choose-role", form: ["role": "caseworker"])
            let page = try await sarah.get("/access-requests?limit=2").body.string
            #expect(page.contains(#"href="/access-requests/\#(sarahs.id)""#), "her own request is listed")
            #expect(!page.contains("No requests."))
            #expect(!toms.contains { page.contains($0) }, "her team's requests are not hers")
            // The API twin lists every request she is part of, her team's included.
            let listed = try await app.sendJSON(.GET, "/api/v1/access-requests?limit=3", token: sarahsToken).content.decode(ListDTO<AccessRequestDTO>.self)
            #expect(Set(listed.items.map(\.id)) == Set(toms + [sarahs.id]))
        }
    }

    /// At national volume about 3,300 requests wait at each of the SCR managers' and provisioning's stages; the page
    /// showed the oldest fifty with no count and no way on. It now says how many wait and pages them fifty at a time,
    /// oldest first, each list's link keeping the other's place; an SCR manager's count (kept with their shared list)
    /// moves with each decision.
    @Test func theListWaitingForYourDecisionIsCountedAndPagedFiftyAtATime() async throws {
        try await withCasework(records: true) { app in
            var waiting: [String] = []
            for _ in 0..<51 {
                app.clockForTests.advance(by: 1)
                waiting.append(try await app.submitAccessRequest().request.id)
            }
            let sarah = Browser(app)
            try await sarah.signIn("20010001")
            try await sarah.post("/choose-role", form: ["role": "teamLeader"])
            let first = try await sarah.get("/access-requests").body.string
            #expect(text(ofId: "waiting-count", in: first) == "51 requests are waiting for your decision, oldest first.")
            #expect(waiting.prefix(50).allSatisfy { first.contains("/access-requests/\($0)\"") }, "the oldest fifty are listed")
            #expect(!first.contains(waiting[50]))
            #expect(href(ofId: "first-waiting", in: first) == nil, "the first page has no link back to itself")

            let nextHref = try #require(href(ofId: "next-waiting", in: first))
            #expect(nextHref.hasPrefix("/access-requests?waitingCursor=\(waiting[49])"))
            let second = try await sarah.get(nextHref).body.string
            #expect(second.contains(waiting[50]))
            #expect(!waiting.prefix(50).contains { second.contains($0) })
            #expect(text(ofId: "waiting-count", in: second) == "51 requests are waiting for your decision, oldest first.")
            #expect(href(ofId: "next-waiting", in: second) == nil)
            #expect(href(ofId: "first-waiting", in: second) == "/access-requests")
            #expect(try await sarah.get("/access-requests?waitingCursor=not-a-cursor").status == .unprocessableEntity)

            // The SCR managers share one list (kept by the server); its count is read again after each decision.
            let sarahsToken = try await app.token("20010001", role: .teamLeader)
            for id in waiting.prefix(2) { _ = try await app.decide(id, "approve", token: sarahsToken) }
            let robert = Browser(app)
            try await robert.signIn("30000002")
            try await robert.post("/choose-role", form: ["role": "scrManager"])
            #expect(text(ofId: "waiting-count", in: try await robert.get("/access-requests").body.string)
                    == "2 requests are waiting for your decision, oldest first.")
            _ = try await app.decide(waiting[0], "approve", token: try await app.token("30000002", role: .scrManager))
            let after = try await robert.get("/access-requests").body.string
            #expect(text(ofId: "waiting-count", in: after) == "1 request is waiting for your decision, oldest first.")
            #expect(!after.contains("/access-requests/\(waiting[0])\""))
        }
    }
}

/// The `href` of the link with this id, its `&amp;`s read back as `&`.
func href(ofId id: String, in html: String) -> String? {
    guard let idAt = html.range(of: "id=\"\(id)\""), let open = html[..<idAt.lowerBound].range(of: "<a ", options: .backwards),
          let hrefAt = html[open.upperBound..<idAt.lowerBound].range(of: "href=\"") else { return nil }
    let rest = html[hrefAt.upperBound...]
    return rest.firstIndex(of: "\"").map { String(rest[..<$0]).replacingOccurrences(of: "&amp;", with: "&") }
}

extension Application {
    /// Takes a fresh request through all three stages and returns the grant id with the holder's and leader's tokens.
    func grantAccess(minutes: Int = 60) async throws -> (grantId: String, holder: String, leader: String, provisioning: String) {
        let (request, tom) = try await submitAccessRequest(minutes: minutes)
        let sarah = try await token("20010001", role: .teamLeader)
        _ = try await decide(request.id, "approve", token: sarah)
        _ = try await decide(request.id, "approve", token: try await token("30000002", role: .scrManager))
        let marcus = try await token("40000002")
        let granted = try await decide(request.id, "approve", token: marcus).content.decode(AccessRequestDTO.self)
        return (try #require(granted.grantId), tom, sarah, marcus)
    }
}

@Suite("Extension, removal and log-off")
struct GrantChangeTests {
    @Test func anExtensionIsEndorsedThenGrantedAndMovesTheExpiry() async throws {
        try await withCasework(records: true) { app in
            let (grantId, tom, sarah, marcus) = try await app.grantAccess(minutes: 60)
            let before = try await app.sendJSON(.GET, "/api/v1/grants/\(grantId)", token: tom).content.decode(GrantDTO.self)
            struct Ask: Encodable { let additionalMinutes: Int; let reason: String }
            let asked = try await app.sendJSON(.POST, "/api/v1/grants/\(grantId)/extension-requests", body: Ask(additionalMinutes: 30, reason: "Payment trace not back yet"), token: tom)
            #expect(asked.status == .created)
            let change = try asked.content.decode(GrantChangeDTO.self)
            #expect(change.status == .awaitingTeamLeader)
            #expect(try await app.decide2(change.id, "approve", token: marcus).status == .forbidden)
            #expect(try await app.decide2(change.id, "approve", token: sarah).status == .ok)
            #expect(try await app.decide2(change.id, "approve", minutes: 31, token: marcus).status == .unprocessableEntity)
            let approved = try await app.decide2(change.id, "approve", minutes: 20, token: marcus)
            #expect(try approved.content.decode(GrantChangeDTO.self).status == .approved)
            let after = try await app.sendJSON(.GET, "/api/v1/grants/\(grantId)", token: tom).content.decode(GrantDTO.self)
            #expect(CaseworkTime.parse(after.expiresAt)!.timeIntervalSince(CaseworkTime.parse(before.expiresAt)!) == 20 * 60)
            #expect(try await app.decide2(change.id, "approve", token: marcus).status == .conflict)
        }
    }

    @Test func aRemovalReasonLeftOutIsShownBesideTheRemovalFormNotTheExtensionForm() async throws {
        try await withCasework(records: true) { app in
            let (grantId, _, _, _) = try await app.grantAccess()
            let tom = Browser(app)
            try await tom.signIn("20010002")
            let page = try await tom.post("/grants/\(grantId)/removal-requests", form: ["reason": " "])
            #expect(page.status == .unprocessableEntity)
            let html = page.body.string
            #expect(html.contains("href=\"#removalReason\""))
            let removal = try #require(html.range(of: "id=\"removalReason\""))
            let extensionReason = try #require(html.range(of: "id=\"reason\""))
            // The message sits in the removal form's group, and the extension form's reason has none.
            let message = try #require(html.range(of: "<p class=\"govuk-error-message\"", options: .backwards, range: html.startIndex..<removal.lowerBound))
            #expect(message.lowerBound > extensionReason.upperBound)
            #expect(!html[html.startIndex..<extensionReason.lowerBound].contains("error-message"))
        }
    }

    @Test func provisioningRemovesAtOnceAndTheLeaderConfirmsTheLogOff() async throws {
        try await withCasework(records: true) { app in
            let (grantId, tom, sarah, marcus) = try await app.grantAccess()
            let contact = try await app.contactId(nino: hollowayNINO)
            #expect(try await app.sendJSON(.GET, "/api/v1/contacts/\(contact)", token: tom).status == .ok)
            #expect(try await app.sendJSON(.POST, "/api/v1/grants/\(grantId)/log-off-confirmation", token: sarah).status == .conflict)
            let asked = try await app.sendJSON(.POST, "/api/v1/grants/\(grantId)/removal-requests", ["reason": "Work finished early"], token: tom)
            #expect(try asked.content.decode(GrantChangeDTO.self).status == .awaitingProvisioning)
            #expect(try await app.sendJSON(.POST, "/api/v1/grants/\(grantId)/remove", ["reason": "done"], token: sarah).status == .forbidden)
            #expect(try await app.sendJSON(.POST, "/api/v1/grants/\(grantId)/remove", ["reason": " "], token: marcus).status == .unprocessableEntity)
            let removed = try await app.sendJSON(.POST, "/api/v1/grants/\(grantId)/remove", ["reason": "Holder says the work is done"], token: marcus)
            #expect(try removed.content.decode(GrantDTO.self).status == "removed")
            // The very next request is refused.
            #expect(try await app.sendJSON(.GET, "/api/v1/contacts/\(contact)", token: tom).status == .forbidden)
            #expect(try await app.sendJSON(.POST, "/api/v1/grants/\(grantId)/remove", ["reason": "again"], token: marcus).status == .conflict)
            #expect(try await app.sendJSON(.POST, "/api/v1/grants/\(grantId)/log-off-confirmation", token: tom).status == .forbidden)
            let confirmed = try await app.sendJSON(.POST, "/api/v1/grants/\(grantId)/log-off-confirmation", token: sarah).content.decode(GrantDTO.self)
            #expect(confirmed.logOffConfirmedBy == "20010001")
            #expect(try await app.sendJSON(.POST, "/api/v1/grants/\(grantId)/log-off-confirmation", token: sarah).status == .conflict)
            #expect(try await GrantChangeRequestModel.query(on: app.db).filter(\.$status == .approved).count() == 1)
        }
    }

    @Test func anEndedGrantCannotBeExtended() async throws {
        try await withCasework(records: true) { app in
            let (grantId, tom, _, _) = try await app.grantAccess(minutes: 10)
            app.clockForTests.advance(by: 10 * 60)
            struct Ask: Encodable { let additionalMinutes: Int; let reason: String }
            #expect(try await app.sendJSON(.POST, "/api/v1/grants/\(grantId)/extension-requests", body: Ask(additionalMinutes: 5, reason: "late"), token: tom).status == .conflict)
            let stranger = try await app.token("20020002")
            #expect(try await app.sendJSON(.GET, "/api/v1/grants/\(grantId)", token: stranger).status == .forbidden)
        }
    }
}

extension Application {
    func decide2(_ id: String, _ decision: String, reason: String? = nil, minutes: Int? = nil, token: String) async throws -> TestingHTTPResponse {
        struct Body: Encodable { let decision: String; let reason: String?; let durationMinutes: Int? }
        return try await sendJSON(.POST, "/api/v1/extension-requests/\(id)/decisions", body: Body(decision: decision, reason: reason, durationMinutes: minutes), token: token)
    }
}

@Suite("Expiry and notifications")
struct ExpiryTests {
    typealias Note = NotificationDTO

    @Test func atExpiryTheJobEndsSessionsReturnsWorkAndTasksTheLeader() async throws {
        try await withCasework(records: true) { app in
            let (request, tom) = try await app.submitAccessRequest(minutes: 30, purpose: "routeServiceRequest")
            let srId = try #require(request.serviceRequestId)
            _ = try await app.decide(request.id, "approve", token: try await app.token("20010001", role: .teamLeader))
            _ = try await app.decide(request.id, "approve", token: try await app.token("30000002", role: .scrManager))
            let granted = try await app.decide(request.id, "approve", token: try await app.token("40000002")).content.decode(AccessRequestDTO.self)
            // With the routing grant, Tom links Karen Holloway and routes the SR; the SCR manager assigns it back to him.
            #expect(try await app.sendJSON(.POST, "/api/v1/service-requests/\(srId)/links", ["contactId": hollowayNINO], token: tom).status == .ok)
            let routed = try await app.sendJSON(.POST, "/api/v1/service-requests/\(srId)/status", ["status": "pendingAssignment"], token: tom).content.decode(ServiceRequestDTO.self)
            #expect(routed.segment == "scr")
            #expect(try await GrantExpiry(app: app).runOnce() == 0)
            app.clockForTests.advance(by: 30 * 60)
            #expect(try await GrantExpiry(app: app).runOnce() == 1)
            #expect(try await GrantExpiry(app: app).runOnce() == 0)
            // The holder's sessions are over: the next request starts afresh.
            #expect(try await app.sendJSON(.GET, "/api/v1/home", token: tom).status == .unauthorized)
            let grant = try #require(try await GrantModel.find(UUID(uuidString: granted.grantId!)!, on: app.db))
            #expect(grant.endProcessedAt != nil)
            let sarah = try await app.token("20010001", role: .teamLeader)
            let inbox = try await app.sendJSON(.GET, "/api/v1/notifications", token: sarah).content.decode(ListDTO<Note>.self)
            #expect(inbox.items.contains { $0.kind == .logOffTask && $0.text.contains(request.reference) })
            #expect(inbox.items.contains { $0.kind == .granted && $0.text.contains("30 minutes") })
            #expect(inbox.items.contains { $0.kind == .awaitingYou })
            let home = try await app.sendJSON(.GET, "/api/v1/home", token: sarah).content.decode(HomeDTO.self)
            #expect(home.sections.first?.id == "notifications" && !home.sections[0].items.isEmpty)
            // Tom signed in once: the event counts the one session it ended.
            #expect(try await app.auditEvents().contains { $0.action == "grant.ended" && $0.detail.contains("expired; 1 session(s) ended") })
        }
    }

    @Test func assignedWorkTheHolderMayNoLongerSeeGoesBackToItsHopper() async throws {
        try await withCasework(records: true) { app in
            let (request, tom) = try await app.submitAccessRequest(minutes: 30, purpose: "routeServiceRequest")
            let srId = try #require(request.serviceRequestId)
            _ = try await app.decide(request.id, "approve", token: try await app.token("20010001", role: .teamLeader))
            _ = try await app.decide(request.id, "approve", token: try await app.token("30000002", role: .scrManager))
            _ = try await app.decide(request.id, "approve", token: try await app.token("40000002"))
            _ = try await app.sendJSON(.POST, "/api/v1/service-requests/\(srId)/links", ["contactId": hollowayNINO], token: tom)
            _ = try await app.sendJSON(.POST, "/api/v1/service-requests/\(srId)/status", ["status": "pendingAssignment"], token: tom)
            // Hand-assign to Tom as if a team leader had (the SCR hopper would refuse him once the grant ends).
            try await ServiceRequestModel.query(on: app.db).filter(\.$id == UUID(uuidString: srId)!)
                .set(\.$status, to: .assigned).set(\.$assigneeStaffId, to: "20010002").update()
            app.clockForTests.advance(by: 30 * 60)
            try await GrantExpiry(app: app).runOnce()
            let sr = try #require(try await ServiceRequestModel.find(UUID(uuidString: srId)!, on: app.db))
            #expect(sr.status == .pendingAssignment && sr.assigneeStaffId == nil && sr.segment == "scr")
            #expect(abs((sr.routedAt ?? .distantPast).timeIntervalSince(app.clockForTests.now())) < 1, "routed again at the expiry run")
            let history = try await ServiceRequestHistoryModel.query(on: app.db).filter(\.$serviceRequest.$id == sr.id!).all()
            #expect(history.contains { $0.action == .returned && $0.detail.contains("back to the scr hopper") })
            let sarah = try await app.token("20010001", role: .teamLeader)
            let inbox = try await app.sendJSON(.GET, "/api/v1/notifications", token: sarah).content.decode(ListDTO<Note>.self)
            #expect(inbox.items.contains { $0.kind == .workReturned && $0.text.contains(sr.reference) })
        }
    }

    @Test func notificationsNeverCarryClientDetails() async throws {
        try await withCasework(records: true) { app in
            let (request, _) = try await app.submitAccessRequest()
            _ = try await app.decide(request.id, "approve", token: try await app.token("20010001", role: .teamLeader))
            _ = try await app.decide(request.id, "reject", reason: "Not enough justification", token: try await app.token("30000002", role: .scrManager))
            for note in try await NotificationModel.query(on: app.db).all() {
                for secret in ["Holloway", hollowayNINO, "SCIN4471", "Karen"] { #expect(!note.text.contains(secret), "\(note.kind) leaked \(secret)") }
            }
            let tom = try await app.token("20010002")
            let inbox = try await app.sendJSON(.GET, "/api/v1/notifications", token: tom).content.decode(ListDTO<Note>.self)
            let rejected = try #require(inbox.items.first { $0.kind == .rejected })
            #expect(rejected.text.contains("Not enough justification"))
            #expect(try await app.sendJSON(.POST, "/api/v1/notifications/\(rejected.id)/read", token: tom).status == .noContent)
            let someoneElse = try await app.token("20020002")
            #expect(try await app.sendJSON(.POST, "/api/v1/notifications/\(rejected.id)/read", token: someoneElse).status == .notFound)
        }
    }
}

@Suite("Temporary access pages")
struct AccessPageTests {
    @Test func fourPeopleFollowTheProcedureInTheBrowser() async throws {
        try await withCasework(records: true) { app in
            let tom = Browser(app)
            try await tom.signIn("20010002")
            let sr = try await app.newServiceRequest(try await app.token("20010002"))
            let empty = try await tom.post("/access-requests/new", form: ["serviceRequestId": sr.reference])
            #expect(empty.status == .unprocessableEntity)
            #expect(empty.body.string.contains(##"href="#purpose""##) && empty.body.string.contains(##"href="#justification""##))
            #expect(empty.body.string.contains(#"value="\#(sr.reference)""#))
            let sent = try await tom.post("/access-requests/new", form: [
                "purpose": "viewContact", "serviceRequestId": sr.reference, "requestedDurationMinutes": "120", "nino": "AB 12 34 56 C",
                "justification": "Caller asked about a payment", "furtherDetails": "",
            ])
            #expect(sent.status == .seeOther)
            let location = try #require(sent.headers.first(name: .location))
            let requestPage = try await tom.get(location).body.string
            #expect(text(ofId: "request-status", in: requestPage) == "Awaiting team leader" && requestPage.contains(#"data-status="awaitingTeamLeader""#))
            #expect(requestPage.contains("sent to your team leader, Sarah Whitfield"))

            let sarah = Browser(app)
            try await sarah.signIn("20010001")
            try await sarah.post("/choose-role", form: ["role": "teamLeader"])
            #expect(try await sarah.get("/").body.string.contains("awaits your countersignature"))
            let noReason = try await sarah.post("\(location)/decisions", form: ["decision": "return"])
            #expect(noReason.status == .unprocessableEntity)
            try await sarah.post("\(location)/decisions", form: ["decision": "approve"])

            let robert = Browser(app)
            try await robert.signIn("30000002")
            try await robert.post("/choose-role", form: ["role": "scrManager"])
            let robertsList = try await robert.get("/access-requests").body.string
            #expect(robertsList.contains("Waiting for your decision"))
            // The row waiting for him says what was asked, for how long and by whom; his list of every request shows
            // its status.
            let listStart = try #require(robertsList.range(of: #"id="awaiting-me""#))
            let waiting = String(robertsList[listStart.upperBound...].prefix { $0 != "\n" })
            #expect(waiting.contains("View a sensitive contact, for 120 minutes, from 20010002 - Tom Baxter"), "\(waiting)")
            #expect(robertsList.contains(#"href="\#(location)""#) && robertsList.contains("Awaiting SCR manager"))
            try await robert.post("\(location)/decisions", form: ["decision": "approve"])

            let marcus = Browser(app)
            try await marcus.signIn("40000002")
            try await marcus.post("\(location)/decisions", form: ["decision": "approve", "durationMinutes": "60"])
            let granted = try await marcus.get(location).body.string
            #expect(text(ofId: "request-status", in: granted) == "Granted")
            #expect(granted.contains(#"id="grant-link""#))
            let grant = try #require(try await GrantModel.query(on: app.db).first())
            let contact = try await app.contactId(nino: hollowayNINO)
            #expect(try await tom.get("/contacts/\(contact)").status == .ok)

            app.clockForTests.advance(by: 60 * 60)
            #expect(try await tom.get("/contacts/\(contact)").status == .forbidden)
            try await GrantExpiry(app: app).runOnce()
            let grantPage = try await sarah.get("/grants/\(grant.id!.uuidString)").body.string
            #expect(text(ofId: "grant-status", in: grantPage) == "expired")
            #expect(grantPage.contains(#"id="confirm-logoff-button""#))
            try await sarah.post("/grants/\(grant.id!.uuidString)/log-off-confirmation", form: [:])
            let confirmed = try await sarah.get("/grants/\(grant.id!.uuidString)").body.string
            #expect(confirmed.contains("by 20010001"))
        }
    }
}

@Suite("What a grant covers")
struct GrantCoverageTests {
    @Test func theNamedContactAndTheContactsOfTheSRsCaseAndNothingElse() async throws {
        try await withCasework(records: true) { app in
            let (request, tom) = try await app.submitAccessRequest(minutes: 60)
            _ = try await app.decide(request.id, "approve", token: try await app.token("20010001", role: .teamLeader))
            _ = try await app.decide(request.id, "approve", token: try await app.token("30000002", role: .scrManager))
            _ = try await app.decide(request.id, "approve", token: try await app.token("40000002"))
            let karen = try await app.contactId(nino: hollowayNINO)
            let mia = try #require(try await ContactModel.query(on: app.db).filter(\.$crn == "CRN900112").first()?.id?.uuidString)
            #expect(try await app.sendJSON(.GET, "/api/v1/contacts/\(karen)", token: tom).status == .ok)
            #expect(try await app.sendJSON(.GET, "/api/v1/contacts/\(mia)", token: tom).status == .forbidden, "not named, not on the SR")
            // Once the SR is on Karen's case, the grant covers the case's participants too, from the next read.
            let caseId = try #require(try await CaseModel.query(on: app.db).filter(\.$caseNumber == "CM-1000001").first()?.id)
            try await ServiceRequestModel.query(on: app.db).filter(\.$id == UUID(uuidString: request.serviceRequestId!)!).set(\.$case.$id, to: caseId).update()
            #expect(try await app.sendJSON(.GET, "/api/v1/contacts/\(mia)", token: tom).status == .ok)
            // Another holder's grants cover nothing of Tom's.
            #expect(try await app.sendJSON(.GET, "/api/v1/contacts/\(mia)", token: try await app.token("20010004")).status == .forbidden)
        }
    }
}

@Suite("A leaver's deactivation")
struct DeactivationTests {
    typealias Note = NotificationDTO

    @Test func aDeactivatedPersonKeepsNoGrantNoSessionAndNoOpenRequest() async throws {
        try await withCasework(records: true) { app in
            let (grantId, tom, sarah, _) = try await app.grantAccess(minutes: 120)
            let (pending, _) = try await app.submitAccessRequest(minutes: 30)
            let admin = try await app.token("90000001")
            #expect(try await app.sendJSON(.POST, "/api/v1/staff/20010002/deactivate", token: admin).status == .ok)

            // Their token is dead, the grant shows removed for the account's deactivation, and the request is withdrawn.
            #expect(try await app.sendJSON(.GET, "/api/v1/home", token: tom).status == .unauthorized)
            let grant = try await app.sendJSON(.GET, "/api/v1/grants/\(grantId)", token: sarah).content.decode(GrantDTO.self)
            #expect(grant.status == "removed" && grant.removalReason == "account deactivated" && grant.removedBy == "90000001")
            let page = Browser(app)
            try await page.signIn("20010001")
            try await page.post("/choose-role", form: ["role": "teamLeader"])
            #expect(try await page.get("/grants/\(grantId)").body.string.contains("account deactivated"))
            let stored = try #require(try await GrantModel.find(UUID(uuidString: grantId)!, on: app.db))
            #expect(stored.removalReason == "account deactivated" && stored.removedBy == "90000001" && stored.endProcessedAt != nil)
            let request = try await app.sendJSON(.GET, "/api/v1/access-requests/\(pending.id)", token: sarah).content.decode(AccessRequestDTO.self)
            #expect(request.status == .withdrawn)

            // The team leader has the log-off task, as for any ended grant, and hears of the withdrawal.
            let inbox = try await app.sendJSON(.GET, "/api/v1/notifications", token: sarah).content.decode(ListDTO<Note>.self)
            #expect(inbox.items.contains { $0.kind == .logOffTask })
            #expect(inbox.items.contains { $0.kind == .withdrawn && $0.text.contains("deactivated") })
            let actions = try await app.auditEvents().filter { $0.actorStaffId == "90000001" }.map(\.action)
            #expect(actions.contains("grant.remove") && actions.contains("access.withdraw") && actions.contains("staff.deactivate"))
            #expect(try await app.auditEvents().contains { $0.action == "grant.ended" && $0.subjectId == grantId })
        }
    }
}
