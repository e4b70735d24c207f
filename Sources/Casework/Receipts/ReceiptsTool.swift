import CaseworkCore
import Fluent
import Vapor

/// The exceptional case receipts and payments tool: its users and profiles, cases, ledger and reports. The rules are
/// here and in CaseworkCore (`Ledger`, `ToolProfile`, `ExceptionalCaseInput`); the rows come from a
/// `ReceiptsRepository`, made for the database a step runs on: the request's for a read, the lane's for a change.
struct ReceiptsTool: RepositoryService {
    let context: ServiceContext
    let repository: @Sendable (any Database) -> any ReceiptsRepository
    static let fluent: @Sendable (any Database) -> any ReceiptsRepository = { FluentReceiptsRepository(db: $0) }

    /// The rows as they are now, outside the write lane.
    private var rows: any ReceiptsRepository { repository(db) }

    // MARK: Users and profiles

    /// One row per profile, in staff ID order; a user whose profiles were all revoked still shows, without a role.
    func userRows() async throws -> [ToolUserRowDTO] {
        try context.requireRole(.toolSystemAdministrator)
        let users = try await rows.toolUsers()
        let staff = try await rows.staffWithRoles(users.compactMap(\.id))
        let byId = Dictionary(uniqueKeysWithValues: staff.map { ($0.id!, $0) })
        var rows: [ToolUserRowDTO] = []
        for user in users {
            guard let person = byId[user.id!] else { continue }
            let profiles = ToolProfile.allCases.reversed().filter { person.loadedRoles.contains($0.role) }
            if profiles.isEmpty {
                rows.append(ToolUserRowDTO(staffId: user.id!, name: person.name, phone: user.phone, email: person.email.uppercased(), role: nil, roleName: nil))
            }
            for profile in profiles {
                rows.append(ToolUserRowDTO(staffId: user.id!, name: person.name, phone: user.phone, email: person.email.uppercased(),
                                           role: profile.rawValue, roleName: profile.displayName))
            }
        }
        return rows
    }

    /// A user of the tool, with their directory entry (roles loaded), or 404.
    func user(_ staffId: String) async throws -> StaffModel {
        try context.requireRole(.toolSystemAdministrator)
        guard try await rows.toolUser(staffId) != nil, let person = try await context.directory.find(staffId) else {
            throw DomainError.notFound("\(staffId) is not a user of the tool: create the user first")
        }
        return person
    }

    /// How many cases are open, for a caseworker's home page.
    func openCaseCount() async throws -> Int {
        try await rows.openCaseCount()
    }

    /// The directory entry behind a staff ID typed on Create user, or a message saying what is wrong.
    func lookup(_ text: String) async throws -> StaffModel {
        let id = try StaffID.parse(text)
        guard let person = try await context.directory.find(id.value), person.active else {
            throw ValidationFailure(["staffId": "No one in the staff directory has staff ID \(id): check the number"])
        }
        return person
    }

    static func checkPhone(_ phone: String) throws(ValidationFailure) -> String {
        let clean = phone.trimmingCharacters(in: .whitespaces)
        if clean.isEmpty { throw ValidationFailure(["phone": "Enter the phone number"]) }
        if clean.count > 30 || !clean.allSatisfy({ ($0.isASCII && $0.isNumber) || " +()-".contains($0) }) {
            throw ValidationFailure(["phone": "Phone number may only contain digits, spaces and + ( ) -, up to 30 characters"])
        }
        return clean
    }

    func createUser(staffId text: String, phone: String) async throws -> StaffModel {
        let admin = try context.requireRole(.toolSystemAdministrator)
        var failure = ValidationFailure()
        let person = try await { () async throws -> StaffModel? in
            do { return try await lookup(text) } catch let error as ValidationFailure { failure.merge(error); return nil }
        }()
        let cleanPhone = collect(&failure) { () throws(ValidationFailure) in try Self.checkPhone(phone) }
        try failure.throwIfAny()
        let staffId = person!.id!
        try await context.write { [repository] ctx in
            let rows = repository(ctx.db)
            if try await rows.toolUser(staffId) != nil {
                throw DomainError.conflict("\(staffId) is already a user of the tool: use Edit to add a profile")
            }
            try await rows.add(ToolUserModel(staffId: staffId, phone: cleanPhone!, now: ctx.now))
            try await ctx.audit(AuditEntry(admin.actor, "tool.user.create", subjectType: "staff", subjectId: staffId, detail: "added to the receipts and payments tool"))
        }
        return person!
    }

