import CaseworkCore
import Fluent
import Vapor

/// Puts the demo organisation in the database, adding only what is missing.
struct DemoSeeder {
    let app: Application

    /// Returns how many people were added.
    func seed() async throws -> Int {
        let existing = Set(try await StaffModel.query(on: app.db).all().compactMap(\.id))
        let missing = DemoOrganisation.staff.filter { !existing.contains($0.staffId.value) }
        guard !missing.isEmpty else { return 0 }
        // One hash per person (each with its own salt), computed before the write so the lane is not held.
        var hashes: [String: String] = [:]
        for profile in missing {
            hashes[profile.staffId.value] = try await app.password.async.hash(app.casework.settings.demoPassword).get()
        }
        let toAdd = missing
        let readyHashes = hashes
        try await app.casework.lane.perform { ctx in
            for profile in toAdd {
                var unlinked = profile
                unlinked.teamLeaderStaffId = nil
                try await Directory.insert(unlinked, passwordHash: readyHashes[profile.staffId.value], into: FluentDirectoryRepository(db: ctx.db), at: ctx.now)
            }
            for profile in toAdd {
                if let leader = profile.teamLeaderStaffId {
                    try await StaffModel.query(on: ctx.db).filter(\.$id == profile.staffId.value).set(\.$teamLeaderStaffId, to: leader.value).update()
                }
                try await ctx.audit(AuditEntry(.system, "staff.create", subjectType: "staff", subjectId: profile.staffId.value,
                                               detail: "demo organisation: \(profile.name), roles \(profile.roles.map(\.rawValue).joined(separator: ","))"))
            }
        }
        return toAdd.count
    }

    /// The accounts as a plain-text table.
    static func table(_ staff: [StaffProfile]) -> String {
        let rows = [["Staff ID", "Name", "Roles", "Team"]] + staff.map {
            [$0.staffId.value, $0.name, $0.roles.map(\.rawValue).joined(separator: ", "), $0.team]
        }
        let widths = (0..<4).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.enumerated().map { index, row in
            let line = row.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
            return index == 0 ? line + "\n" + widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") : line
        }.joined(separator: "\n")
    }
}

/// Puts the demo clients, cases and service requests in the database, once.
struct DemoRecordSeeder {
    let app: Application

    /// Returns how many contacts were added (0 when they were already there).
    func seed() async throws -> Int {
        if try await ContactModel.query(on: app.db).count() > 0 { return 0 }
        let staff = try await StaffModel.query(on: app.db).all()
        let teams = Dictionary(uniqueKeysWithValues: staff.map { ($0.id!, $0.team) })
        let now = app.casework.clock.now()
        var clients: [String: ContactInput.Valid] = [:]
        for client in DemoRecords.clients {
            clients[client.key] = try client.input.validated(today: now)
        }
        let validClients = clients
        try await app.casework.lane.perform { ctx in
            var ids: [String: UUID] = [:]
            for client in DemoRecords.clients {
                let contact = ContactModel(validClients[client.key]!, sensitive: client.sensitive, now: ctx.now)
                try await FluentContactRepository(db: ctx.db).add(contact)
                ids[client.key] = contact.id!
                try await ctx.audit(AuditEntry(.system, "contact.create", subjectType: "contact", subjectId: contact.id!.text,
                                               detail: "demo client\(client.sensitive ? ", marked sensitive" : "")"))
            }
            var cases: [String: CaseModel] = [:]
            for demo in DemoRecords.cases {
                let record = CaseModel(caseNumber: demo.caseNumber, now: ctx.now)
                try await record.create(on: ctx.db)
                cases[demo.caseNumber] = record
                for participant in demo.participants {
                    try await CaseParticipantModel(caseId: record.id!, contactId: ids[participant.clientKey]!, role: participant.role).create(on: ctx.db)
                }
                try await ctx.audit(AuditEntry(.system, "case.create", subjectType: "case", subjectId: record.id!.text, detail: "demo case \(demo.caseNumber)"))
            }
            for (index, demo) in DemoRecords.serviceRequests.enumerated() {
                // Older first, so the hoppers show a believable spread of ages.
                let created = ctx.now.addingTimeInterval(Double(index - DemoRecords.serviceRequests.count) * 3 * 3600)
                let sr = ServiceRequestModel(type: demo.type, description: demo.description, owningTeam: teams[demo.creator] ?? "", creator: demo.creator, at: created)
                sr.$case.id = demo.caseNumber.flatMap { cases[$0]?.id }
                var hasSensitive = false
                if let key = demo.clientKey {
                    hasSensitive = DemoRecords.clients.first { $0.key == key }?.sensitive ?? false
                }
                if let caseNumber = demo.caseNumber, let demoCase = DemoRecords.cases.first(where: { $0.caseNumber == caseNumber }) {
                    hasSensitive = hasSensitive || demoCase.participants.contains { p in DemoRecords.clients.first { $0.key == p.clientKey }?.sensitive ?? false }
                }
                if demo.route {
                    let route = WorkAllocation.route(RoutingFacts(type: demo.type, hasSensitiveContact: hasSensitive, isFinanceSupportRequest: false,
                                                                  needsFinanceSupport: false, owningTeam: sr.owningTeam))
                    sr.status = ServiceRequestStatus.pendingAssignment
                    sr.segment = route.segment.id
                    sr.routingRule = route.rule
                    sr.routedAt = sr.createdAt.addingTimeInterval(600)
                }
                try await sr.create(on: ctx.db)
                if let key = demo.clientKey {
                    try await ServiceRequestContactModel(serviceRequestId: sr.id!, contactId: ids[key]!).create(on: ctx.db)
                }
                let rows = FluentServiceRequestRepository(db: ctx.db)
                try await ServiceRequests.history(sr.id!, in: rows, at: ctx.now, by: demo.creator, .created, "demo service request")
                if let segment = sr.segment {
                    try await ServiceRequests.history(sr.id!, in: rows, at: ctx.now, by: demo.creator, .routed, "Pending Assignment: routed to the \(segment) hopper (\(sr.routingRule ?? ""))")
                }
                try await ctx.audit(AuditEntry(Actor(staffId: demo.creator, role: nil), "sr.create", subjectType: "serviceRequest", subjectId: sr.id!.text,
                                               detail: "demo \(sr.reference)\(sr.segment.map { "; routed to \($0)" } ?? "")"))
            }
        }
        return DemoRecords.clients.count
    }
}

