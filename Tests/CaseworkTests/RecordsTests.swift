@testable import Casework
import CaseworkCore
import Fluent
import SQLKit
import Testing
import Vapor
import VaporTesting

/// Helpers for the records tests: demo contacts by NINO, SRs made through the API.
extension Application {
    func contactId(nino: String) async throws -> String {
        try #require(try await ContactModel.query(on: db).filter(\.$nino == nino).first()?.id?.uuidString)
    }

    func newServiceRequest(_ token: String, type: String = "generalEnquiry", contact: String? = nil, caseId: String? = nil, needsFinanceSupport: Bool = false) async throws -> ServiceRequestDTO {
        let body = NewServiceRequest(type: type, description: "Test request", caseId: caseId, contactId: contact, needsFinanceSupport: needsFinanceSupport)
        let response = try await sendJSON(.POST, "/api/v1/service-requests", body: body, token: token)
        try #require(response.status == .created, "creating an SR failed: \(response.body.string)")
        return try response.content.decode(ServiceRequestDTO.self)
    }
}

let hollowayNINO = "AB123456C"
let reidNINO = "JK654321A"

@Suite("Contacts and who may see them")
struct ContactTests {
    @Test func caseworkerSearchingASensitiveNINOSeesOnlyRestrictedRecord() async throws {
        try await withCasework(records: true) { app in
            let token = try await app.token("20010002")
            let response = try await app.sendJSON(.GET, "/api/v1/contacts?q=AB%2012%2034%2056%20C", token: token)
            #expect(response.status == .ok)
            let body = response.body.string
            #expect(body.contains("restricted record"))
            for secret in ["Holloway", hollowayNINO, "SCIN4471", try await app.contactId(nino: hollowayNINO)] {
                #expect(!body.contains(secret), "search results leaked \(secret)")
            }
            let page = Browser(app)
            try await page.signIn("20010002")
            let html = try await page.get("/contacts?q=holloway").body.string
            #expect(html.contains("restricted record"))
            #expect(!html.contains("Karen"))
            let denials = try await app.auditEvents().filter { $0.action == "contact.search" && $0.outcome == "denied" }
            #expect(denials.count >= 3)
            #expect(denials.allSatisfy { $0.actorStaffId == "20010002" })
        }
    }

    @Test func scrCaseworkerSeesTheSensitiveContactAndTheViewIsAudited() async throws {
        try await withCasework(records: true) { app in
            let token = try await app.token("30000003")
            let id = try await app.contactId(nino: hollowayNINO)
            let found = try await app.sendJSON(.GET, "/api/v1/contacts?q=AB123456C", token: token).content.decode(ListDTO<ContactListingDTO>.self)
            #expect(found.items.map(\.name) == ["Karen Holloway"])
            let contact = try await app.sendJSON(.GET, "/api/v1/contacts/\(id)", token: token)
            #expect(contact.status == .ok)
            #expect(try contact.content.decode(ContactDTO.self).nino == hollowayNINO)
            let views = try await app.auditEvents().filter { $0.action == "contact.view" && $0.subjectId == id }
            #expect(views.count == 1)
            #expect(views[0].outcome == "success" && views[0].actorRole == "scrCaseworker")
        }
    }

    @Test func deniedReaderGets403WithNothingOfTheRecordAndTheDenialIsAudited() async throws {
        try await withCasework(records: true) { app in
            let id = try await app.contactId(nino: hollowayNINO)
            for (staffId, role) in [("20010002", Role.caseworker), ("20020001", .teamLeader), ("50000002", .cfat)] {
                let token = try await app.token(staffId, role: role)
                let response = try await app.sendJSON(.GET, "/api/v1/contacts/\(id)", token: token)
                #expect(response.status == .forbidden)
                #expect(!response.body.string.contains("Holloway") && !response.body.string.contains(hollowayNINO))
            }
            let denials = try await app.auditEvents().filter { $0.action == "contact.view" && $0.subjectId == id && $0.outcome == "denied" }
            #expect(Set(denials.compactMap(\.actorStaffId)) == ["20010002", "20020001", "50000002"])
            let browser = Browser(app)
            try await browser.signIn("20010002")
            let page = try await browser.get("/contacts/\(id)")
            #expect(page.status == .forbidden)
            #expect(!page.body.string.contains("Holloway"))
        }
    }

