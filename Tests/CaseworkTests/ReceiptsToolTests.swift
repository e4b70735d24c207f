@testable import Casework
import CaseworkCore
import Fluent
import Testing
import Vapor
import VaporTesting

extension Application {
    /// Opens a type one case as Grace Nwosu (tool Case Worker) and returns its id and her token.
    func openToolCase() async throws -> (id: String, token: String) {
        let token = try await self.token("60000004")
        let created = try await sendJSON(.POST, "/api/v1/exceptional-cases", ["type": "one", "receivingParent": "Ruth Adams", "payingParent": "Colin Adams"], token: token)
        try #require(created.status == .created, "opening a case failed: \(created.body.string)")
        return (try created.content.decode(ExceptionalCaseDTO.self).id, token)
    }

    func entry(_ kind: String, caseId: String, pence: Int, on day: String = "2026-11-20", method: String = "cheque", reference: String = "REF 1",
               token: String, key: String? = nil) async throws -> TestingHTTPResponse {
        struct Body: Encodable {
            let amountPence: Int
            let receivedOn: String?
            let paidOn: String?
            let method: String
            let reference: String
        }
        let body = Body(amountPence: pence, receivedOn: kind == "receipts" ? day : nil, paidOn: kind == "payments" ? day : nil, method: method, reference: reference)
        return try await testing().sendRequest(.POST, "/api/v1/exceptional-cases/\(caseId)/\(kind)") { req in
            try req.content.encode(body, as: .json)
            req.headers.bearerAuthorization = BearerAuthorization(token: token)
            if let key { req.headers.replaceOrAdd(name: "Idempotency-Key", value: key) }
        }
    }
}

@Suite("Maintain Users")
struct MaintainUsersTests {
    @Test func userScreenListsOneRowPerProfileForSystemAdministratorsOnly() async throws {
        try await withCasework(tool: true) { app in
            let admin = try await app.token("76834403", role: .toolSystemAdministrator)
            let rows = try await app.sendJSON(.GET, "/api/v1/tool/users", token: admin).content.decode(ListDTO<ToolUserRowDTO>.self)
            let paul = rows.items.filter { $0.staffId == "35220900" }
            #expect(Set(paul.compactMap(\.role)) == ["toolCaseWorker", "toolSystemAdministrator"])
            #expect(paul.allSatisfy { $0.name == "Paul Cox" && $0.phone == "09198765" && $0.email == "PAUL.COX@CHILDMAINTENANCE.GOV.UK" })
            let caseworker = try await app.token("60000004")
            #expect(try await app.sendJSON(.GET, "/api/v1/tool/users", token: caseworker).status == .forbidden)
            let sameManInCasework = try await app.token("76834403", role: .teamLeader)
            #expect(try await app.sendJSON(.GET, "/api/v1/tool/users", token: sameManInCasework).status == .forbidden)
        }
    }