/// The receipts and payments tool's demo users and two exceptional cases with money through them, once.
struct DemoToolSeeder {
    let app: Application

    /// Returns how many tool users were added.
    func seed() async throws -> Int {
        if try await ToolUserModel.query(on: app.db).count() > 0 { return 0 }
        let toolRoles = [Role.toolCaseWorker, Role.toolSystemAdministrator]
        let holders = try await StaffRoleModel.query(on: app.db).filter(\.$role ~~ toolRoles).all().map { $0.$staff.id }
        let people = try await StaffModel.query(on: app.db).filter(\.$id ~~ Array(Set(holders))).all()
        let caseworker = DemoOrganisation.staff.first { $0.roles.contains(.toolCaseWorker) }!.staffId.value
        let now = app.casework.clock.now()
        @Sendable func day(_ daysAgo: Int) -> String { String(CaseworkTime.iso8601(now.addingTimeInterval(Double(-daysAgo) * 86400)).prefix(10)) }
        let cases: [(ExceptionalCaseInput, [(EntryKind, Int, Int, PaymentMethod, String, String)])] = [
            (ExceptionalCaseInput(type: "one", receivingParent: "Lorna Keane", payingParent: "Piotr Zielinski", notes: "Paying parent has no NINO yet: started off system."),
             [(.receipt, 12_500, 20, .cheque, "Piotr Zielinski", "CHQ 100231"), (.payment, 12_500, 18, .bankTransfer, "", "BACS 55012"),
              (.receipt, 12_500, 6, .postalOrder, "Piotr Zielinski", "PO 88412")]),
            (ExceptionalCaseInput(type: "two", incidentReference: "INC-2026-0417", receivingParent: "Sian Howells", payingParent: "Mark Howells", notes: "Moved off CMS2012 after a calculation incident."),
             [(.receipt, 30_000, 12, .bankTransfer, "Mark Howells", "FP 7731"), (.payment, 20_000, 10, .bankTransfer, "", "BACS 55098")]),
        ]
        let validCases = try cases.map { (try $0.0.validated(), $0.1) }
        try await app.casework.lane.perform { ctx in
            for person in people {
                try await ToolUserModel(staffId: person.id!, phone: person.phone, now: ctx.now).create(on: ctx.db)
                try await ctx.audit(AuditEntry(.system, "tool.user.create", subjectType: "staff", subjectId: person.id!, detail: "demo tool user"))
            }
            for (index, (valid, entries)) in validCases.enumerated() {
                let record = ExceptionalCaseModel(valid, reference: String(format: "EC-%06d", index + 1), by: caseworker, now: ctx.now)
                try await record.create(on: ctx.db)
                var ledger = Ledger()
                for (seq, (kind, pence, daysAgo, method, payer, reference)) in entries.enumerated() {
                    let entry = LedgerEntry(id: UUID().text, kind: kind, amount: Pence(pence), on: day(daysAgo), method: method,
                                            payer: payer.isEmpty ? nil : payer, reference: reference)
                    if let refusal = ledger.check(entry) { throw refusal }
                    ledger.append(entry)
                    try await LedgerEntryModel(entry, caseId: record.id!, seq: seq + 1, idempotencyKey: nil, by: caseworker, now: ctx.now).create(on: ctx.db)
                }
                try await ctx.audit(AuditEntry(.system, "tool.case.create", subjectType: "exceptionalCase", subjectId: record.id!.text,
                                               detail: "demo \(record.reference) with \(entries.count) entries; balance \(ledger.balance)"))
            }
        }
        return people.count
    }
}
