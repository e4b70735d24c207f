import CaseworkCore
import Fluent
import Vapor

/// Each role's home page: what that person has to do, and what they did recently. Its routes are `HomeRoutes`
/// (JSON) and `HomePages`.
struct HomeService: ContextService {
    let context: ServiceContext
    /// Whether an SMTP server is set (the administrator is told when none is, as no email will leave).
    var smtpConfigured = false
    /// The sign-in throttle, whose rule says which accounts are locked and until when.
    var throttle = SignInThrottle()

    init(context: ServiceContext) {
        self.context = context
    }

    init(request: Request) {
        context = request.service
        smtpConfigured = request.casework.settings.mail.smtp != nil
        throttle = request.casework.throttle
    }

    private var queries: HomeQueries { HomeQueries(db: db, readers: context.readers) }

    func home() async throws -> HomeDTO {
        let user = try context.requireUser()
        guard let role = user.role else { throw DomainError.forbidden("Choose a role first") }
        var sections: [HomeSection] = []
        let refusals = Self.refusalsSection(for: role)
        let events = try await queries.activity(of: user.staffId, limit: 10, refusals: refusals.map {
            HomeQueries.RefusalsShown(since: now.addingTimeInterval(-24 * 3600), action: $0.action, limit: 20)
        })
        switch role {
        case .administrator:
            sections.append(try await lockedAccounts())
            sections.append(try await accountsWithoutPassword())
            sections.append(try await undeliveredEmail())
        case .toolSystemAdministrator:
            sections.append(HomeSection(id: "administrator-menu", title: "Administrator menu", emptyText: "", items: [
                HomeItem(text: "Maintain Users", href: "/tool/users", at: nil),
                HomeItem(text: "Reports", href: "/tool/reports", at: nil),
            ]))
        case .toolCaseWorker:
            let open = try await ReceiptsTool(context: context).openCaseCount()
            sections.append(HomeSection(id: "exceptional-cases", title: "Exceptional cases", emptyText: "", items: [
                HomeItem(text: "\(open) open exceptional case\(open == 1 ? "" : "s"): record receipts and payments", href: "/tool/cases", at: nil),
                HomeItem(text: "New exceptional case", href: "/tool/cases/new", at: nil),
                HomeItem(text: "Reports", href: "/tool/reports", at: nil),
            ]))
        default:
            break
        }
        if let refusals {
            sections.append(HomeSection(id: refusals.id, title: refusals.title, emptyText: refusals.empty,
                                        items: events.refusals.map { Self.auditItem($0, linkable: true) }))
        }
        if Records.serviceRequestRoles.contains(role) {
            sections.append(try await hoppers(user: user, role: role))
            sections.append(try await assignedToMe(user: user))
        }
        if role == .caseworker { sections.append(try await yourAccess(user: user)) }
        if role == .teamLeader { sections.append(try await teamAccess(user: user)) }
        if role == .scrManager { sections.append(try await overdueLogOffs()) }
        sections.insert(try await inbox(user: user), at: 0)
        sections.append(ownActivity(events.activity, role: role))
        return HomeDTO(role: role.rawValue, roleName: role.displayName, sections: sections)
    }

    /// The hoppers this person works or assigns from, with how many requests wait in each and for how long.
    func hoppers(user: CurrentUser, role: Role) async throws -> HomeSection {
        var items: [HomeItem] = []
        for segment in [Segment.scr, .cfat, Segment.forTeam(user.profile.team)] where segment.hasMember(user.profile) || segment.mayAssign(user.profile, actingAs: role) {
            let waiting = try await RecordQueries(db: db, readers: context.readers).hopperSummary(segment: segment.id)
            let name = segment.displayName(teamName: user.profile.team)
            let oldest = waiting.oldest.map { " (oldest waiting \(ServiceRequests.describeAge(minutes: max(0, Int(now.timeIntervalSince($0) / 60)))))" } ?? ""
            let verb = segment.mayAssign(user.profile, actingAs: role) ? "to assign" : "waiting"
            items.append(HomeItem(text: "\(name) hopper: \(waiting.waiting) \(verb)\(oldest)", href: "/hoppers/\(segment.id)", at: nil))
        }
        return HomeSection(id: "hoppers", title: "Hoppers", emptyText: "You do not work or assign from any hopper.", items: items)
    }

