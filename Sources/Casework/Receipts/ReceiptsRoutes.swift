import CaseworkCore
import Fluent
import Vapor

/// The receipts and payments tool through the JSON API; the bodies here are also what the pages' forms post.
struct ReceiptsRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {

        let api = routes.grouped("api", "v1").grouped(APIGate())
        api.get("tool", "users", use: usersAPI)
        api.post("tool", "users", use: createUserAPI)
        api.patch("tool", "users", ":staffId", use: saveUserAPI)
        api.post("tool", "users", ":staffId", "profiles", use: grantAPI)
        api.delete("tool", "users", ":staffId", "profiles", ":role", use: revokeAPI)
        api.get("exceptional-cases", use: casesAPI)
        api.post("exceptional-cases", use: createCaseAPI)
        api.get("exceptional-cases", ":id", use: caseAPI)
        api.post("exceptional-cases", ":id", "receipts", use: receiptAPI)
        api.post("exceptional-cases", ":id", "payments", use: paymentAPI)
        api.post("exceptional-cases", ":id", "entries", ":entryId", "reversal", use: reversalAPI)
        api.get("exceptional-cases", ":id", "statement", use: statementAPI)
        api.get("reports", "receipts-payments", use: periodAPI)
        api.get("reports", "balances", use: balancesAPI)
        api.get("reports", "totals-by-method", use: methodsAPI)
    }

    struct CaseForm: Content, FormPage {
        var type: String?
        var incidentReference: String?
        var receivingParent: String?
        var payingParent: String?
        var notes: String?
        var formValues: Any { self }
        var formChoices: [String: [Choice]] { ["type": Choice.of(ExceptionalCaseType.allCases, name: \.displayName)] }

        var input: ExceptionalCaseInput {
            ExceptionalCaseInput(type: type ?? "", incidentReference: incidentReference ?? "", receivingParent: receivingParent ?? "",
                                 payingParent: payingParent ?? "", notes: notes ?? "")
        }
    }

    struct PhoneForm: Content { var phone: String? }

    struct ProfileForm: Content { var role: String? }

    struct ReversalForm: Content { var reason: String? }

    // MARK: Users (API)

    @Sendable func usersAPI(req: Request) async throws -> ListDTO<ToolUserRowDTO> {
        ListDTO(items: try await ReceiptsTool(request: req).userRows(), nextCursor: nil)
    }

    struct CreateUserBody: Content {
        var staffId: String
        var phone: String
    }

    @Sendable func createUserAPI(req: Request) async throws -> Response {
        let body = try req.content.decode(CreateUserBody.self)
        let person = try await ReceiptsTool(request: req).createUser(staffId: body.staffId, phone: body.phone)
        let row = ToolUserRowDTO(staffId: person.id!, name: person.name, phone: body.phone.trimmingCharacters(in: .whitespaces), email: person.email.uppercased(), role: nil, roleName: nil)
        return try await row.encodeResponse(status: .created, for: req)
    }

    @Sendable func saveUserAPI(req: Request) async throws -> ListDTO<ToolUserRowDTO> {
        let staffId = try PathParameters.staffId(req)
        let body = try req.content.decode(PhoneForm.self)
        try await ReceiptsTool(request: req).updatePhone(staffId: staffId, phone: body.phone ?? "")
        return ListDTO(items: try await ReceiptsTool(request: req).userRows().filter { $0.staffId == staffId }, nextCursor: nil)
    }

    @Sendable func grantAPI(req: Request) async throws -> Response {
        let staffId = try PathParameters.staffId(req)
        let body = try req.content.decode(ProfileForm.self)
        _ = try await ReceiptsTool(request: req).grant(staffId: staffId, profile: body.role ?? "")
        return try await ListDTO(items: try await ReceiptsTool(request: req).userRows().filter { $0.staffId == staffId }, nextCursor: nil).encodeResponse(status: .created, for: req)
    }

    @Sendable func revokeAPI(req: Request) async throws -> ListDTO<ToolUserRowDTO> {
        let staffId = try PathParameters.staffId(req)
        _ = try await ReceiptsTool(request: req).revoke(staffId: staffId, profile: req.parameters.get("role") ?? "")
        return ListDTO(items: try await ReceiptsTool(request: req).userRows().filter { $0.staffId == staffId }, nextCursor: nil)
    }

    // MARK: Cases and reports (API)

    @Sendable func casesAPI(req: Request) async throws -> ListDTO<ExceptionalCaseDTO> {
        ListDTO(items: try await ReceiptsTool(request: req).cases().map { ExceptionalCaseDTO($0.0, balance: $0.1) }, nextCursor: nil)
    }

    @Sendable func createCaseAPI(req: Request) async throws -> Response {
        let form = try req.content.decode(CaseForm.self)
        let record = try await ReceiptsTool(request: req).createCase(form.input)
        return try await ExceptionalCaseDTO(record, balance: .zero).encodeResponse(status: .created, for: req)
    }

    @Sendable func caseAPI(req: Request) async throws -> ExceptionalCaseDTO {
        let tool = ReceiptsTool(request: req)
        let id = try PathParameters.uuid(req, what: "exceptional case")
        let statement = try await tool.statement(id)
        return ExceptionalCaseDTO(try await tool.exceptionalCase(id), balance: Pence(statement.balancePence))
    }

    struct EntryBody: Content {
        var amountPence: Int?
        var receivedOn: String?
        var paidOn: String?
        var method: String?
        var payer: String?
        var reference: String?
    }

    func entryAPI(_ req: Request, kind: EntryKind) async throws -> Response {
        let body = try req.content.decode(EntryBody.self)
        let input = EntryInput(amountPence: body.amountPence, on: (kind == .receipt ? body.receivedOn : body.paidOn) ?? "", method: body.method ?? "",
                               payer: body.payer ?? "", reference: body.reference ?? "")
        let (_, entry, created) = try await ReceiptsTool(request: req).record(kind, caseId: try PathParameters.uuid(req, what: "exceptional case"), input: input,
                                                                               idempotencyKey: req.headers.first(name: "Idempotency-Key"))
        return try await entry.encodeResponse(status: created ? .created : .ok, for: req)
    }

    @Sendable func receiptAPI(req: Request) async throws -> Response { try await entryAPI(req, kind: .receipt) }
    @Sendable func paymentAPI(req: Request) async throws -> Response { try await entryAPI(req, kind: .payment) }

    @Sendable func reversalAPI(req: Request) async throws -> Response {
        let body = try req.content.decode(ReversalForm.self)
        let statement = try await ReceiptsTool(request: req).reverse(caseId: try PathParameters.uuid(req, what: "exceptional case"), entryId: req.parameters.get("entryId") ?? "", reason: body.reason ?? "")
        return try await statement.encodeResponse(status: .created, for: req)
    }

    @Sendable func statementAPI(req: Request) async throws -> Response {
        let statement = try await ReceiptsTool(request: req).statement(try PathParameters.uuid(req, what: "exceptional case"))
        if CSVAnswer.wanted(by: req) { return CSVAnswer.response(ReceiptsCSV.statement(statement), filename: "statement-\(statement.reference).csv") }
        return try await statement.encodeResponse(for: req)
    }

    @Sendable func periodAPI(req: Request) async throws -> Response {
        if CSVAnswer.wanted(by: req) { return try await ReceiptsCSV.periodDownload(req) }
        return try await ReceiptsTool(request: req).periodReport(from: try? req.query.get(String.self, at: "from"), to: try? req.query.get(String.self, at: "to")).encodeResponse(for: req)
    }

    @Sendable func balancesAPI(req: Request) async throws -> Response {
        if CSVAnswer.wanted(by: req) { return try await ReceiptsCSV.balancesDownload(req) }
        return try await ReceiptsTool(request: req).balanceReport().encodeResponse(for: req)
    }

    @Sendable func methodsAPI(req: Request) async throws -> Response {
        if CSVAnswer.wanted(by: req) { return try await ReceiptsCSV.methodsDownload(req) }
        return try await ReceiptsTool(request: req).methodReport(from: try? req.query.get(String.self, at: "from"), to: try? req.query.get(String.self, at: "to")).encodeResponse(for: req)
    }
}