    @Test func createGrantAddAndRevokeFollowTheProcedureAndAreAudited() async throws {
        try await withCasework(tool: true) { app in
            let admin = try await app.token("76834403", role: .toolSystemAdministrator)
            let created = try await app.sendJSON(.POST, "/api/v1/tool/users", ["staffId": "20010003", "phone": "0191 496 0103"], token: admin)
            #expect(created.status == .created)
            let row = try created.content.decode(ToolUserRowDTO.self)
            #expect(row.name == "Aisha Rahman" && row.email == "AISHA.RAHMAN@CHILDMAINTENANCE.GOV.UK" && row.role == nil)
            #expect(try await app.sendJSON(.POST, "/api/v1/tool/users", ["staffId": "20010003", "phone": "1"], token: admin).status == .conflict)
            #expect(try await app.sendJSON(.POST, "/api/v1/tool/users/20010003/profiles", ["role": "toolCaseWorker"], token: admin).status == .created)
            #expect(try await app.sendJSON(.POST, "/api/v1/tool/users/20010003/profiles", ["role": "toolCaseWorker"], token: admin).status == .conflict)
            #expect(try await app.sendJSON(.POST, "/api/v1/tool/users/20010003/profiles", ["role": "toolSystemAdministrator"], token: admin).status == .created)
            // She can now sign into the tool in either profile.
            _ = try await app.token("20010003", role: .toolCaseWorker)
            let asAdmin = try await app.token("20010003", role: .toolSystemAdministrator)
            let revoked = try await app.sendJSON(.DELETE, "/api/v1/tool/users/20010003/profiles/toolSystemAdministrator", token: admin)
            #expect(revoked.status == .ok)
            #expect(try revoked.content.decode(ListDTO<ToolUserRowDTO>.self).items.compactMap(\.role) == ["toolCaseWorker"])
            // The revoked profile stops working at once.
            #expect(try await app.sendJSON(.GET, "/api/v1/tool/users", token: asAdmin).status == .unauthorized)
            #expect(try await app.sendJSON(.DELETE, "/api/v1/tool/users/20010003/profiles/toolSystemAdministrator", token: admin).status == .notFound)
            let actions = try await app.auditEvents().filter { $0.subjectId == "20010003" && $0.action.hasPrefix("tool.") }.map(\.action)
            #expect(actions == ["tool.user.create", "tool.profile.grant", "tool.profile.grant", "tool.profile.revoke"])
        }
    }

    @Test func unknownOrMalformedStaffIdsAreRefusedClearly() async throws {
        try await withCasework(tool: true) { app in
            let admin = try await app.token("76834403", role: .toolSystemAdministrator)
            let unknown = try await app.sendJSON(.POST, "/api/v1/tool/users", ["staffId": "99999999", "phone": "1"], token: admin)
            #expect(unknown.status == .unprocessableEntity)
            #expect(try unknown.content.decode(Problem.self).errors?["staffId"]?.contains("No one in the staff directory") == true)
            let malformed = try await app.sendJSON(.POST, "/api/v1/tool/users", ["staffId": "12345678901", "phone": ""], token: admin)
            let problem = try malformed.content.decode(Problem.self)
            #expect(problem.errors?["staffId"]?.contains("1 to 9 digits") == true)
            #expect(problem.errors?["phone"] != nil)
            #expect(try await app.sendJSON(.POST, "/api/v1/tool/users/20010004/profiles", ["role": "toolCaseWorker"], token: admin).status == .notFound)
            #expect(try await app.sendJSON(.POST, "/api/v1/tool/users/35220900/profiles", ["role": "administrator"], token: admin).status == .unprocessableEntity)
        }
    }

    @Test func theLastSystemAdministratorProfileCannotBeRevoked() async throws {
        try await withCasework(tool: true) { app in
            let admin = try await app.token("76834403", role: .toolSystemAdministrator)
            #expect(try await app.sendJSON(.DELETE, "/api/v1/tool/users/35220900/profiles/toolSystemAdministrator", token: admin).status == .ok)
            #expect(try await app.sendJSON(.DELETE, "/api/v1/tool/users/57261910/profiles/toolSystemAdministrator", token: admin).status == .ok)
            let last = try await app.sendJSON(.DELETE, "/api/v1/tool/users/76834403/profiles/toolSystemAdministrator", token: admin)
            #expect(last.status == .conflict)
            #expect(try last.content.decode(Problem.self).detail.contains("last System Administrator"))
            #expect(try await StaffRoleModel.query(on: app.db).filter(\.$role == Role.toolSystemAdministrator).count() == 1)
        }
    }

