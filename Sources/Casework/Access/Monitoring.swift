import CaseworkCore
import Fluent
import Vapor

/// A grant as monitoring lists it: who holds it, for which request, until when.
struct MonitoredGrantDTO: Content {
    let grantId: String
    let requestId: String
    let reference: String
    let staffId: String
    let name: String
    let team: String
    let purpose: String
    let grantedAt: String
    let expiresAt: String
    let endedAt: String?
    let teamLeaderStaffId: String?
}

struct StageFiguresDTO: Content {
    let stage: String
    let decisions: Int
    let approved: Int
    let rejected: Int
    let returned: Int
    let medianMinutesToDecide: Int?
    let longestMinutesToDecide: Int?
}

struct DecisionDTO: Content {
    let reference: String
    let team: String
    let stage: String
    let decision: String
    let at: String
    let minutesToDecide: Int
    let reason: String?
}

struct TeamFiguresDTO: Content {
    let team: String
    let requests: Int
    let inProgress: Int
    let granted: Int
    let rejected: Int
    let returned: Int
    let withdrawn: Int
}

/// Everything on the monitoring page. Grants are as they stand now; decisions and teams cover the period.
struct MonitoringDTO: Content {
    let at: String
    let from: String
    let to: String
    let activeGrants: [MonitoredGrantDTO]
    let endingToday: [MonitoredGrantDTO]
    let overdueLogOffs: [MonitoredGrantDTO]
    let stages: [StageFiguresDTO]
    let refusals: [DecisionDTO]
    let decisions: [DecisionDTO]
    let teams: [TeamFiguresDTO]
}

/// SCR managers' monitoring of temporary access, and the evidence for one request.
struct Monitoring {
    let request: Request

    var db: any Database { request.db }

    /// The last 30 days, today included.
    static func defaultPeriod(_ now: Date) -> DayPeriod {
        try! DayPeriod.parse(from: nil, to: nil, now: now, defaultDaysBack: 29)
    }

    /// The period the query names with `from` and `to`, defaulting to the last 30 days.
    static func period(_ req: Request) throws -> DayPeriod {
        try DayPeriod.parse(from: try? req.query.get(String.self, at: "from"), to: try? req.query.get(String.self, at: "to"), now: req.now, defaultDaysBack: 29)
    }