    func updatePhone(staffId: String, phone: String) async throws {
        let admin = try context.requireRole(.toolSystemAdministrator)
        let clean = try Self.checkPhone(phone)
        try await context.write { [repository] ctx in
            let rows = repository(ctx.db)
            guard let user = try await rows.toolUser(staffId) else { throw DomainError.notFound("\(staffId) is not a user of the tool") }
            guard user.phone != clean else { return }
            let before = user.phone
            user.phone = clean
            try await rows.save(user)
            try await ctx.audit(AuditEntry(admin.actor, "tool.user.update", subjectType: "staff", subjectId: staffId, detail: "phone \(before) -> \(clean)"))
        }
    }

    static func profile(_ text: String) throws(ValidationFailure) -> ToolProfile {
        guard let profile = ToolProfile(rawValue: text) else {
            throw ValidationFailure(["role": "Choose the role: toolCaseWorker (Case Worker) or toolSystemAdministrator (System Administrator)"])
        }
        return profile
    }

    /// Grants a profile: the person gains that tool role.
    func grant(staffId: String, profile text: String) async throws -> ToolProfile {
        let admin = try context.requireRole(.toolSystemAdministrator)
        let profile = try Self.profile(text)
        try await context.write { [repository] ctx in
            let rows = repository(ctx.db)
            guard try await rows.toolUser(staffId) != nil else {
                throw DomainError.notFound("\(staffId) is not a user of the tool: create the user first")
            }
            if try await rows.heldRole(profile.role, by: staffId) != nil {
                throw DomainError.conflict("\(staffId) already has the \(profile.displayName) profile")
            }
            try await rows.give(profile.role, to: staffId)
            try await ctx.audit(AuditEntry(admin.actor, "tool.profile.grant", subjectType: "staff", subjectId: staffId, detail: "granted \(profile.rawValue)"))
        }
        return profile
    }

    /// Revokes a profile; never the last System Administrator. Sessions acting in it end at once.
    func revoke(staffId: String, profile text: String) async throws -> ToolProfile {
        let admin = try context.requireRole(.toolSystemAdministrator)
        let profile = try Self.profile(text)
        try await context.write { [repository] ctx in
            let rows = repository(ctx.db)
            guard let held = try await rows.heldRole(profile.role, by: staffId), try await rows.toolUser(staffId) != nil else {
                throw DomainError.notFound("\(staffId) has no \(profile.displayName) profile")
            }
            let administrators = try await rows.holderCount(of: .toolSystemAdministrator)
            if let refusal = ToolProfile.checkRevoke(profile, systemAdministrators: administrators) { throw refusal }
            try await rows.remove(held)
            try await rows.endSessions(of: staffId, actingAs: profile.role)
            try await ctx.audit(AuditEntry(admin.actor, "tool.profile.revoke", subjectType: "staff", subjectId: staffId, detail: "revoked \(profile.rawValue)"))
        }
        return profile
    }

    // MARK: Exceptional cases

    @discardableResult
    func requireToolRole() throws -> CurrentUser {
        try context.requireRole(.toolCaseWorker, .toolSystemAdministrator)
    }

    func createCase(_ input: ExceptionalCaseInput) async throws -> ExceptionalCaseModel {
        let user = try context.requireRole(.toolCaseWorker)
        let valid = try input.validated()
        return try await context.write { [repository] ctx in
            let rows = repository(ctx.db)
            let last = try await rows.lastCaseReference()
            let next = (last.flatMap { Int($0.dropFirst(3)) } ?? 0) + 1
            let record = ExceptionalCaseModel(valid, reference: String(format: "EC-%06d", next), by: user.staffId, now: ctx.now)
            try await rows.add(record)
            try await ctx.audit(AuditEntry(user.actor, "tool.case.create", subjectType: "exceptionalCase", subjectId: record.id!.text,
                                           detail: "\(record.reference) type \(valid.type.rawValue)\(valid.incidentReference.map { ", incident \($0)" } ?? "")"))
            return record
        }
    }

