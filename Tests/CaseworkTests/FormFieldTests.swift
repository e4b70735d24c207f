@testable import Casework
import CaseworkCore
import Testing
import Vapor
import VaporTesting

/// The form-field partials (`Resources/Views/partials/`): a refused form comes back with everything typed still in
/// it, each field's error beside it, and limits and choices taken from the rules rather than written into the page.
@Suite("Form fields")
struct FormFieldTests {
    @Test func aRefusedDecisionKeepsTheChoiceAndTheReasonTyped() async throws {
        try await withCasework(records: true) { app in
            let (request, _) = try await app.submitAccessRequest()
            let sarah = Browser(app)
            try await sarah.signIn("20010001")
            try await sarah.post("/choose-role", form: ["role": "teamLeader"])
            let page = try await sarah.get("/access-requests/\(request.id)").body.string
            // The team leader's stage offers all three decisions, in that stage's words; the reason counts to the core's limit.
            #expect(page.contains(#"id="decision-return""#) && page.contains("Countersign and send to the SCR manager"))
            #expect(page.contains(#"data-maxlength="\#(AccessRequestChain.reasonLimit)""#))
            let tooLong = String(repeating: "x", count: AccessRequestChain.reasonLimit + 1)
            let refused = try await sarah.post("/access-requests/\(request.id)/decisions", form: ["decision": "reject", "reason": tooLong])
            #expect(refused.status == .unprocessableEntity)
            let html = refused.body.string
            #expect(html.contains(#"id="decision-reject" name="decision" type="radio" value="reject" checked"#))
            #expect(html.contains(">\(tooLong)</textarea>"))
            #expect(html.contains(#"id="reason-error""#) && html.contains("Reason must be 1,000 characters or fewer"))

            // Provisioning's stage offers no return, and the minutes start at what was asked for.
            try await app.decide(request.id, "approve", token: try await app.token("20010001", role: .teamLeader))
            try await app.decide(request.id, "approve", token: try await app.token("30000002", role: .scrManager))
            let marcus = Browser(app)
            try await marcus.signIn("40000002")
            let provisioning = try await marcus.get("/access-requests/\(request.id)").body.string
            #expect(!provisioning.contains(#"id="decision-return""#) && provisioning.contains(#"id="decision-approve""#))
            #expect(provisioning.contains(#"id="durationMinutes" name="durationMinutes" type="text" value="60""#))
            let badMinutes = try await marcus.post("/access-requests/\(request.id)/decisions", form: ["decision": "approve", "durationMinutes": "an hour"])
            #expect(badMinutes.status == .unprocessableEntity)
            #expect(badMinutes.body.string.contains(#"value="an hour""#))
        }
    }

    @Test func aRefusedStaffFormKeepsEveryRoleTicked() async throws {
        try await withCasework { app in
            let admin = Browser(app)
            try await admin.signIn("90000001")
            // A role ticked and the name left out.
            let page = try await admin.post("/staff/new", form: ["staffId": "20019999", "name": "", "email": "new.person@childmaintenance.gov.uk",
                                                                   "team": "Team A", "grade": "EO", "area": "North", "roles[]": "teamLeader"])
            #expect(page.status == .unprocessableEntity)
            let html = page.body.string
            #expect(html.contains(#"id="roles-teamLeader" name="roles[]" type="checkbox" value="teamLeader" checked"#))
            #expect(html.contains(#"id="roles-caseworker" name="roles[]" type="checkbox" value="caseworker">"#))
            #expect(html.contains(#"value="new.person@childmaintenance.gov.uk""#))
        }
    }

    @Test func theCSUA150CountsItsTextToTheCoreLimit() async throws {
        try await withCasework(records: true) { app in
            let tom = Browser(app)
            try await tom.signIn("20010002")
            let form = try await tom.get("/access-requests/new").body.string
            #expect(form.contains(#"data-maxlength="\#(AccessRequestInput.textLimit)""#))
            #expect(form.contains(#"aria-describedby="justification-hint justification-info""#))
            #expect(form.contains("You can enter up to \(AccessRequestInput.textLimit) characters"))
        }
    }

    @Test func theRoleChoiceMarksTheRoleWorkedInAndSaysWhatEachIsFor() async throws {
        try await withCasework { app in
            let sarah = Browser(app)
            try await sarah.signIn("20010001")
            let first = try await sarah.get("/choose-role").body.string
            #expect(first.contains(#"id="role-teamLeader-hint""#) && first.contains("Countersign your team"))
            #expect(!first.contains("checked"))
            try await sarah.post("/choose-role", form: ["role": "teamLeader"])
            let again = try await sarah.get("/choose-role").body.string
            #expect(again.contains(#"value="teamLeader" aria-describedby="role-teamLeader-hint" checked"#))
        }
    }

    @Test func aRefusedMonitoringPeriodIsShownAsTyped() async throws {
        try await withCasework { app in
            let robert = Browser(app)
            try await robert.signIn("30000002")
            try await robert.post("/choose-role", form: ["role": "scrManager"])
            // The period is typed into GOV.UK's date boxes; 31 November does not exist.
            let page = try await robert.get("/monitoring?from-day=31&from-month=11&from-year=2026&to-day=3&to-month=12&to-year=2026")
            let html = page.body.string
            #expect(page.status == .unprocessableEntity)
            #expect(html.contains(#"id="from-error""#))
            #expect(html.contains(##"href="#from-day">The start of the period must be a real date"##))
            #expect(html.contains(#"id="from-day" name="from-day" type="text" inputmode="numeric" value="31""#))
            #expect(html.contains(#"id="to-day" name="to-day" type="text" inputmode="numeric" value="3""#))
            #expect(html.contains(#"id="to-month" name="to-month" type="text" inputmode="numeric" value="12""#))
            // A period given as `from` and `to`, as links carry it, still works.
            #expect(try await robert.get("/monitoring?from=2026-11-01&to=2026-11-30").status == .ok)
        }
    }
}