    @Test func ordinaryContactsAreOpenToCaseworkButNotToOtherRoles() async throws {
        try await withCasework(records: true) { app in
            let id = try await app.contactId(nino: reidNINO)
            let caseworker = try await app.token("20010002")
            #expect(try await app.sendJSON(.GET, "/api/v1/contacts/\(id)", token: caseworker).status == .ok)
            for (staffId, role) in [("90000001", Role?.none), ("60000004", nil), ("40000002", nil)] {
                let token = try await app.token(staffId, role: role)
                #expect(try await app.sendJSON(.GET, "/api/v1/contacts/\(id)", token: token).status == .forbidden)
                #expect(try await app.sendJSON(.GET, "/api/v1/contacts?q=reid", token: token).status == .forbidden)
            }
            #expect(try await app.sendJSON(.GET, "/api/v1/contacts/\(UUID().uuidString)", token: caseworker).status == .notFound)
            #expect(try await app.sendJSON(.GET, "/api/v1/contacts?q=", token: caseworker).status == .unprocessableEntity)
        }
    }

    @Test func addingAContactValidatesEveryFieldAndRefusesDuplicates() async throws {
        try await withCasework(records: true) { app in
            let token = try await app.token("20010002")
            let bad = try await app.sendJSON(.POST, "/api/v1/contacts", ["name": "", "nino": "QQ123456C", "dateOfBirth": "2099-01-01"], token: token)
            #expect(bad.status == .unprocessableEntity)
            let problem = try bad.content.decode(Problem.self)
            #expect(problem.errors?["name"] != nil)
            #expect(problem.errors?["nino"]?.contains("QQ") == true)
            #expect(problem.errors?["dateOfBirth"] != nil)
            let duplicate = try await app.sendJSON(.POST, "/api/v1/contacts", ["name": "Someone Else", "nino": reidNINO], token: token)
            #expect(duplicate.status == .unprocessableEntity)
            let created = try await app.sendJSON(.POST, "/api/v1/contacts", ["name": "New Client", "nino": "ce 11 22 33 d"], token: token)
            #expect(created.status == .created)
            let contact = try created.content.decode(ContactDTO.self)
            #expect(contact.nino == "CE112233D" && contact.sensitive == false)
            let browser = Browser(app)
            try await browser.signIn("20010002")
            let form = try await browser.post("/contacts/new", form: ["name": "Kept Name", "nino": "bad"])
            #expect(form.status == .unprocessableEntity)
            #expect(form.body.string.contains(#"value="Kept Name""#))
            #expect(form.body.string.contains("govuk-error-summary"))
            // The page asks for the date of birth in three boxes: a day that does not exist is refused and shown
            // again as typed; a real one is saved as the day.
            let notADay = try await browser.post("/contacts/new", form: ["name": "Dora Date", "nino": "JT445566B",
                                                                          "dateOfBirth-day": "31", "dateOfBirth-month": "2", "dateOfBirth-year": "1990"])
            #expect(notADay.status == .unprocessableEntity)
            #expect(notADay.body.string.contains("Date of birth must be a real date"))
            #expect(notADay.body.string.contains(#"id="dateOfBirth-day" name="dateOfBirth-day" type="text" inputmode="numeric" value="31""#))
            let saved = try await browser.post("/contacts/new", form: ["name": "Dora Date", "nino": "JT445566B",
                                                                        "dateOfBirth-day": "28", "dateOfBirth-month": "2", "dateOfBirth-year": "1990"])
            #expect(saved.status == .seeOther)
            let dora = try await app.sendJSON(.GET, "/api/v1/contacts/\(try await app.contactId(nino: "JT445566B"))", token: token).content.decode(ContactDTO.self)
            #expect(dora.dateOfBirth == "1990-02-28")
        }
    }