    func summary(_ chosen: DayPeriod? = nil) async throws -> MonitoringDTO {
        try request.requireRole(.scrManager)
        let now = request.now
        let period = try chosen ?? Self.period(request)
        // Only what the page shows is read: grants whose log-off is unconfirmed (every live grant is), their requests
        // and holders, and the period's requests with their histories; not the whole history of access.
        let grants = try await GrantModel.query(on: db).filter(\.$logOffConfirmedAt == nil).sort(\.$expiresAt).all()
        let inPeriod = try await AccessRequestModel.query(on: db).filter(\.$createdAt >= period.start).filter(\.$createdAt < period.end).all()
        var byId = Dictionary(uniqueKeysWithValues: inPeriod.map { ($0.id!, $0) })
        let missing = Set(grants.map(\.requestId)).subtracting(byId.keys)
        if !missing.isEmpty {
            for record in try await AccessRequestModel.query(on: db).filter(\.$id ~~ Array(missing)).all() { byId[record.id!] = record }
        }
        var names: [String: StaffModel] = [:]
        let holders = Array(Set(grants.map(\.staffId)))
        if !holders.isEmpty {
            for staff in try await StaffModel.query(on: db).filter(\.$id ~~ holders).all() { names[staff.id!] = staff }
        }

        func monitored(_ grant: GrantModel) -> MonitoredGrantDTO {
            let record = byId[grant.requestId]
            return MonitoredGrantDTO(
                grantId: grant.id!.uuidString, requestId: grant.requestId.uuidString, reference: record?.reference ?? "", staffId: grant.staffId,
                name: names[grant.staffId]?.name ?? "", team: record?.requesterTeam ?? names[grant.staffId]?.team ?? "",
                purpose: GrantPurpose(rawValue: grant.purpose)?.displayName ?? grant.purpose,
                grantedAt: CaseworkTime.iso8601(grant.grantedAt), expiresAt: CaseworkTime.iso8601(grant.expiresAt),
                endedAt: AccessMonitoring.endedAt(expiresAt: grant.expiresAt, removedAt: grant.removedAt, now: now).map(CaseworkTime.iso8601),
                teamLeaderStaffId: record?.teamLeaderStaffId)
        }
        let active = grants.filter { $0.state(at: now) == .active }
        let endOfToday = CaseworkTime.endOfUKDay(now)
        let overdue = grants.filter {
            AccessMonitoring.logOffOverdue(expiresAt: $0.expiresAt, removedAt: $0.removedAt, confirmedAt: $0.logOffConfirmedAt, now: now)
        }


        let ids = inPeriod.map { $0.id! }
        let history = ids.isEmpty ? [] : try await AccessRequestHistoryModel.query(on: db).filter(\.$requestId ~~ ids).all()
        let stepsByRequest = Dictionary(grouping: history, by: \.requestId)
        let records = inPeriod.map { record in
            AccessMonitoring.RequestRecord(
                reference: record.reference, team: record.requesterTeam, status: record.statusValue,
                steps: (stepsByRequest[record.id!] ?? []).map { AccessMonitoring.Step(at: $0.at, action: $0.action, reason: $0.reason) })
        }
        func decisionDTO(_ d: AccessMonitoring.Decision) -> DecisionDTO {
            DecisionDTO(reference: d.reference, team: d.team, stage: d.stage.rawValue, decision: d.decision.rawValue, at: CaseworkTime.iso8601(d.at),
                        minutesToDecide: Int((d.waitedSeconds / 60).rounded()), reason: d.reason)
        }
        return MonitoringDTO(
            at: CaseworkTime.iso8601(now), from: period.from, to: period.to,
            activeGrants: active.map(monitored),
            endingToday: active.filter { $0.expiresAt < endOfToday }.map(monitored),
            overdueLogOffs: overdue.map(monitored),
            stages: AccessMonitoring.stageFigures(records).map {
                StageFiguresDTO(stage: $0.stage.rawValue, decisions: $0.decisions, approved: $0.approved, rejected: $0.rejected, returned: $0.returned,
                                medianMinutesToDecide: $0.medianMinutesToDecide, longestMinutesToDecide: $0.longestMinutesToDecide)
            },
            refusals: AccessMonitoring.refusals(records).map(decisionDTO),
            decisions: records.flatMap(AccessMonitoring.decisions).sorted { $0.at > $1.at }.map(decisionDTO),
            teams: AccessMonitoring.teamFigures(records).map {
                TeamFiguresDTO(team: $0.team, requests: $0.requests, inProgress: $0.inProgress, granted: $0.granted, rejected: $0.rejected,
                               returned: $0.returned, withdrawn: $0.withdrawn)
            })
    }

    /// The CSV tables the page offers, by file name.
    static let csvTables = ["active-grants", "ending-today", "overdue-log-offs", "decisions", "teams"]

    static func csv(_ table: String, _ summary: MonitoringDTO) -> String? {
        func grants(_ rows: [MonitoredGrantDTO]) -> String {
            CSVWriter.write(header: ["Reference", "Staff ID", "Name", "Team", "Purpose", "Granted at", "Expires at", "Ended at", "Team leader"],
                            rows: rows.map { [$0.reference, $0.staffId, $0.name, $0.team, $0.purpose, $0.grantedAt, $0.expiresAt, $0.endedAt ?? "", $0.teamLeaderStaffId ?? ""] })
        }
        switch table {
        case "active-grants": return grants(summary.activeGrants)
        case "ending-today": return grants(summary.endingToday)
        case "overdue-log-offs": return grants(summary.overdueLogOffs)
        case "decisions":
            return CSVWriter.write(header: ["Reference", "Team", "Stage", "Decision", "At", "Minutes to decide", "Reason"],
                                   rows: summary.decisions.map { [$0.reference, $0.team, $0.stage, $0.decision, $0.at, String($0.minutesToDecide), $0.reason ?? ""] })
        case "teams":
            return CSVWriter.write(header: ["Team", "Requests", "In progress", "Granted", "Rejected", "Returned", "Withdrawn"],
                                   rows: summary.teams.map { [$0.team, String($0.requests), String($0.inProgress), String($0.granted), String($0.rejected), String($0.returned), String($0.withdrawn)] })
        default: return nil
        }
    }
}

// MARK: Evidence

struct EvidenceEventDTO: Content {
    let at: String
    let actorStaffId: String?
    let action: String
    let outcome: String
    let detail: String
}