    func cases() async throws -> [(ExceptionalCaseModel, Pence)] {
        try requireToolRole()
        let records = try await rows.cases()
        let balances = try await balancesByCase()
        return records.map { ($0, balances[$0.id!] ?? .zero) }
    }

    func balancesByCase() async throws -> [UUID: Pence] {
        try await ledgersByCase().mapValues(\.balance)
    }

    /// Every case's ledger, from one query of all entries in recorded order.
    func ledgersByCase() async throws -> [UUID: Ledger] {
        var ledgers: [UUID: Ledger] = [:]
        for row in try await rows.allEntries() {
            ledgers[row.$exceptionalCase.id, default: Ledger()].append(row.entry)
        }
        return ledgers
    }

    /// One case, or 404.
    func exceptionalCase(_ id: UUID) async throws -> ExceptionalCaseModel {
        try requireToolRole()
        return try await Self.findCase(id, in: rows)
    }

    static func findCase(_ id: UUID, in rows: any ReceiptsRepository) async throws -> ExceptionalCaseModel {
        guard let record = try await rows.exceptionalCase(id) else {
            throw DomainError.notFound("There is no exceptional case with id \(id.text)")
        }
        return record
    }

    static func ledger(_ caseId: UUID, in rows: any ReceiptsRepository) async throws -> (Ledger, [LedgerEntryModel]) {
        let entries = try await rows.entries(of: caseId)
        return (Ledger(entries.map(\.entry)), entries)
    }

    /// Records a receipt or payment. A repeated idempotency key returns the entry it first recorded (created: false).
    func record(_ kind: EntryKind, caseId: UUID, input: EntryInput, idempotencyKey: String?) async throws -> (StatementDTO, LedgerEntryDTO, created: Bool) {
        let user = try context.requireRole(.toolCaseWorker)
        let key = idempotencyKey?.trimmingCharacters(in: .whitespaces).nilIfEmpty
        if let key, key.count > 100 { throw ValidationFailure(["idempotencyKey": "Idempotency-Key must be 100 characters or fewer"]) }
        let entry = try input.validated(kind: kind, today: context.now, id: UUID().text)
        let result: (LedgerEntry, Bool) = try await context.write { [repository] ctx in
            let rows = repository(ctx.db)
            let record = try await Self.findCase(caseId, in: rows)
            if let key, let earlier = try await rows.entry(idempotencyKey: key) {
                let same = earlier.$exceptionalCase.id == caseId && earlier.kind == kind && earlier.amountPence == entry.amount.value
                    && earlier.onDate == entry.on && earlier.reference == entry.reference && earlier.method == entry.method
                guard same else { throw DomainError.conflict("This idempotency key was already used for a different entry") }
                return (earlier.entry, false)
            }
            guard record.status == .open else { throw DomainError.conflict("\(record.reference) is closed") }
            let (ledger, entries) = try await Self.ledger(caseId, in: rows)
            if let refusal = ledger.check(entry) { throw refusal }
            try await rows.add(LedgerEntryModel(entry, caseId: caseId, seq: (entries.last?.seq ?? 0) + 1, idempotencyKey: key, by: user.staffId, now: ctx.now))
            try await ctx.audit(AuditEntry(user.actor, "tool.\(kind.rawValue)", subjectType: "exceptionalCase", subjectId: caseId.text,
                                           detail: "\(record.reference) \(kind.rawValue) \(entry.amount) \(entry.method.rawValue) ref \(entry.reference); balance now \(ledger.balance + entry.effect)"))
            return (entry, true)
        }
        let statement = try await statement(caseId)
        return (statement, statement.entries.first { $0.id == result.0.id }!, result.1)
    }