    @Test func pagesFollowTheSeedsScreens() async throws {
        try await withCasework(tool: true) { app in
            let browser = Browser(app)
            try await browser.signIn("76834403")
            try await browser.post("/choose-role", form: ["role": "toolSystemAdministrator"])
            let users = try await browser.get("/tool/users").body.string
            #expect(users.contains("Maintain Users") && users.contains("09198765"))
            let found = try await browser.get("/tool/users/new?staffId=20010003").body.string
            #expect(found.contains(#"value="Aisha Rahman""#) && found.contains("AISHA.RAHMAN@CHILDMAINTENANCE.GOV.UK"))
            let lookup = try await browser.get("/tool/directory/20010003")
            #expect(lookup.body.string.contains("Aisha Rahman"))
            let saved = try await browser.post("/tool/users/new", form: ["staffId": "20010003", "phone": "0191 496 0103"])
            #expect(saved.headers.first(name: .location) == "/tool/users/20010003/grant")
            let grant = try await browser.get("/tool/users/20010003/grant").body.string
            #expect(grant.contains("successfully added the new user record to the database"))
            #expect(grant.contains(#"value="20010003" readonly"#))
            try await browser.post("/tool/users/20010003/grant", form: ["role": "toolCaseWorker"])
            let edit = try await browser.get("/tool/users/20010003/profiles/toolCaseWorker").body.string
            #expect(edit.contains("Add new profile for this user") && edit.contains("Revoke Profile") && edit.contains("Save") && edit.contains("Close"))
            let revoked = try await browser.post("/tool/users/20010003/profiles/toolCaseWorker/revoke", form: [:])
            #expect(revoked.headers.first(name: .location) == "/tool/users")
            #expect(try await browser.get("/tool/users").body.string.contains("The user profile has been deleted"))
        }
    }
}

@Suite("Exceptional cases, receipts and payments")
struct LedgerHTTPTests {
    @Test func typeTwoNeedsItsIncidentReference() async throws {
        try await withCasework(tool: true) { app in
            let token = try await app.token("60000004")
            let missing = try await app.sendJSON(.POST, "/api/v1/exceptional-cases", ["type": "two"], token: token)
            #expect(missing.status == .unprocessableEntity)
            #expect(try missing.content.decode(Problem.self).errors?["incidentReference"] != nil)
            let ok = try await app.sendJSON(.POST, "/api/v1/exceptional-cases", ["type": "two", "incidentReference": "INC-9"], token: token)
            #expect(ok.status == .created)
            #expect(try ok.content.decode(ExceptionalCaseDTO.self).incidentReference == "INC-9")
            let admin = try await app.token("76834403", role: .toolSystemAdministrator)
            #expect(try await app.sendJSON(.POST, "/api/v1/exceptional-cases", ["type": "one"], token: admin).status == .forbidden)
            let casework = try await app.token("20010002")
            #expect(try await app.sendJSON(.GET, "/api/v1/exceptional-cases", token: casework).status == .forbidden)
        }
    }