    @Test func scrManagerMarksAndClearsTheFlagWithAReason() async throws {
        try await withCasework(records: true) { app in
            let id = try await app.contactId(nino: reidNINO)
            let manager = try await app.token("30000002", role: .scrManager)
            let caseworker = try await app.token("20010002")
            let noReason = try await app.sendJSON(.POST, "/api/v1/contacts/\(id)/sensitivity", body: SensitivityRequest(sensitive: true, reason: " "), token: manager)
            #expect(noReason.status == .unprocessableEntity)
            #expect(try await app.sendJSON(.POST, "/api/v1/contacts/\(id)/sensitivity", body: SensitivityRequest(sensitive: true, reason: "x"), token: caseworker).status == .forbidden)
            let marked = try await app.sendJSON(.POST, "/api/v1/contacts/\(id)/sensitivity", body: SensitivityRequest(sensitive: true, reason: "Police protection order"), token: manager)
            #expect(marked.status == .ok)
            #expect(try await app.sendJSON(.GET, "/api/v1/contacts/\(id)", token: caseworker).status == .forbidden)
            #expect(try await app.sendJSON(.POST, "/api/v1/contacts/\(id)/sensitivity", body: SensitivityRequest(sensitive: true, reason: "again"), token: manager).status == .conflict)
            #expect(try await app.sendJSON(.POST, "/api/v1/contacts/\(id)/sensitivity", body: SensitivityRequest(sensitive: false, reason: "Order lifted"), token: manager).status == .ok)
            #expect(try await app.sendJSON(.GET, "/api/v1/contacts/\(id)", token: caseworker).status == .ok)
            let events = try await app.auditEvents().filter { $0.subjectId == id && $0.action.hasPrefix("contact.") && $0.action.hasSuffix("Sensitive") }
            #expect(events.map(\.action) == ["contact.markSensitive", "contact.clearSensitive"])
            #expect(events.map(\.detail) == ["Police protection order", "Order lifted"])
        }
    }

    @Test func ifTheAuditWriteFailsTheReadFails() async throws {
        try await withCasework(records: true) { app in
            let id = try await app.contactId(nino: hollowayNINO)
            let token = try await app.token("30000003")
            try await (app.db as! any SQLDatabase).raw("ALTER TABLE audit_events RENAME TO audit_events_elsewhere").run()
            let response = try await app.sendJSON(.GET, "/api/v1/contacts/\(id)", token: token)
            #expect(response.status == .internalServerError)
            #expect(!response.body.string.contains("Holloway"))
            // The person gets a reference for the service desk, never the internal error's text (it goes to the log).
            let problem = try response.content.decode(Problem.self)
            #expect(problem.detail.range(of: #"reference [0-9A-F-]{36}"#, options: .regularExpression) != nil, "\(problem.detail)")
            #expect(!response.body.string.contains("audit_events") && !response.body.string.lowercased().contains("sql"))
            try await (app.db as! any SQLDatabase).raw("ALTER TABLE audit_events_elsewhere RENAME TO audit_events").run()
        }
    }

    struct SensitivityRequest: Encodable {
        let sensitive: Bool
        let reason: String
    }
}

@Suite("Cases")
struct CaseTests {
    @Test func caseViewMasksSensitiveParticipantsForOrdinaryCaseworkers() async throws {
        try await withCasework(records: true) { app in
            let record = try #require(try await CaseModel.query(on: app.db).filter(\.$caseNumber == "CM-1000001").first())
            let caseworker = try await app.token("20010002")
            let masked = try await app.sendJSON(.GET, "/api/v1/cases/\(record.id!.uuidString)", token: caseworker)
            #expect(masked.status == .ok)
            let body = masked.body.string
            #expect(!body.contains("Holloway") && body.contains("restricted record") && body.contains("Daniel Vance"))
            let scr = try await app.token("30000003")
            let full = try await app.sendJSON(.GET, "/api/v1/cases/\(record.id!.uuidString)", token: scr).content.decode(CaseDTO.self)
            #expect(Set(full.participants.compactMap(\.contact.name)) == ["Karen Holloway", "Mia Holloway", "Daniel Vance"])
        }
    }

    @Test func creatingACaseChecksParticipantsAndLinkRights() async throws {
        try await withCasework(records: true) { app in
            let caseworker = try await app.token("20010002")
            let reid = try await app.contactId(nino: reidNINO)
            let holloway = try await app.contactId(nino: hollowayNINO)
            let patel = try await app.contactId(nino: "CE246810B")
            let created = try await app.sendJSON(.POST, "/api/v1/cases", body: CaseRoutesBody(participants: [.init(contactId: reid, role: "payingParent"), .init(contactId: patel, role: "receivingParent")]), token: caseworker)
            #expect(created.status == .created)
            let record = try created.content.decode(CaseDTO.self)
            #expect(record.caseNumber.hasPrefix("CM-") && record.participants.count == 2)
            let twoPaying = try await app.sendJSON(.POST, "/api/v1/cases", body: CaseRoutesBody(participants: [.init(contactId: reid, role: "payingParent"), .init(contactId: patel, role: "payingParent")]), token: caseworker)
            #expect(twoPaying.status == .unprocessableEntity)
            let cases = try await CaseModel.query(on: app.db).count()
            let sensitive = try await app.sendJSON(.POST, "/api/v1/cases", body: CaseRoutesBody(participants: [.init(contactId: holloway, role: "receivingParent")]), token: caseworker)
            #expect(sensitive.status == .forbidden)
            #expect(try await CaseModel.query(on: app.db).count() == cases)
            #expect(try await app.auditEvents().contains { $0.action == "case.link" && $0.outcome == "denied" && $0.subjectId == holloway })
        }
    }