    func assignedToMe(user: CurrentUser) async throws -> HomeSection {
        let rows = try await ServiceRequests(context: context).serviceRequests(of: .assignee, user.staffId)
        return HomeSection(id: "assigned-to-you", title: "Service requests assigned to you", emptyText: "Nothing is assigned to you.",
                           items: rows.map { HomeItem(text: "\($0.reference) \($0.type.displayName): \($0.status.displayName)", href: "/service-requests/\($0.id.text)", at: CaseworkTime.iso8601($0.createdAt)) })
    }

    /// Unread notifications, newest first.
    func inbox(user: CurrentUser) async throws -> HomeSection {
        let rows = try await queries.unreadNotifications(of: user.staffId, limit: 20)
        return HomeSection(id: "notifications", title: "Your notifications", emptyText: "You have no unread notifications.",
                           items: rows.map { HomeItem(text: $0.text, href: $0.link, at: CaseworkTime.iso8601($0.at)) })
    }

    /// The caseworker's live temporary access, with when it ends.
    func yourAccess(user: CurrentUser) async throws -> HomeSection {
        let live = try await queries.liveGrants(of: user.staffId, at: now).filter { $0.state(at: now) == .active }
        return HomeSection(id: "your-access", title: "Your temporary SCR access", emptyText: "You have no temporary SCR access.", items: live.map {
            HomeItem(text: "\($0.purpose.displayName) until \(CaseworkTime.ukClockTime($0.expiresAt)) on \(CaseworkTime.longDate($0.expiresAt))",
                     href: "/grants/\($0.id.text)", at: CaseworkTime.iso8601($0.expiresAt))
        })
    }

    /// A team leader's team members with live access, and ended grants whose log-off they have still to confirm.
    func teamAccess(user: CurrentUser) async throws -> HomeSection {
        let grants = try await AccessQueries(db: db, readers: context.readers).unconfirmedGrants(countersignedBy: user.staffId)
        let items = grants.map { grant, reference -> HomeItem in
            let link = "/grants/\(grant.id.text)"
            if let ended = AccessMonitoring.endedAt(expiresAt: grant.expiresAt, removedAt: grant.removedAt, now: now) {
                return HomeItem(text: "\(reference): access for \(grant.staffId) ended at \(CaseworkTime.ukClockTime(ended)) on \(CaseworkTime.longDate(ended)): confirm the log-off you witnessed",
                                href: link, at: CaseworkTime.iso8601(ended))
            }
            return HomeItem(text: "\(reference): \(grant.staffId) has access until \(CaseworkTime.ukClockTime(grant.expiresAt)) on \(CaseworkTime.longDate(grant.expiresAt))",
                            href: link, at: CaseworkTime.iso8601(grant.expiresAt))
        }
        return HomeSection(id: "team-access", title: "Your team's temporary SCR access", emptyText: "Nobody in your team has temporary access or a log-off to confirm.", items: items)
    }

    /// Grants that ended more than a day ago whose log-off nobody has confirmed ("closely monitored").
    func overdueLogOffs() async throws -> HomeSection {
        let rows = try await AccessQueries(db: db, readers: context.readers).unconfirmedGrants(endedBefore: now.addingTimeInterval(-AccessMonitoring.logOffGrace), limit: 50)
            .filter { AccessMonitoring.logOffOverdue(expiresAt: $0.expiresAt, removedAt: $0.removedAt, confirmedAt: $0.logOffConfirmedAt, now: now) }
            .sorted { ($0.removedAt ?? $0.expiresAt) < ($1.removedAt ?? $1.expiresAt) }
        return HomeSection(id: "overdue-log-offs", title: "Log-off confirmations overdue", emptyText: "No log-off confirmation is overdue.",
                           items: rows.prefix(50).map {
                               let ended = AccessMonitoring.endedAt(expiresAt: $0.expiresAt, removedAt: $0.removedAt, now: now) ?? $0.expiresAt
                               return HomeItem(text: "Grant for \($0.staffId) ended \(CaseworkTime.forPeople(ended)) and its log-off is not confirmed",
                                               href: "/grants/\($0.id.text)", at: CaseworkTime.iso8601(ended))
                           })
    }