struct EvidenceNotificationDTO: Content {
    let at: String
    let to: String
    let kind: String
    let text: String
    let readAt: String?
}

struct EvidenceEmailDTO: Content {
    let queuedAt: String
    let to: String
    let subject: String
    let status: String
    let attempts: Int
    let sentAt: String?
}

struct EvidenceGrantDTO: Content {
    let grant: GrantDTO
    let removedAt: String?
    let removedBy: String?
    let removalReason: String?
    let reminderSentAt: String?
    let endRecordedAt: String?
}

/// The whole story of one request: the form, each decision with who, when and why, the grant and every change to
/// it, its end and the log-off confirmation, the notifications and emails sent, the sensitive records its holder
/// opened or was refused, and the audit events that record all of it.
struct EvidenceDTO: Content {
    let request: AccessRequestDTO
    let grant: EvidenceGrantDTO?
    let changes: [GrantChangeDTO]
    let notifications: [EvidenceNotificationDTO]
    let emails: [EvidenceEmailDTO]
    let recordAccess: [EvidenceEventDTO]
    let auditEvents: [EvidenceEventDTO]
}

extension Monitoring {
    func evidence(_ id: UUID) async throws -> EvidenceDTO {
        try request.requireRole(.scrManager, .administrator)
        guard let record = try await AccessRequestModel.find(id, on: db) else {
            throw DomainError.notFound("There is no access request with id \(id.uuidString)")
        }
        let requestDTO = try await TemporaryAccess(request: request).dto(record)
        let grant = try await GrantModel.query(on: db).filter(\.$requestId == id).first()
        let changes = try await grant.asyncMap {
            try await GrantChangeRequestModel.query(on: db).filter(\.$grantId == $0.id!).sort(\.$createdAt).all().map(GrantChangeDTO.init)
        } ?? []
        let notes = try await NotificationModel.query(on: db).filter(\.$accessRequestId == id).sort(\.$at).all().map {
            EvidenceNotificationDTO(at: CaseworkTime.iso8601($0.at), to: $0.staffId, kind: $0.kind, text: $0.text, readAt: $0.readAt.map(CaseworkTime.iso8601))
        }
        let emails = try await OutboxMessageModel.query(on: db).filter(\.$accessRequestId == id).sort(\.$createdAt).all().map {
            EvidenceEmailDTO(queuedAt: CaseworkTime.iso8601($0.createdAt), to: $0.toAddress, subject: $0.subject, status: $0.status, attempts: $0.attempts,
                             sentAt: $0.sentAt.map(CaseworkTime.iso8601))
        }
        func event(_ e: AuditEventModel) -> EvidenceEventDTO {
            EvidenceEventDTO(at: e.at, actorStaffId: e.actorStaffId, action: e.action, outcome: e.outcome, detail: e.detail)
        }
        // The holder's reads of sensitive contacts from submission until an hour after the grant ended (or the request
        // closed): the views the grant allowed, and the refusals either side of it.
        let since = CaseworkTime.iso8601Millis(record.createdAt)
        let closedAt = grant.map { AccessMonitoring.endedAt(expiresAt: $0.expiresAt, removedAt: $0.removedAt, now: request.now) ?? request.now } ?? record.updatedAt
        let until = CaseworkTime.iso8601Millis(closedAt.addingTimeInterval(3600))
        let access = try await AuditEventModel.query(on: db).filter(\.$actorStaffId == record.requesterStaffId).filter(\.$subjectType == "contact")
            .filter(\.$at >= since).filter(\.$at <= until).sort(\.$seq).limit(500).all().map(event)
        var subjects = [id.uuidString]
        if let grant { subjects.append(grant.id!.uuidString) }
        let trail = try await AuditEventModel.query(on: db).filter(\.$subjectId ~~ subjects).sort(\.$seq).all().map(event)
        return EvidenceDTO(
            request: requestDTO,
            grant: grant.map {
                EvidenceGrantDTO(grant: GrantDTO($0, now: request.now), removedAt: $0.removedAt.map(CaseworkTime.iso8601), removedBy: $0.removedBy,
                                 removalReason: $0.removalReason, reminderSentAt: $0.reminderSentAt.map(CaseworkTime.iso8601),
                                 endRecordedAt: $0.endProcessedAt.map(CaseworkTime.iso8601))
            },
            changes: changes, notifications: notes, emails: emails, recordAccess: access, auditEvents: trail)
    }
}