    @Test func receiptsAndPaymentsKeepTheBalanceAndAPaymentNeverExceedsIt() async throws {
        try await withCasework(tool: true) { app in
            let (id, token) = try await app.openToolCase()
            #expect(try await app.entry("receipts", caseId: id, pence: 15_025, token: token).status == .created)
            let tooMuch = try await app.entry("payments", caseId: id, pence: 15_026, method: "bankTransfer", token: token)
            #expect(tooMuch.status == .conflict)
            #expect(try tooMuch.content.decode(Problem.self).detail.contains("more than the case holds"))
            #expect(try await app.entry("payments", caseId: id, pence: 15_025, method: "bankTransfer", token: token).status == .created)
            let statement = try await app.sendJSON(.GET, "/api/v1/exceptional-cases/\(id)/statement", token: token).content.decode(StatementDTO.self)
            #expect(statement.balancePence == 0)
            #expect(statement.receipts.map(\.amountPence) == [15_025] && statement.payments.map(\.amountPence) == [15_025])
            #expect(statement.entries.map { $0.balancePence } == [15_025, 0])
            let bad = try await app.entry("receipts", caseId: id, pence: 0, on: "2099-01-01", method: "gold", reference: "", token: token)
            let problem = try bad.content.decode(Problem.self)
            for field in ["amountPence", "receivedOn", "method", "reference"] { #expect(problem.errors?[field] != nil, "no message for \(field)") }
        }
    }

    @Test func aRepeatedIdempotencyKeyRecordsOneEntry() async throws {
        try await withCasework(tool: true) { app in
            let (id, token) = try await app.openToolCase()
            let first = try await app.entry("receipts", caseId: id, pence: 5_000, token: token, key: "abc-123")
            let again = try await app.entry("receipts", caseId: id, pence: 5_000, token: token, key: "abc-123")
            #expect(first.status == .created && again.status == .ok)
            #expect(try first.content.decode(LedgerEntryDTO.self).id == again.content.decode(LedgerEntryDTO.self).id)
            #expect(try await app.entry("receipts", caseId: id, pence: 6_000, token: token, key: "abc-123").status == .conflict)
            #expect(try await LedgerEntryModel.query(on: app.db).filter(\.$idempotencyKey == "abc-123").count() == 1)
            let statuses = try await withThrowingTaskGroup(of: HTTPResponseStatus.self) { group in
                for _ in 0..<8 { group.addTask { try await app.entry("receipts", caseId: id, pence: 700, token: token, key: "same-click").status } }
                var all: [HTTPResponseStatus] = []
                for try await status in group { all.append(status) }
                return all
            }
            #expect(statuses.filter { $0 == .created }.count == 1 && statuses.filter { $0 == .ok }.count == 7)
            let statement = try await app.sendJSON(.GET, "/api/v1/exceptional-cases/\(id)/statement", token: token).content.decode(StatementDTO.self)
            #expect(statement.balancePence == 5_700)
        }
    }

    @Test func mistakesAreReversedWithAReasonAndBothStay() async throws {
        try await withCasework(tool: true) { app in
            let (id, token) = try await app.openToolCase()
            let receipt = try await app.entry("receipts", caseId: id, pence: 10_000, token: token).content.decode(LedgerEntryDTO.self)
            let payment = try await app.entry("payments", caseId: id, pence: 4_000, token: token).content.decode(LedgerEntryDTO.self)
            // The receipt's money is partly paid out: reversing it would leave the case short.
            #expect(try await app.sendJSON(.POST, "/api/v1/exceptional-cases/\(id)/entries/\(receipt.id)/reversal", ["reason": "keyed twice"], token: token).status == .conflict)
            #expect(try await app.sendJSON(.POST, "/api/v1/exceptional-cases/\(id)/entries/\(payment.id)/reversal", ["reason": ""], token: token).status == .unprocessableEntity)
            let reversed = try await app.sendJSON(.POST, "/api/v1/exceptional-cases/\(id)/entries/\(payment.id)/reversal", ["reason": "Paid to the wrong account"], token: token)
            #expect(reversed.status == .created)
            let statement = try reversed.content.decode(StatementDTO.self)
            #expect(statement.entries.count == 3)
            #expect(statement.balancePence == 10_000)
            #expect(statement.entries[2].reversesEntryId == payment.id && statement.entries[2].amountPence == -4_000 && statement.entries[2].reason == "Paid to the wrong account")
            #expect(statement.entries[1].reversed)
            #expect(try await app.sendJSON(.POST, "/api/v1/exceptional-cases/\(id)/entries/\(payment.id)/reversal", ["reason": "again"], token: token).status == .conflict)
            #expect(try await app.auditEvents().contains { $0.action == "tool.reversal" && $0.detail.contains("Paid to the wrong account") })
        }
    }

    @Test func reportsReconcileWithTheEntriesToThePenny() async throws {
        try await withCasework(tool: true) { app in
            let (id, token) = try await app.openToolCase()
            _ = try await app.entry("receipts", caseId: id, pence: 12_345, on: "2026-11-01", method: "card", token: token)
            _ = try await app.entry("receipts", caseId: id, pence: 1, on: "2026-11-02", method: "cash", token: token)
            let paid = try await app.entry("payments", caseId: id, pence: 10_000, on: "2026-11-03", method: "bankTransfer", token: token).content.decode(LedgerEntryDTO.self)
            _ = try await app.sendJSON(.POST, "/api/v1/exceptional-cases/\(id)/entries/\(paid.id)/reversal", ["reason": "bounced"], token: token)
            let period = try await app.sendJSON(.GET, "/api/v1/reports/receipts-payments?from=2026-10-01&to=2026-11-30", token: token).content.decode(PeriodReportDTO.self)
            #expect(period.receiptsPence == period.items.filter { $0.kind == .receipt }.reduce(0) { $0 + $1.amountPence })
            #expect(period.paymentsPence == period.items.filter { $0.kind == .payment }.reduce(0) { $0 + $1.amountPence })
            let balances = try await app.sendJSON(.GET, "/api/v1/reports/balances", token: token).content.decode(BalanceReportDTO.self)
            let mine = try #require(balances.items.first { $0.caseId == id })
            #expect(mine.balancePence == 12_346 && mine.receiptsPence == 12_346 && mine.paymentsPence == 0)
            #expect(balances.totalPence == balances.items.reduce(0) { $0 + $1.balancePence })
            let methods = try await app.sendJSON(.GET, "/api/v1/reports/totals-by-method?from=2026-10-01&to=2026-11-30", token: token).content.decode(MethodReportDTO.self)
            #expect(methods.items.reduce(0) { $0 + $1.receiptsPence } == period.receiptsPence)
            #expect(methods.items.reduce(0) { $0 + $1.paymentsPence } == period.paymentsPence)
            let csv = try await app.testing().sendRequest(.GET, "/api/v1/reports/balances") { req in
                req.headers.bearerAuthorization = BearerAuthorization(token: token)
                req.headers.replaceOrAdd(name: .accept, value: "text/csv")
            }
            #expect(csv.headers.contentType?.description.hasPrefix("text/csv") == true)
            let lines = csv.body.string.split(separator: "\r\n").map(String.init)
            #expect(lines.first == "case,receipts,payments,balance")
            #expect(lines.contains { $0.hasSuffix(",123.46,0.00,123.46") })
            #expect(lines.last == "TOTAL,,,\(Pence(balances.totalPence).plain)")
            // A client that accepts anything (as browsers and curl do) gets JSON, not CSV.
            let anything = try await app.testing().sendRequest(.GET, "/api/v1/reports/balances") { req in
                req.headers.bearerAuthorization = BearerAuthorization(token: token)
                req.headers.replaceOrAdd(name: .accept, value: "text/html,application/xhtml+xml,*/*;q=0.8")
            }
            #expect(anything.headers.contentType == .json)
            let bad = try await app.sendJSON(.GET, "/api/v1/reports/receipts-payments?from=2026-12-01&to=2026-11-01", token: token)
            #expect(bad.status == .unprocessableEntity)
        }
    }

    @Test func casePageRecordsMoneyAndKeepsWhatWasTypedOnErrors() async throws {
        try await withCasework(tool: true) { app in
            let (id, _) = try await app.openToolCase()
            let browser = Browser(app)
            try await browser.signIn("60000004")
            let key = UUID().uuidString
            let form = ["amount": "150.25", "on": "2026-11-20", "method": "cheque", "payer": "Colin Adams", "reference": "CHQ 4411", "idempotencyKey": key]
            #expect(try await browser.post("/tool/cases/\(id)/receipts", form: form).status == .seeOther)
            // A double-click sends the same form again: still one receipt.
            try await browser.post("/tool/cases/\(id)/receipts", form: form)
            var page = try await browser.get("/tool/cases/\(id)").body.string
            #expect(text(ofId: "case-balance", in: page) == "£150.25")
            let tooMuch = try await browser.post("/tool/cases/\(id)/payments", form: ["amount": "200", "on": "2026-11-21", "method": "bankTransfer", "reference": "BACS 1", "idempotencyKey": UUID().uuidString])
            #expect(tooMuch.status == .conflict)
            #expect(tooMuch.body.string.contains("more than the case holds"))
            #expect(tooMuch.body.string.contains(#"value="BACS 1""#))
            let typo = try await browser.post("/tool/cases/\(id)/payments", form: ["amount": "12.345", "on": "2026-11-21", "method": "bankTransfer", "reference": "BACS 2", "idempotencyKey": UUID().uuidString])
            #expect(typo.status == .unprocessableEntity)
            #expect(typo.body.string.contains(##"href="#paymentAmountPence""##))
            try await browser.post("/tool/cases/\(id)/payments", form: ["amount": "100", "on": "2026-11-21", "method": "bankTransfer", "reference": "BACS 3", "idempotencyKey": UUID().uuidString])
            page = try await browser.get("/tool/cases/\(id)").body.string
            #expect(text(ofId: "case-balance", in: page) == "£50.25")
            let csv = try await browser.get("/tool/cases/\(id)/statement.csv")
            #expect(csv.body.string.contains("CHQ 4411") && csv.body.string.contains(",50.25,"))
            let reports = try await browser.get("/tool/reports?from=2026-11-01&to=2026-11-30", headers: ["Accept": "text/html,*/*;q=0.8"]).body.string
            #expect(reports.contains("Unallocated balances by case"))
            #expect(reports.contains("5025"))
        }
    }

    @Test func theCaseAndReportPagesTakeEachDateInGOVUKsThreeBoxes() async throws {
        try await withCasework(tool: true) { app in
            let (id, _) = try await app.openToolCase()
            let browser = Browser(app)
            try await browser.signIn("60000004")
            let receipt = ["amount": "80", "receiptReceivedOn-day": "20", "receiptReceivedOn-month": "11", "receiptReceivedOn-year": "2026",
                           "method": "cash", "reference": "CASH 1", "idempotencyKey": UUID().uuidString]
            #expect(try await browser.post("/tool/cases/\(id)/receipts", form: receipt).status == .seeOther)
            let statement = try await browser.get("/tool/cases/\(id)").body.string
            #expect(statement.contains(#"<time datetime="2026-11-20">"#), "the receipt is on the day typed into the boxes")

            // A day that does not exist is refused beside the payment's date, with the boxes as typed.
            let payment = ["amount": "10", "paymentPaidOn-day": "31", "paymentPaidOn-month": "11", "paymentPaidOn-year": "2026",
                           "method": "cash", "reference": "CASH 2", "idempotencyKey": UUID().uuidString]
            let refused = try await browser.post("/tool/cases/\(id)/payments", form: payment)
            #expect(refused.status == .unprocessableEntity)
            let html = refused.body.string
            #expect(html.contains(##"href="#paymentPaidOn-day">Date paid must be a real date, like 22 November 2026"##))
            #expect(html.contains(#"id="paymentPaidOn-error""#))
            #expect(html.contains(#"id="paymentPaidOn-day" name="paymentPaidOn-day" type="text" inputmode="numeric" value="31""#))
            #expect(html.contains(#"id="paymentPaidOn-month" name="paymentPaidOn-month" type="text" inputmode="numeric" value="11""#))
            // The receipt form, untouched, still offers today.
            #expect(!html.contains(#"id="receiptReceivedOn-error""#))

            let reports = try await browser.get("/tool/reports?from-day=1&from-month=11&from-year=2026&to-day=30&to-month=11&to-year=2026",
                                                headers: ["Accept": "text/html,*/*;q=0.8"]).body.string
            #expect(reports.contains("CASH 1"))
            // The CSV link carries the period the boxes chose (Leaf escapes the ampersand).
            #expect(reports.contains(#"href="/tool/reports/receipts-payments.csv?from=2026-11-01&amp;to=2026-11-30""#))
        }
    }
}