    /// Email not yet delivered: a growing count or a repeated error means the SMTP relay needs attention.
    func undeliveredEmail() async throws -> HomeSection {
        var items: [HomeItem] = []
        if let backlog = try await queries.outboxBacklog() {
            let waiting = backlog.waiting
            var text = "\(waiting) email\(waiting == 1 ? "" : "s") waiting, the oldest queued \(CaseworkTime.forPeople(backlog.oldestQueuedAt))"
            if !smtpConfigured { text += ": no SMTP server is set, so none will be sent" }
            if backlog.failed > 0, let last = backlog.lastError {
                text += "; \(backlog.failed) failed at least once, most recently: \(last)"
            }
            items.append(HomeItem(text: text, href: "/outbox", at: CaseworkTime.iso8601(backlog.oldestQueuedAt)))
        }
        return HomeSection(id: "undelivered-email", title: "Email waiting to be sent", emptyText: "Every email has been delivered.", items: items)
    }

    func lockedAccounts() async throws -> HomeSection {
        let rows = try await queries.peopleWithFailedSignIns(atLeast: throttle.lockAfter)
        let items = rows.compactMap { staff -> HomeItem? in
            guard case .locked(let until) = throttle.decide(failures: staff.failedSignIns, lastFailureAt: staff.lastFailedSignInAt, now: now) else { return nil }
            return HomeItem(text: "\(staff.staffId) - \(staff.name): locked until \(CaseworkTime.ukTwelveHourTime(until)) after \(staff.failedSignIns) wrong passwords",
                            href: "/staff/\(staff.staffId)", at: CaseworkTime.iso8601(until))
        }
        return HomeSection(id: "locked-accounts", title: "Locked accounts", emptyText: "No account is locked.", items: items)
    }

    func accountsWithoutPassword() async throws -> HomeSection {
        let rows = try await queries.activePeopleWithoutPassword(limit: 50)
        return HomeSection(
            id: "no-password", title: "People who cannot sign in yet", emptyText: "Everyone active has a password.",
            items: rows.map { HomeItem(text: "\($0.staffId) - \($0.name): no password yet; reset it to give them a temporary one", href: "/staff/\($0.staffId)", at: nil) })
    }

    /// The refusals and failures of the last 24 hours a role's home lists (newest twenty): an administrator's failed
    /// sign-ins, an SCR manager's every refusal and failure.
    struct RefusalsSection {
        let id: String
        let title: String
        let empty: String
        /// The one action listed; nil for all.
        let action: String?
    }

    static func refusalsSection(for role: Role) -> RefusalsSection? {
        switch role {
        case .administrator:
            RefusalsSection(id: "failed-sign-ins", title: "Failed sign-ins in the last 24 hours", empty: "No failed sign-ins in the last 24 hours.", action: "signIn")
        case .scrManager:
            RefusalsSection(id: "denials", title: "Refusals and failures in the last 24 hours", empty: "Nothing was refused in the last 24 hours.", action: nil)
        default:
            nil
        }
    }

    func ownActivity(_ rows: [StoredAuditEvent], role: Role) -> HomeSection {
        let linkable = role == .administrator || role == .scrManager
        return HomeSection(id: "your-activity", title: "Your recent activity", emptyText: "You have no recorded activity yet.", items: rows.map { Self.auditItem($0, linkable: linkable) })
    }

    static func auditItem(_ event: StoredAuditEvent, linkable: Bool) -> HomeItem {
        let who = event.actorStaffId.map { "\($0) " } ?? ""
        return HomeItem(text: "\(who)\(event.action) \(event.subjectType) \(event.subjectId): \(event.outcome)\(event.detail.isEmpty ? "" : " (\(event.detail))")",
                        href: linkable ? "/audit?subject=\(event.subjectId)" : nil, at: String(event.at.prefix(19)) + "Z")
    }
}