    struct CaseRoutesBody: Encodable {
        struct Participant: Encodable {
            let contactId: String
            let role: String
        }
        let participants: [Participant]
    }
}

@Suite("Service requests, routing and hoppers")
struct ServiceRequestTests {
    /// The expiry returns an SR whose holder may no longer see one of its contacts, linked to it or a participant in
    /// its case. The second is read differently on each database (PostgreSQL through a lateral subquery), so both are
    /// asked here: a participant made sensitive makes the SR its assignee's sensitive work.
    @Test func aSensitiveCaseParticipantMakesTheSRItsAssigneesSensitiveWork() async throws {
        try await withCasework(records: true) { app in
            let sql = app.db as! any SQLDatabase
            struct Pick: Decodable { let sr: UUID; let contact: UUID }
            let pick = try #require(try await sql.raw("""
                SELECT s.id AS sr, p.contact_id AS contact FROM service_requests s JOIN case_participants p ON p.case_id = s.case_id
                JOIN contacts c ON c.id = p.contact_id AND c.sensitive = FALSE ORDER BY s.id, p.contact_id LIMIT 1
                """).first(decoding: Pick.self), "the demo records have an SR on a case with a participant")
            try await sql.raw("UPDATE service_requests SET assignee_staff_id = '20010002', status = 'inProgress' WHERE id = \(bind: pick.sr)").run()
            let records = RecordQueries(db: app.db)
            let before = try await records.sensitiveContactsOfAssigned(["20010002"], statuses: [.assigned, .inProgress])
            #expect(before[pick.sr]?.contains(pick.contact) != true)
            try await sql.raw("UPDATE contacts SET sensitive = TRUE WHERE id = \(bind: pick.contact)").run()
            let after = try await records.sensitiveContactsOfAssigned(["20010002"], statuses: [.assigned, .inProgress])
            #expect(after[pick.sr]?.contains(pick.contact) == true, "\(after)")
            #expect(try await records.sensitiveContactsOfAssigned(["20010002"], statuses: [.assigned])[pick.sr] == nil, "only the statuses asked for")
        }
    }

    @Test func caseworkerCannotLinkASensitiveContactAndNothingIsLinked() async throws {
        try await withCasework(records: true) { app in
            let token = try await app.token("20010002")
            let sr = try await app.newServiceRequest(token)
            let refused = try await app.sendJSON(.POST, "/api/v1/service-requests/\(sr.id)/links", ["contactId": hollowayNINO], token: token)
            #expect(refused.status == .forbidden)
            #expect(!refused.body.string.contains("Holloway"))
            #expect(try await ServiceRequestContactModel.query(on: app.db).filter(\.$serviceRequest.$id == UUID(uuidString: sr.id)!).count() == 0)
            #expect(try await app.sendJSON(.POST, "/api/v1/service-requests", body: NewServiceRequest(type: "generalEnquiry", description: "x", contactId: hollowayNINO), token: token).status == .forbidden)
            let linked = try await app.sendJSON(.POST, "/api/v1/service-requests/\(sr.id)/links", ["contactId": reidNINO], token: token)
            #expect(linked.status == .ok)
            #expect(try linked.content.decode(ServiceRequestDTO.self).contacts.map(\.name) == ["Stuart Reid"])
            #expect(try await app.sendJSON(.POST, "/api/v1/service-requests/\(sr.id)/links", ["contactId": reidNINO], token: token).status == .conflict)
            #expect(try await app.sendJSON(.POST, "/api/v1/service-requests/\(sr.id)/links", ["contactId": "ZZ"], token: token).status == .unprocessableEntity)
        }
    }

    @Test func pendingAssignmentRoutesByTheRulesAndAuditsTheRule() async throws {
        try await withCasework(records: true) { app in
            let caseworker = try await app.token("20020002")
            let plain = try await app.newServiceRequest(caseworker, contact: reidNINO)
            let routed = try await app.sendJSON(.POST, "/api/v1/service-requests/\(plain.id)/status", ["status": "pendingAssignment"], token: caseworker).content.decode(ServiceRequestDTO.self)
            #expect(routed.segment == "birmingham-casework-2")
            #expect(routed.status == .pendingAssignment)
            let finance = try await app.newServiceRequest(caseworker, type: "paymentReassign", needsFinanceSupport: true)
            let toCFAT = try await app.sendJSON(.POST, "/api/v1/service-requests/\(finance.id)/status", ["status": "pendingAssignment"], token: caseworker).content.decode(ServiceRequestDTO.self)
            #expect(toCFAT.segment == "cfat")
            let scr = try await app.token("30000003")
            let sensitive = try await app.newServiceRequest(scr, contact: hollowayNINO)
            let toSCR = try await app.sendJSON(.POST, "/api/v1/service-requests/\(sensitive.id)/status", ["status": "pendingAssignment"], token: scr).content.decode(ServiceRequestDTO.self)
            #expect(toSCR.segment == "scr")
            // Through the case: CM-1000001's participants are sensitive.
            let viaCase = try await app.newServiceRequest(scr, caseId: "CM-1000001")
            let routedViaCase = try await app.sendJSON(.POST, "/api/v1/service-requests/\(viaCase.id)/status", ["status": "pendingAssignment"], token: scr).content.decode(ServiceRequestDTO.self)
            #expect(routedViaCase.segment == "scr")
            let routes = try await app.auditEvents().filter { $0.action == "sr.route" }
            #expect(routes.count == 4)
            #expect(routes.contains { $0.subjectId == sensitive.id && $0.detail.contains("rule sensitiveContact") })
            #expect(routes.contains { $0.subjectId == finance.id && $0.detail.contains("rule financeSupport") })
            #expect(try await app.sendJSON(.POST, "/api/v1/service-requests/\(plain.id)/status", ["status": "pendingAssignment"], token: caseworker).status == .conflict)
            #expect(try await app.sendJSON(.POST, "/api/v1/service-requests/\(plain.id)/status", ["status": "assigned"], token: caseworker).status == .conflict)
            #expect(try await app.sendJSON(.POST, "/api/v1/service-requests/\(plain.id)/status", ["status": "done"], token: caseworker).status == .unprocessableEntity)
        }
    }

    @Test func hopperListsOldestFirstAndOnlyForItsSegment() async throws {
        try await withCasework(records: true) { app in
            let caseworker = try await app.token("20020002")
            var ids: [String] = []
            for _ in 0..<3 {
                let sr = try await app.newServiceRequest(caseworker)
                _ = try await app.sendJSON(.POST, "/api/v1/service-requests/\(sr.id)/status", ["status": "pendingAssignment"], token: caseworker)
                ids.append(sr.id)
                app.clockForTests.advance(by: 120)
            }
            let leader = try await app.token("20020001")
            let hopper = try await app.sendJSON(.GET, "/api/v1/hoppers/birmingham-casework-2/items", token: leader).content.decode(ListDTO<HopperItemDTO>.self)
            // The seeded request is older than the three new ones.
            #expect(Array(hopper.items.map(\.id).suffix(3)) == ids)
            #expect(hopper.items.map(\.routedAt) == hopper.items.map(\.routedAt).sorted())
            #expect(hopper.items.last!.ageMinutes == 2)
            let page = try await app.sendJSON(.GET, "/api/v1/hoppers/birmingham-casework-2/items?limit=2", token: leader).content.decode(ListDTO<HopperItemDTO>.self)
            let rest = try await app.sendJSON(.GET, "/api/v1/hoppers/birmingham-casework-2/items?limit=2&cursor=\(try #require(page.nextCursor))", token: leader).content.decode(ListDTO<HopperItemDTO>.self)
            #expect(page.items.map(\.id) + rest.items.map(\.id) == hopper.items.map(\.id))
            let outsider = try await app.token("20010002")
            #expect(try await app.sendJSON(.GET, "/api/v1/hoppers/birmingham-casework-2/items", token: outsider).status == .forbidden)
            #expect(try await app.sendJSON(.GET, "/api/v1/hoppers/scr/items", token: outsider).status == .forbidden)
            #expect(try await app.sendJSON(.GET, "/api/v1/hoppers/no-such-team/items", token: leader).status == .notFound)
            let browser = Browser(app)
            try await browser.signIn("20020001")
            let html = try await browser.get("/hoppers/birmingham-casework-2").body.string
            #expect(html.contains(#"id="assign-\#(ids[0])""#))
            // One choice of person for the whole page, however many rows: each row has only its Assign button.
            #expect(html.components(separatedBy: "<select").count == 2)
            let assigned = try await browser.post("/hoppers/birmingham-casework-2/assignment", form: ["staffId": "20020003", "serviceRequestId": ids[0]])
            #expect(assigned.status == .seeOther)
            let sr = try await app.sendJSON(.GET, "/api/v1/service-requests/\(ids[0])", token: leader).content.decode(ServiceRequestDTO.self)
            #expect(sr.status == .assigned && sr.assigneeStaffId == "20020003")
            let after = try await browser.get("/hoppers/birmingham-casework-2").body.string
            #expect(!after.contains(#"id="assign-\#(ids[0])""#))
        }
    }

    @Test func teamLeaderAssignsToTheirTeamAndTheRulesHold() async throws {
        try await withCasework(records: true) { app in
            let caseworker = try await app.token("20020002")
            let sr = try await app.newServiceRequest(caseworker)
            _ = try await app.sendJSON(.POST, "/api/v1/service-requests/\(sr.id)/status", ["status": "pendingAssignment"], token: caseworker)
            #expect(try await app.sendJSON(.POST, "/api/v1/service-requests/\(sr.id)/assignment", ["staffId": "20020003"], token: caseworker).status == .forbidden)
            let otherLeader = try await app.token("20010001", role: .teamLeader)
            #expect(try await app.sendJSON(.POST, "/api/v1/service-requests/\(sr.id)/assignment", ["staffId": "20020003"], token: otherLeader).status == .forbidden)
            let leader = try await app.token("20020001")
            #expect(try await app.sendJSON(.POST, "/api/v1/service-requests/\(sr.id)/assignment", ["staffId": "20010002"], token: leader).status == .conflict)
            let assigned = try await app.sendJSON(.POST, "/api/v1/service-requests/\(sr.id)/assignment", ["staffId": "20020003"], token: leader)
            #expect(assigned.status == .ok)
            let dto = try assigned.content.decode(ServiceRequestDTO.self)
            #expect(dto.status == .assigned && dto.assigneeStaffId == "20020003")
            #expect(try await app.sendJSON(.POST, "/api/v1/service-requests/\(sr.id)/assignment", ["staffId": "20020004"], token: leader).status == .conflict)
            let assignee = try await app.token("20020003")
            // The assignee's name: read from the directory for the leader, taken from the session in the assignee's
            // own list; the same either way.
            let own = try await app.sendJSON(.GET, "/api/v1/service-requests", token: assignee).content.decode(ListDTO<ServiceRequestDTO>.self)
            #expect(dto.assigneeName != nil && own.items.map(\.assigneeName) == [dto.assigneeName])
            #expect(try await app.sendJSON(.POST, "/api/v1/service-requests/\(sr.id)/status", ["status": "inProgress"], token: caseworker).status == .forbidden)
            #expect(try await app.sendJSON(.POST, "/api/v1/service-requests/\(sr.id)/status", ["status": "inProgress"], token: assignee).status == .ok)
            #expect(try await app.sendJSON(.POST, "/api/v1/service-requests/\(sr.id)/status", ["status": "closed"], token: assignee).status == .ok)
            let mine = try await app.sendJSON(.GET, "/api/v1/service-requests", token: assignee).content.decode(ListDTO<ServiceRequestDTO>.self)
            #expect(mine.items.isEmpty)
            #expect(try await app.auditEvents().contains { $0.action == "sr.assign" && $0.subjectId == sr.id && $0.actorStaffId == "20020001" })
        }
    }

    @Test func scrHopperWorkGoesOnlyToPeopleWhoMaySeeItsContacts() async throws {
        try await withCasework(records: true) { app in
            let scr = try await app.token("30000003")
            let sr = try await app.newServiceRequest(scr, contact: hollowayNINO)
            _ = try await app.sendJSON(.POST, "/api/v1/service-requests/\(sr.id)/status", ["status": "pendingAssignment"], token: scr)
            let manager = try await app.token("30000002", role: .scrManager)
            #expect(try await app.sendJSON(.POST, "/api/v1/service-requests/\(sr.id)/assignment", ["staffId": "20010002"], token: manager).status == .conflict)
            let ordinaryLeader = try await app.token("20020001")
            #expect(try await app.sendJSON(.POST, "/api/v1/service-requests/\(sr.id)/assignment", ["staffId": "30000004"], token: ordinaryLeader).status == .forbidden)
            let done = try await app.sendJSON(.POST, "/api/v1/service-requests/\(sr.id)/assignment", ["staffId": "30000004"], token: manager)
            #expect(done.status == .ok)
            let members = try await app.sendJSON(.GET, "/api/v1/hoppers/scr/members", token: manager).content.decode(ListDTO<StaffDTO>.self)
            #expect(Set(members.items.map(\.staffId)) == ["30000001", "30000002", "30000003", "30000004"])
        }
    }

    /// The hopper page reads its choice of assignee by name only; it must offer exactly those `Segment.hasMember`
    /// admits, as the API's members list does, whoever has left or changed roles.
    @Test func theHopperPagesChoiceOfAssigneeIsEveryoneTheRuleAdmits() async throws {
        try await withCasework(records: true) { app in
            let queries = RecordQueries(db: app.db)
            func compared() async throws {
                for segment in [Segment.scr, .cfat, .team("birmingham-casework-2"), .team("newcastle-casework-1")] {
                    let team = try await queries.teamName(for: segment, viewerTeam: nil)
                    let names = try await queries.memberNames(of: segment, teamName: team)
                    let members = try await queries.members(of: segment, teamName: team)
                    #expect(!names.isEmpty, "\(segment)")
                    #expect(names.map { "\($0.staffId) \($0.name)" } == members.map { "\($0.staffId.value) \($0.name)" }, "\(segment)")
                }
            }
            try await compared()
            // One SCR caseworker leaves; another keeps only their manager role.
            let sql = app.db as! any SQLDatabase
            try await sql.raw("UPDATE staff SET active = \(bind: false) WHERE staff_id = '30000004'").run()
            try await sql.raw("DELETE FROM staff_roles WHERE staff_id = '30000002' AND role = \(bind: Role.scrCaseworker.rawValue)").run()
            try await compared()
            let scr = try await queries.memberNames(of: .scr, teamName: nil).map(\.staffId)
            #expect(!scr.contains("30000004") && !scr.contains("30000002") && scr.contains("30000003"))
            // The page offers the same choice.
            let robert = Browser(app)
            try await robert.signIn("30000002")
            let page = try await robert.get("/hoppers/scr").body.string
            #expect(page.contains("value=\"30000003\"") && !page.contains("value=\"30000004\""))
        }
    }

    @Test func twoPeopleAssigningAtOnceOneWinsTheOthersGet409() async throws {
        try await withCasework(records: true) { app in
            let scr = try await app.token("30000003")
            let sr = try await app.newServiceRequest(scr, contact: hollowayNINO)
            _ = try await app.sendJSON(.POST, "/api/v1/service-requests/\(sr.id)/status", ["status": "pendingAssignment"], token: scr)
            let manager = try await app.token("30000002", role: .scrManager)
            let leader = try await app.token("30000001", role: .teamLeader)
            let statuses = try await withThrowingTaskGroup(of: HTTPResponseStatus.self) { group in
                for index in 0..<12 {
                    group.addTask {
                        try await app.sendJSON(.POST, "/api/v1/service-requests/\(sr.id)/assignment",
                                               ["staffId": index % 2 == 0 ? "30000003" : "30000004"], token: index % 2 == 0 ? manager : leader).status
                    }
                }
                var all: [HTTPResponseStatus] = []
                for try await status in group { all.append(status) }
                return all
            }
            #expect(statuses.filter { $0 == .ok }.count == 1)
            #expect(statuses.filter { $0 == .conflict }.count == 11)
            #expect(try await app.auditEvents().filter { $0.action == "sr.assign" && $0.subjectId == sr.id }.count == 1)
        }
    }

    @Test func scrCaseworkerAsksCFATWithoutExposingTheContact() async throws {
        try await withCasework(records: true) { app in
            let scr = try await app.token("30000003")
            let sr = try await app.newServiceRequest(scr, contact: hollowayNINO)
            let caseworker = try await app.token("20010002")
            #expect(try await app.sendJSON(.POST, "/api/v1/service-requests/\(sr.id)/finance-support-requests", ["type": "paymentReassign", "details": "x"], token: caseworker).status == .forbidden)
            #expect(try await app.sendJSON(.POST, "/api/v1/service-requests/\(sr.id)/finance-support-requests", ["type": "chargeback", "details": "x"], token: scr).status == .unprocessableEntity)
            let created = try await app.sendJSON(.POST, "/api/v1/service-requests/\(sr.id)/finance-support-requests",
                                                 ["type": "suspenseAccountClearOnline", "details": "Clear £45.20 from the online suspense account, ref PAY-7781"], token: scr)
            #expect(created.status == .created)
            let support = try created.content.decode(ServiceRequestDTO.self)
            #expect(support.segment == "cfat" && support.status == .pendingAssignment && support.parentId == sr.id)
            let cfat = try await app.token("50000002")
            let hopper = try await app.sendJSON(.GET, "/api/v1/hoppers/cfat/items", token: cfat).content.decode(ListDTO<HopperItemDTO>.self)
            #expect(hopper.items.contains { $0.id == support.id })
            let seen = try await app.sendJSON(.GET, "/api/v1/service-requests/\(support.id)", token: cfat)
            #expect(seen.status == .ok)
            #expect(!seen.body.string.contains("Holloway") && !seen.body.string.contains(hollowayNINO))
            #expect(seen.body.string.contains("PAY-7781"))
        }
    }

    @Test func financeSupportIsNeverAskedForOnASupportRequestThroughTheAPIOrThePage() async throws {
        try await withCasework(records: true) { app in
            let scr = try await app.token("30000003")
            let sr = try await app.newServiceRequest(scr, contact: hollowayNINO)
            let support = try await app.sendJSON(.POST, "/api/v1/service-requests/\(sr.id)/finance-support-requests",
                                                 ["type": "paymentReassign", "details": "Move £20 to the right case"], token: scr).content.decode(ServiceRequestDTO.self)
            let again = try await app.sendJSON(.POST, "/api/v1/service-requests/\(support.id)/finance-support-requests",
                                               ["type": "paymentReassign", "details": "Support on support"], token: scr)
            #expect(again.status == .conflict)
            #expect(try again.content.decode(Problem.self).detail.contains("itself a finance support request"))
            #expect(try await ServiceRequestModel.query(on: app.db).filter(\.$parentId == UUID(uuidString: support.id)!).count() == 0)
            // The page asks the same rule: the form is on the SR, not on its support request.
            let browser = Browser(app)
            try await browser.signIn("30000003")
            #expect(try await browser.get("/service-requests/\(sr.id)").body.string.contains("/service-requests/\(sr.id)/finance-support"))
            let supportPage = try await browser.get("/service-requests/\(support.id)")
            #expect(supportPage.status == .ok)
            #expect(supportPage.body.string.contains(support.reference))
            #expect(!supportPage.body.string.contains("/service-requests/\(support.id)/finance-support"))
        }
    }

    @Test func serviceRequestPagesWorkInTheBrowser() async throws {
        try await withCasework(records: true) { app in
            let browser = Browser(app)
            try await browser.signIn("20010002")
            let empty = try await browser.post("/service-requests/new", form: ["type": "", "description": ""])
            #expect(empty.status == .unprocessableEntity)
            #expect(empty.body.string.contains(##"href="#type""##) && empty.body.string.contains(##"href="#description""##))
            let created = try await browser.post("/service-requests/new", form: ["type": "generalEnquiry", "description": "Called about arrears", "contactId": reidNINO])
            #expect(created.status == .seeOther)
            let location = try #require(created.headers.first(name: .location))
            let page = try await browser.get(location).body.string
            #expect(page.contains("Stuart Reid") && page.contains("Called about arrears"))
            let id = String(location.split(separator: "/").last!)
            try await browser.post("/service-requests/\(id)/status", form: ["status": "pendingAssignment"])
            let routed = try await browser.get(location).body.string
            #expect(text(ofId: "sr-status", in: routed) == "Pending Assignment")
            #expect(routed.contains("newcastle-casework-1"))
            let list = try await browser.get("/service-requests").body.string
            #expect(list.contains(#"href="/service-requests/\#(id)""#))
        }
    }
}
