import CaseworkCore
import Fluent
import Vapor

/// The receipts and payments tool's pages: Maintain Users, exceptional cases with their receipts, payments and
/// statements, and reports (each also as a CSV download). Their JSON twins are `ReceiptsRoutes`.
struct ReceiptsPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let pages = routes.grouped(PageGate()).grouped("tool")
        pages.get("users", use: usersPage)
        pages.get("users", "new", use: createUserPage)
        pages.post("users", "new", use: createUserSubmit)
        pages.get("directory", ":staffId", use: directoryLookup)
        pages.get("users", ":staffId", "grant", use: grantPage)
        pages.post("users", ":staffId", "grant", use: grantSubmit)
        pages.get("users", ":staffId", "profiles", ":role", use: editUserPage)
        pages.post("users", ":staffId", "profiles", ":role", "revoke", use: revokeSubmit)
        pages.post("users", ":staffId", "profiles", ":role", "save", use: saveUserSubmit)
        pages.get("cases", use: casesPage)
        pages.get("cases", "new", use: newCasePage)
        pages.post("cases", "new", use: newCaseSubmit)
        pages.get("cases", ":id", use: casePage)
        pages.get("cases", ":id", "statement.csv", use: statementCSV)
        pages.post("cases", ":id", "receipts", use: receiptSubmit)
        pages.post("cases", ":id", "payments", use: paymentSubmit)
        pages.post("cases", ":id", "entries", ":entryId", "reversal", use: reversalSubmit)
        pages.get("reports", use: reportsPage)
        pages.get("reports", "receipts-payments.csv", use: ReceiptsCSV.periodDownload)
        pages.get("reports", "balances.csv", use: ReceiptsCSV.balancesDownload)
    }

    // MARK: Maintain Users

    struct UsersContent: Encodable { let rows: [ToolUserRowDTO] }

    @Sendable func usersPage(req: Request) async throws -> Response {
        try await Pages.render(req, "tool-users", title: "Maintain Users", UsersContent(rows: try await ReceiptsTool(request: req).userRows()))
    }

    struct CreateUserContent: Encodable {
        let staffId: String
        let name: String
        let email: String
        let phone: String
    }

    @Sendable func createUserPage(req: Request) async throws -> Response {
        try req.requireRole(.toolSystemAdministrator)
        let typed = (try? req.query.get(String.self, at: "staffId")) ?? ""
        guard !typed.isEmpty else {
            return try await Pages.render(req, "tool-user-new", title: "Create user", CreateUserContent(staffId: "", name: "", email: "", phone: ""))
        }
        do {
            let person = try await ReceiptsTool(request: req).lookup(typed)
            return try await Pages.render(req, "tool-user-new", title: "Create user", CreateUserContent(staffId: person.id!, name: person.name, email: person.email.uppercased(), phone: ""))
        } catch let failure as ValidationFailure {
            return try await Pages.render(req, "tool-user-new", title: "Create user", CreateUserContent(staffId: typed, name: "", email: "", phone: ""), errors: failure)
        }
    }

    struct LookupDTO: Content {
        let staffId: String
        let name: String
        let email: String
    }

    /// Fills Create user's name and email as soon as a staff ID is typed (the page's script calls this).
    @Sendable func directoryLookup(req: Request) async throws -> LookupDTO {
        try req.requireRole(.toolSystemAdministrator)
        let person = try await ReceiptsTool(request: req).lookup(req.parameters.get("staffId") ?? "")
        return LookupDTO(staffId: person.id!, name: person.name, email: person.email.uppercased())
    }

    struct CreateUserForm: Content {
        var staffId: String?
        var phone: String?
    }

    @Sendable func createUserSubmit(req: Request) async throws -> Response {
        let form = try req.content.decode(CreateUserForm.self)
        do {
            let person = try await ReceiptsTool(request: req).createUser(staffId: form.staffId ?? "", phone: form.phone ?? "")
            return Pages.redirect(req, to: "/tool/users/\(person.id!)/grant", flash: "You have successfully added the new user record to the database")
        } catch let failure as ValidationFailure {
            let person = try? await ReceiptsTool(request: req).lookup(form.staffId ?? "")
            return try await Pages.render(req, "tool-user-new", title: "Create user", CreateUserContent(
                staffId: form.staffId ?? "", name: person?.name ?? "", email: person?.email.uppercased() ?? "", phone: form.phone ?? ""), errors: failure)
        }
    }

    struct GrantContent: Encodable {
        let staffId: String
        let name: String
        let profiles: [Choice]
    }

    func renderGrant(_ req: Request, staffId: String, errors: ValidationFailure? = nil, status: HTTPResponseStatus? = nil) async throws -> Response {
        let person = try await ReceiptsTool(request: req).user(staffId)
        let held = Set(person.loadedRoles)
        let options = ToolProfile.allCases.filter { !held.contains($0.role) }.map {
            Choice(id: $0.rawValue, name: $0.displayName, hint: $0.role.summary)
        }
        return try await Pages.render(req, "tool-grant", title: "Grant user profile", GrantContent(staffId: staffId, name: person.name, profiles: options), errors: errors, status: status)
    }

    @Sendable func grantPage(req: Request) async throws -> Response {
        try await renderGrant(req, staffId: try PathParameters.staffId(req))
    }

    @Sendable func grantSubmit(req: Request) async throws -> Response {
        let staffId = try PathParameters.staffId(req)
        let form = try req.content.decode(ReceiptsRoutes.ProfileForm.self)
        do {
            let profile = try await ReceiptsTool(request: req).grant(staffId: staffId, profile: form.role ?? "")
            return Pages.redirect(req, to: "/tool/users/\(staffId)/grant", flash: "The \(profile.displayName) profile was granted")
        } catch let failure as ValidationFailure {
            return try await renderGrant(req, staffId: staffId, errors: failure)
        } catch let conflict as DomainError {
            if case .conflict(let message) = conflict {
                return try await renderGrant(req, staffId: staffId, errors: ValidationFailure(["role": message]), status: .conflict)
            }
            throw conflict
        }
    }

    struct EditUserContent: Encodable {
        let row: ToolUserRowDTO
    }

    func renderEdit(_ req: Request, staffId: String, role: String, errors: ValidationFailure? = nil, status: HTTPResponseStatus? = nil) async throws -> Response {
        let rows = try await ReceiptsTool(request: req).userRows()
        guard let row = rows.first(where: { $0.staffId == staffId && ($0.role ?? "none") == role }) else {
            throw DomainError.notFound("\(staffId) has no \(role) profile")
        }
        return try await Pages.render(req, "tool-user-edit", title: "Edit user", EditUserContent(row: row), errors: errors, status: status)
    }

    @Sendable func editUserPage(req: Request) async throws -> Response {
        try await renderEdit(req, staffId: try PathParameters.staffId(req), role: req.parameters.get("role") ?? "")
    }

    @Sendable func revokeSubmit(req: Request) async throws -> Response {
        let staffId = try PathParameters.staffId(req)
        let role = req.parameters.get("role") ?? ""
        do {
            let profile = try await ReceiptsTool(request: req).revoke(staffId: staffId, profile: role)
            return Pages.redirect(req, to: "/tool/users", flash: "The user profile has been deleted: \(staffId) no longer has \(profile.displayName)")
        } catch let refusal as DomainError {
            if case .conflict(let message) = refusal {
                return try await renderEdit(req, staffId: staffId, role: role, errors: ValidationFailure(["revoke": message]), status: .conflict)
            }
            throw refusal
        }
    }

    @Sendable func saveUserSubmit(req: Request) async throws -> Response {
        let staffId = try PathParameters.staffId(req)
        let role = req.parameters.get("role") ?? ""
        let form = try req.content.decode(ReceiptsRoutes.PhoneForm.self)
        do {
            try await ReceiptsTool(request: req).updatePhone(staffId: staffId, phone: form.phone ?? "")
            return Pages.redirect(req, to: "/tool/users/\(staffId)/profiles/\(role)", flash: "The user's details were saved")
        } catch let failure as ValidationFailure {
            return try await renderEdit(req, staffId: staffId, role: role, errors: failure)
        }
    }

    // MARK: Cases (pages)

    struct CaseRow: Encodable {
        let id: String
        let reference: String
        let type: ExceptionalCaseType
        let receivingParent: String
        let payingParent: String
        let status: ExceptionalCaseStatus
        let balance: String
    }

    struct CasesContent: Encodable {
        let cases: [CaseRow]
        let canCreate: Bool
    }

    @Sendable func casesPage(req: Request) async throws -> Response {
        let rows = try await ReceiptsTool(request: req).cases().map { record, balance in
            CaseRow(id: record.id!.text, reference: record.reference, type: record.type, receivingParent: record.receivingParent,
                    payingParent: record.payingParent, status: record.status, balance: balance.description)
        }
        return try await Pages.render(req, "tool-cases", title: "Exceptional cases", CasesContent(cases: rows, canCreate: req.currentUser?.role == .toolCaseWorker))
    }

    @Sendable func newCasePage(req: Request) async throws -> Response {
        try req.requireRole(.toolCaseWorker)
        return try await Pages.render(req, "tool-case-new", title: "New exceptional case", ReceiptsRoutes.CaseForm())
    }

    @Sendable func newCaseSubmit(req: Request) async throws -> Response {
        let form = try req.content.decode(ReceiptsRoutes.CaseForm.self)
        return try await Pages.submit(req, template: "tool-case-new", title: "New exceptional case", redisplay: form) {
            try await ReceiptsTool(request: req).createCase(form.input)
        } then: { record in ("/tool/cases/\(record.id!.text)", "Exceptional case \(record.reference) was created") }
    }

    /// What was typed into the receipt or payment form, kept when it has errors.
    struct EntryForm: Content {
        var amount: String?
        var on: String?
        var method: String?
        var payer: String?
        var reference: String?
        var idempotencyKey: String?
    }

    struct CasePageContent: Encodable, FormPage {
        let record: ExceptionalCaseDTO
        let typeName: String
        let statement: StatementDTO
        let balance: String
        let receipts: String
        let payments: String
        let methods: [Choice]
        let canRecord: Bool
        let receiptKey: String
        let paymentKey: String
        let receipt: EntryForm
        let payment: EntryForm
        let today: String

        /// The two forms' dates, in GOV.UK's three boxes: what was typed, or today. Every other field is drawn from
        /// `receipt` and `payment`.
        var formValues: Any { EntryDates(receiptReceivedOn: receipt.on ?? today, paymentPaidOn: payment.on ?? today) }
        var formDates: Set<String> { ["receiptReceivedOn", "paymentPaidOn"] }
        struct EntryDates { let receiptReceivedOn: String; let paymentPaidOn: String }
    }

    /// The date field of each form: the page prefixes each form's fields with its kind, as the errors are.
    static func dateField(_ kind: EntryKind) -> String { kind == .receipt ? "receiptReceivedOn" : "paymentPaidOn" }

    func renderCase(_ req: Request, _ id: UUID, receipt: EntryForm = EntryForm(), payment: EntryForm = EntryForm(), errors: ValidationFailure? = nil, status: HTTPResponseStatus? = nil) async throws -> Response {
        let tool = ReceiptsTool(request: req)
        let statement = try await tool.statement(id)
        let record = try await tool.exceptionalCase(id)
        return try await Pages.render(req, "tool-case", title: "Exceptional case \(record.reference)", CasePageContent(
            record: ExceptionalCaseDTO(record, balance: Pence(statement.balancePence)),
            typeName: record.type.displayName, statement: statement,
            balance: Pence(statement.balancePence).description, receipts: Pence(statement.receiptsPence).description,
            payments: Pence(statement.paymentsPence).description,
            methods: Choice.of(PaymentMethod.allCases, name: \.displayName),
            canRecord: req.currentUser?.role == .toolCaseWorker,
            // Each form carries its own key, so a double-clicked Save records one entry.
            receiptKey: receipt.idempotencyKey ?? UUID().text, paymentKey: payment.idempotencyKey ?? UUID().text,
            receipt: receipt, payment: payment, today: CaseworkTime.ukDay(req.now)), errors: errors, status: status)
    }

    @Sendable func casePage(req: Request) async throws -> Response {
        try await renderCase(req, try PathParameters.uuid(req, what: "exceptional case"))
    }

    func entrySubmit(_ req: Request, kind: EntryKind) async throws -> Response {
        let id = try PathParameters.uuid(req, what: "exceptional case")
        var form = try req.content.decode(EntryForm.self)
        form.on = DateInput.content(req, Self.dateField(kind)) ?? form.on
        let input = EntryInput(amountPounds: form.amount ?? "", on: form.on ?? "", method: form.method ?? "", payer: form.payer ?? "", reference: form.reference ?? "")
        do {
            let (_, entry, _) = try await ReceiptsTool(request: req).record(kind, caseId: id, input: input, idempotencyKey: form.idempotencyKey)
            return Pages.redirect(req, to: "/tool/cases/\(id.text)", flash: "\(kind == .receipt ? "Receipt" : "Payment") of \(entry.amount) recorded")
        } catch var failure as ValidationFailure {
            // The two forms share field names: prefix this form's, so each message sits beside its own field.
            failure = ValidationFailure(orderedFields: failure.fields.map { (kind.rawValue + $0.name.prefix(1).uppercased() + $0.name.dropFirst(), $0.message) })
            return try await renderCase(req, id, receipt: kind == .receipt ? form : EntryForm(), payment: kind == .payment ? form : EntryForm(), errors: failure)
        } catch let refusal as DomainError {
            guard case .conflict(let message) = refusal else { throw refusal }
            return try await renderCase(req, id, receipt: kind == .receipt ? form : EntryForm(), payment: kind == .payment ? form : EntryForm(),
                                        errors: ValidationFailure(["\(kind.rawValue)AmountPence": message]), status: .conflict)
        }
    }

    @Sendable func receiptSubmit(req: Request) async throws -> Response { try await entrySubmit(req, kind: .receipt) }
    @Sendable func paymentSubmit(req: Request) async throws -> Response { try await entrySubmit(req, kind: .payment) }

    @Sendable func reversalSubmit(req: Request) async throws -> Response {
        let id = try PathParameters.uuid(req, what: "exceptional case")
        let entryId = req.parameters.get("entryId") ?? ""
        let form = try req.content.decode(ReceiptsRoutes.ReversalForm.self)
        do {
            _ = try await ReceiptsTool(request: req).reverse(caseId: id, entryId: entryId, reason: form.reason ?? "")
            return Pages.redirect(req, to: "/tool/cases/\(id.text)", flash: "The entry was reversed; both stay on the statement")
        } catch let failure as ValidationFailure {
            return try await renderCase(req, id, errors: ValidationFailure(orderedFields: failure.fields.map { ("reason-\(entryId)", $0.message) }))
        } catch let refusal as DomainError {
            guard case .conflict(let message) = refusal else { throw refusal }
            return try await renderCase(req, id, errors: ValidationFailure(["reason-\(entryId)": message]), status: .conflict)
        }
    }

    @Sendable func statementCSV(req: Request) async throws -> Response {
        let statement = try await ReceiptsTool(request: req).statement(try PathParameters.uuid(req, what: "exceptional case"))
        return CSVAnswer.response(ReceiptsCSV.statement(statement), filename: "statement-\(statement.reference).csv")
    }

    // MARK: Reports (pages and CSV)

    struct ReportsContent: Encodable, FormPage {
        let from: String
        let to: String
        let period: PeriodReportDTO
        let periodReceipts: String
        let periodPayments: String
        let balances: BalanceReportDTO
        let balancesTotal: String
        let methods: MethodReportDTO
        let query: String
        /// Receipts and payments per day, drawn from `period`.
        let chart: Chart
        /// The period as typed (not the whole report, which the fields would otherwise turn into text on every load).
        var formValues: Any { PeriodFields(from: from, to: to) }
        var formDates: Set<String> { ["from", "to"] }
        struct PeriodFields { let from: String; let to: String }
    }

    @Sendable func reportsPage(req: Request) async throws -> Response {
        let tool = ReceiptsTool(request: req)
        let from = DateInput.query(req, "from")
        let to = DateInput.query(req, "to")
        if CSVAnswer.wanted(by: req) { return try await ReceiptsCSV.periodDownload(req) }
        do {
            let period = try await tool.periodReport(from: from, to: to)
            let balances = try await tool.balanceReport()
            let methods = try await tool.methodReport(from: from, to: to)
            return try await Pages.render(req, "tool-reports", title: "Reports", ReportsContent(
                from: period.from, to: period.to, period: period, periodReceipts: Pence(period.receiptsPence).description,
                periodPayments: Pence(period.paymentsPence).description, balances: balances, balancesTotal: Pence(balances.totalPence).description,
                methods: methods, query: "from=\(period.from)&to=\(period.to)", chart: ReceiptsCharts.receiptsAndPayments(period)))
        } catch let failure as ValidationFailure {
            let empty = PeriodReportDTO(from: from ?? "", to: to ?? "", items: [], receiptsPence: 0, paymentsPence: 0)
            return try await Pages.render(req, "tool-reports", title: "Reports", ReportsContent(
                from: from ?? "", to: to ?? "", period: empty, periodReceipts: "£0.00", periodPayments: "£0.00",
                balances: BalanceReportDTO(items: [], totalPence: 0), balancesTotal: "£0.00",
                methods: MethodReportDTO(from: "", to: "", items: [], receiptsPence: 0, paymentsPence: 0), query: "",
                chart: ReceiptsCharts.receiptsAndPayments(empty)), errors: failure)
        }
    }
}