    /// Corrects an entry by recording its reversal with a reason; both stay on the statement.
    func reverse(caseId: UUID, entryId: String, reason: String) async throws -> StatementDTO {
        let user = try context.requireRole(.toolCaseWorker)
        if reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { throw ValidationFailure(["reason": "Give the reason for the reversal"]) }
        if reason.count > 500 { throw ValidationFailure(["reason": "Reason must be 500 characters or fewer"]) }
        let today = CaseworkTime.ukDay(context.now)
        try await context.write { [repository] ctx in
            let rows = repository(ctx.db)
            let record = try await Self.findCase(caseId, in: rows)
            let (ledger, entries) = try await Self.ledger(caseId, in: rows)
            switch ledger.reversal(of: entryId, newId: UUID().text, on: String(today), reason: reason) {
            case .failure(let refusal): throw refusal
            case .success(let reversal):
                try await rows.add(LedgerEntryModel(reversal, caseId: caseId, seq: (entries.last?.seq ?? 0) + 1, idempotencyKey: nil, by: user.staffId, now: ctx.now))
                try await ctx.audit(AuditEntry(user.actor, "tool.reversal", subjectType: "exceptionalCase", subjectId: caseId.text,
                                               detail: "\(record.reference) reversed \(entryId) (\(reversal.kind.rawValue) \(-reversal.amount)): \(reversal.reason ?? "")"))
            }
        }
        return try await statement(caseId)
    }

    func statement(_ caseId: UUID) async throws -> StatementDTO {
        try requireToolRole()
        let record = try await Self.findCase(caseId, in: rows)
        let (ledger, _) = try await Self.ledger(caseId, in: rows)
        let reversed = Set(ledger.entries.compactMap(\.reversesId))
        let lines = ledger.statement.map { LedgerEntryDTO($0.entry, reversed: reversed.contains($0.entry.id), balance: $0.balance) }
        return StatementDTO(caseId: caseId.text, reference: record.reference, entries: lines,
                            receipts: lines.filter { $0.kind == .receipt }, payments: lines.filter { $0.kind == .payment },
                            receiptsPence: ledger.receipts.value, paymentsPence: ledger.payments.value, balancePence: ledger.balance.value)
    }

    // MARK: Reports

    /// The period a report covers: both dates inclusive, `to` defaulting to today and `from` to thirty days before it.
    func period(from: String?, to: String?) throws -> (String, String) {
        let period = try DayPeriod.parse(from: from, to: to, now: context.now, defaultDaysBack: 30)
        return (period.from, period.to)
    }

    func periodReport(from: String?, to: String?) async throws -> PeriodReportDTO {
        try requireToolRole()
        let (start, end) = try period(from: from, to: to)
        let dated = try await rows.entries(datedFrom: start, to: end, withCases: true)
        let lines = dated.map {
            PeriodReportDTO.Line(caseReference: $0.exceptionalCase.reference, entryId: $0.id!.text, kind: $0.kind, on: $0.onDate, method: $0.method,
                                 reference: $0.reference, amountPence: $0.amountPence, reversesEntryId: $0.reversesEntryId?.text)
        }
        let entries = dated.map(\.entry)
        let days = LedgerReports.totalsByDay(entries, from: start, to: end).map {
            PeriodReportDTO.Day(day: $0.day, receiptsPence: $0.receipts.value, paymentsPence: $0.payments.value)
        }
        return PeriodReportDTO(from: start, to: end, items: lines, receiptsPence: Ledger(entries).receipts.value, paymentsPence: Ledger(entries).payments.value,
                               days: days)
    }

    func balanceReport() async throws -> BalanceReportDTO {
        try requireToolRole()
        let records = try await rows.cases()
        let ledgers = try await ledgersByCase()
        var lines: [BalanceReportDTO.Line] = []
        for record in records {
            guard let ledger = ledgers[record.id!], ledger.balance.value != 0 else { continue }
            lines.append(.init(caseId: record.id!.text, caseReference: record.reference, receiptsPence: ledger.receipts.value,
                               paymentsPence: ledger.payments.value, balancePence: ledger.balance.value))
        }
        return BalanceReportDTO(items: lines, totalPence: lines.reduce(0) { $0 + $1.balancePence })
    }

    func methodReport(from: String?, to: String?) async throws -> MethodReportDTO {
        try requireToolRole()
        let (start, end) = try period(from: from, to: to)
        let entries = try await rows.entries(datedFrom: start, to: end, withCases: false).map(\.entry)
        let totals = LedgerReports.totalsByMethod(entries)
        return MethodReportDTO(from: start, to: end,
                               items: totals.map { .init(method: $0.method.rawValue, methodName: $0.method.displayName, receiptsPence: $0.receipts.value, paymentsPence: $0.payments.value) },
                               receiptsPence: Ledger(entries).receipts.value, paymentsPence: Ledger(entries).payments.value)
    }
}

