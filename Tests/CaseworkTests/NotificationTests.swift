@testable import Casework
import CaseworkCore
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// A mail server stand-in for the retry logic: refuses the first `failures` messages, then accepts.
/// (Real SMTP delivery is tested against aiosmtpd in e2e/test_email.py.)
final class RecordingTransport: MailTransport, @unchecked Sendable {
    private let lock = NSLock()
    private var failuresLeft: Int
    private(set) var delivered: [EmailMessage] = []

    init(failures: Int = 0) { failuresLeft = failures }

    struct Down: Error, CustomStringConvertible { var description: String { "connection refused (127.0.0.1:2525)" } }

    func send(_ message: EmailMessage, mailDomain: String) async throws {
        try lock.withLock {
            if failuresLeft > 0 { failuresLeft -= 1; throw Down() }
            delivered.append(message)
        }
    }

    var sent: [EmailMessage] { lock.withLock { delivered } }
}

extension Application {
    func outbox() async throws -> [OutboxMessageModel] {
        try await OutboxMessageModel.query(on: db).sort(\.$createdAt).all()
    }
}

@Suite("Email and the inbox")
struct NotificationTests {
    typealias Note = NotificationDTO

    @Test func eachStepEmailsTheRightPersonOrMailboxAndNamesNoClient() async throws {
        try await withCasework(records: true) { app in
            let (request, _) = try await app.submitAccessRequest(minutes: 60)
            var mail = try await app.outbox()
            #expect(mail.map(\.toAddress) == ["sarah.whitfield@childmaintenance.gov.uk"])
            #expect(mail[0].subject == "Casework: Temporary access request \(request.reference) from 20010002 awaits your countersignature")
            #expect(mail[0].body.contains("http://localhost:8080/access-requests/\(request.id)"))
            _ = try await app.decide(request.id, "approve", token: try await app.token("20010001", role: .teamLeader))
            mail = try await app.outbox()
            #expect(mail.last?.toAddress == "cm2012.specialclientrecords@childmaintenance.gov.uk", "the SCR mailbox, once, not each manager")
            #expect(mail.count == 2)
            _ = try await app.decide(request.id, "approve", token: try await app.token("30000002", role: .scrManager))
            mail = try await app.outbox()
            #expect(mail.count == 3 && mail.last?.toAddress == "cmg.userprovisioning@childmaintenance.gov.uk")
            _ = try await app.decide(request.id, "approve", minutes: 45, token: try await app.token("40000002"))
            mail = try await app.outbox()
            let granted = mail.suffix(2)
            #expect(Set(granted.map(\.toAddress)) == ["sarah.whitfield@childmaintenance.gov.uk", "tom.baxter@childmaintenance.gov.uk"])
            #expect(granted.allSatisfy { $0.subject.contains("was granted for 45 minutes") })
            #expect(mail.allSatisfy { $0.accessRequestId?.uuidString == request.id && $0.status == .pending && $0.attempts == 0 })
            for message in mail {
                for secret in ["Holloway", hollowayNINO, "SCIN4471", "Karen"] {
                    #expect(!message.subject.contains(secret) && !message.body.contains(secret), "\(message.subject) leaked \(secret)")
                }
            }
        }
    }

    @Test func aDecisionSettlesTheAwaitingYouNotificationsOfItsStage() async throws {
        try await withCasework(records: true) { app in
            let (request, _) = try await app.submitAccessRequest()
            let sarah = try await app.token("20010001", role: .teamLeader)
            var inbox = try await app.sendJSON(.GET, "/api/v1/notifications", token: sarah).content.decode(ListDTO<Note>.self).items
            #expect(inbox.filter { $0.kind == .awaitingYou && !$0.read }.count == 1)
            _ = try await app.decide(request.id, "approve", token: sarah)
            inbox = try await app.sendJSON(.GET, "/api/v1/notifications", token: sarah).content.decode(ListDTO<Note>.self).items
            #expect(inbox.filter { $0.kind == .awaitingYou }.allSatisfy { $0.read })
            _ = try await app.decide(request.id, "approve", token: try await app.token("30000002", role: .scrManager))
            // Every provisioning officer was told; once one decides, it is settled for all of them.
            let yusuf = try await app.token("40000003")
            let yusufInbox = { try await app.sendJSON(.GET, "/api/v1/notifications", token: yusuf).content.decode(ListDTO<Note>.self).items }
            #expect(try await yusufInbox().contains { $0.kind == .awaitingYou && !$0.read })
            _ = try await app.decide(request.id, "approve", token: try await app.token("40000002"))
            #expect(try await yusufInbox().filter { $0.kind == .awaitingYou }.allSatisfy { $0.read })
        }
    }

    @Test func deliveryRetriesWithBackoffAndNeverDropsAMessage() async throws {
        try await withCasework(records: true) { app in
            let transport = RecordingTransport(failures: 2)
            app.casework.mailTransport = transport
            _ = try await app.submitAccessRequest()
            let start = app.clockForTests.now()
            // First attempt fails: counted, the error kept, tried again in 30 seconds.
            #expect(try await OutboxDelivery(app: app).runOnce() == 0)
            var message = try #require(try await app.outbox().first)
            #expect(message.status == .pending && message.attempts == 1 && message.lastError == "connection refused (127.0.0.1:2525)")
            #expect(abs(message.nextAttemptAt.timeIntervalSince(start) - 30) < 1)
            // Not before its time.
            app.clockForTests.advance(by: 29)
            #expect(try await OutboxDelivery(app: app).runOnce() == 0)
            #expect(try await app.outbox().first?.attempts == 1)
            // Second failure: the wait doubles.
            app.clockForTests.advance(by: 1)
            #expect(try await OutboxDelivery(app: app).runOnce() == 0)
            message = try #require(try await app.outbox().first)
            #expect(message.attempts == 2 && abs(message.nextAttemptAt.timeIntervalSince(app.clockForTests.now()) - 60) < 1)
            app.clockForTests.advance(by: 60)
            #expect(try await OutboxDelivery(app: app).runOnce() == 1)
            message = try #require(try await app.outbox().first)
            #expect(message.status == .sent && message.attempts == 3 && message.lastError == nil && message.sentAt != nil)
            #expect(transport.sent.map(\.to) == ["sarah.whitfield@childmaintenance.gov.uk"])
            #expect(try await OutboxDelivery(app: app).runOnce() == 0, "a sent message is never sent again")
        }
    }

    @Test func withoutAnSMTPServerMessagesWaitWhereAdministratorsSeeThem() async throws {
        try await withCasework(records: true) { app in
            #expect(app.casework.mailTransport == nil)
            _ = try await app.submitAccessRequest()
            #expect(try await OutboxDelivery(app: app).runOnce() == 0)
            let alex = try await app.token("90000001")
            let listed = try await app.sendJSON(.GET, "/api/v1/outbox?status=pending", token: alex)
            #expect(listed.status == .ok)
            let items = try listed.content.decode(ListDTO<OutboxMessageDTO>.self).items
            #expect(items.count == 1 && items[0].to == "sarah.whitfield@childmaintenance.gov.uk" && items[0].attempts == 0)
            #expect(try await app.sendJSON(.GET, "/api/v1/outbox?status=lost", token: alex).status == .unprocessableEntity)
            #expect(try await app.sendJSON(.GET, "/api/v1/outbox", token: try await app.token("20010002")).status == .forbidden)
            let home = try await app.sendJSON(.GET, "/api/v1/home", token: alex).content.decode(HomeDTO.self)
            let waiting = try #require(home.sections.first { $0.id == "undelivered-email" })
            #expect(waiting.items.first?.text.contains("1 email waiting") == true && waiting.items.first?.text.contains("no SMTP server is set") == true)
            let browser = Browser(app)
            try await browser.signIn("90000001")
            let page = try await browser.get("/outbox")
            #expect(page.status == .ok)
            #expect(page.body.string.contains("No SMTP server is set"))
            #expect(page.body.string.contains("sarah.whitfield@childmaintenance.gov.uk"))
        }
    }

    @Test func theInboxPageListsAndMarksNotificationsRead() async throws {
        try await withCasework(records: true) { app in
            let (request, _) = try await app.submitAccessRequest()
            let browser = Browser(app)
            try await browser.signIn("20010001")
            try await browser.post("/choose-role", form: ["role": "teamLeader"])
            var page = try await browser.get("/notifications").body.string
            #expect(page.contains("\(request.reference) from 20010002 awaits your countersignature"))
            #expect(page.contains("href=\"/access-requests/\(request.id)\""))
            let marked = try await browser.post("/notifications/read", form: [:])
            #expect(marked.status == .seeOther || marked.status == .found)
            page = try await browser.get("/notifications").body.string
            #expect(page.contains("You have no unread notifications."))
        }
    }

    @Test func theExpiryJobSleepsNoLaterThanTheNextGrantsEnd() async throws {
        try await withCasework(records: true) { app in
            #expect(try await GrantExpiry(app: app).secondsUntilNextEnd() == nil, "no grant, nothing to wake for")
            let grantId = try await app.grantAccess(minutes: 60).grantId
            let ends = try #require(try await GrantModel.find(UUID(uuidString: grantId), on: app.db)).expiresAt
            // To the millisecond: stored instants keep a microsecond or better, not every binary fraction.
            func untilNextEnd() async throws -> Double? { try await GrantExpiry(app: app).secondsUntilNextEnd().map { ($0 * 1000).rounded() / 1000 } }
            #expect(try await untilNextEnd() == (ends.timeIntervalSince(app.clockForTests.now()) * 1000).rounded() / 1000)
            #expect(try await untilNextEnd()! > 59 * 60, "an hour's grant, ending on a whole second")
            app.clockForTests.set(ends.addingTimeInterval(-30))
            #expect(try await untilNextEnd() == 30)
            app.clockForTests.set(ends)
            try await GrantExpiry(app: app).runOnce()
            #expect(try await GrantExpiry(app: app).secondsUntilNextEnd() == nil, "the ended grant is processed: nothing is left to end")
        }
    }

    /// Each sleep below is an hour long unless the alarm ends it: the test finishing within its limit is the proof.
    /// (Upper bounds on the time taken failed under a loaded test run; the one lower bound does not.)
    @Test(.timeLimit(.minutes(1))) func anAlarmEndsAJobsSleepEarlyAndNoRingIsLost() async throws {
        let alarm = JobAlarm()
        let anHour: TimeInterval = 3600
        // Rung while asleep: the sleep ends at the ring.
        async let slept: Void = alarm.sleep(seconds: anHour)
        try await Task.sleep(for: .milliseconds(100))
        alarm.ring()
        await slept
        // Rung while the job was running: its next sleep ends at once.
        alarm.ring()
        await alarm.sleep(seconds: anHour)
        // A short sleep's timer does not end a later, longer one.
        await alarm.sleep(seconds: 0.05)
        let clock = ContinuousClock()
        let started = clock.now
        async let long: Void = alarm.sleep(seconds: anHour)
        try await Task.sleep(for: .milliseconds(600))
        alarm.ring()
        await long
        #expect(clock.now - started >= .milliseconds(500), "the 50 ms timer of the sleep before ended this one")
        // A cancelled job stops sleeping.
        let sleeper = Task { await alarm.sleep(seconds: anHour) }
        try await Task.sleep(for: .milliseconds(100))
        sleeper.cancel()
        await sleeper.value
    }

    @Test func theHolderAndLeaderAreRemindedOnceBeforeExpiry() async throws {
        try await withCasework(records: true) { app in
            let (grantId, tom, sarah, marcus) = try await app.grantAccess(minutes: 60)
            app.clockForTests.advance(by: 44 * 60)
            try await GrantExpiry(app: app).runOnce()
            #expect(try await NotificationModel.query(on: app.db).filter(\.$kind == NotificationKind.endingSoon).count() == 0)
            app.clockForTests.advance(by: 60)
            try await GrantExpiry(app: app).runOnce()
            try await GrantExpiry(app: app).runOnce()
            let reminders = try await NotificationModel.query(on: app.db).filter(\.$kind == NotificationKind.endingSoon).all()
            #expect(Set(reminders.map(\.staffId)) == ["20010002", "20010001"] && reminders.count == 2)
            #expect(reminders[0].text.contains("ends in 15 minutes"))
            #expect(try await app.outbox().filter { $0.subject.contains("ends in 15 minutes") }.count == 2)
            // An extension moves the expiry, and earns a fresh reminder before the new one.
            struct Ask: Encodable { let additionalMinutes: Int; let reason: String }
            let change = try await app.sendJSON(.POST, "/api/v1/grants/\(grantId)/extension-requests", body: Ask(additionalMinutes: 60, reason: "Trace not back"), token: tom)
                .content.decode(GrantChangeDTO.self)
            _ = try await app.decide2(change.id, "approve", token: sarah)
            _ = try await app.decide2(change.id, "approve", token: marcus)
            // The new expiry is two hours after the grant: 16 minutes before it, no reminder yet; 15 minutes before, one.
            app.clockForTests.advance(by: 59 * 60)
            try await GrantExpiry(app: app).runOnce()
            #expect(try await NotificationModel.query(on: app.db).filter(\.$kind == NotificationKind.endingSoon).count() == 2)
            app.clockForTests.advance(by: 60)
            try await GrantExpiry(app: app).runOnce()
            #expect(try await NotificationModel.query(on: app.db).filter(\.$kind == NotificationKind.endingSoon).count() == 4)
        }
    }

    @Test func extensionAndRemovalRequestsAppearInTheDecidersLists() async throws {
        try await withCasework(records: true) { app in
            let (grantId, tom, sarah, marcus) = try await app.grantAccess()
            func waiting(_ token: String) async throws -> [GrantChangeDTO] {
                try await app.sendJSON(.GET, "/api/v1/grant-change-requests?awaitingMe=true", token: token).content.decode(ListDTO<GrantChangeDTO>.self).items
            }
            struct Ask: Encodable { let additionalMinutes: Int; let reason: String }
            let change = try await app.sendJSON(.POST, "/api/v1/grants/\(grantId)/extension-requests", body: Ask(additionalMinutes: 30, reason: "More time"), token: tom)
                .content.decode(GrantChangeDTO.self)
            #expect(try await waiting(sarah).map(\.id) == [change.id])
            #expect(try await waiting(marcus).isEmpty)
            #expect(try await waiting(try await app.token("20020001")).isEmpty, "another team's leader")
            let sarahsNotice = { try await app.sendJSON(.GET, "/api/v1/notifications", token: sarah).content.decode(ListDTO<NotificationDTO>.self).items
                .first { $0.text.contains("awaits your endorsement") } }
            #expect(try await sarahsNotice()?.read == false)
            _ = try await app.decide2(change.id, "approve", token: sarah)
            #expect(try await sarahsNotice()?.read == true, "endorsing settles the notice that asked for it")
            #expect(try await waiting(sarah).isEmpty)
            #expect(try await waiting(marcus).map(\.id) == [change.id])
            _ = try await app.sendJSON(.POST, "/api/v1/grants/\(grantId)/removal-requests", ["reason": "Done now"], token: tom)
            #expect(try await waiting(marcus).map(\.kind) == [.extension, .removal])
            #expect(try await app.sendJSON(.GET, "/api/v1/grant-change-requests", token: marcus).status == .unprocessableEntity)
            let browser = Browser(app)
            try await browser.signIn("40000002")
            let page = try await browser.get("/access-requests").body.string
            #expect(page.contains("id=\"changes-awaiting-me\"") && page.contains("Extension of 30 minutes") && page.contains("Done now"))
        }
    }
}

@Suite("Monitoring and evidence")
struct MonitoringTests {
    @Test func monitoringShowsLiveGrantsStagesRefusalsAndTeams() async throws {
        try await withCasework(records: true) { app in
            let (grantId, _, _, _) = try await app.grantAccess(minutes: 60)
            let (second, _) = try await app.submitAccessRequest()
            _ = try await app.decide(second.id, "approve", token: try await app.token("20010001", role: .teamLeader))
            app.clockForTests.advance(by: 5 * 60)
            _ = try await app.decide(second.id, "reject", reason: "The SR does not need the client's record", token: try await app.token("30000002", role: .scrManager))
            let robert = try await app.token("30000002", role: .scrManager)
            let response = try await app.sendJSON(.GET, "/api/v1/monitoring", token: robert)
            #expect(response.status == .ok)
            let summary = try response.content.decode(MonitoringDTO.self)
            #expect(summary.activeGrants.map(\.grantId) == [grantId])
            #expect(summary.activeGrants[0].name == "Tom Baxter")
            #expect(summary.overdueLogOffs.isEmpty)
            let manager = try #require(summary.stages.first { $0.stage == .scrManager })
            #expect(manager.approved == 1 && manager.rejected == 1 && manager.longestMinutesToDecide == 5)
            #expect(summary.refusals.map(\.reason) == ["The SR does not need the client's record"])
            let team = try #require(summary.teams.first)
            // The chart data: every day of the period, today's two requests on the last; live grants by team.
            #expect(summary.requestsPerDay.first?.day == summary.from && summary.requestsPerDay.last?.day == summary.to)
            #expect(summary.requestsPerDay.reduce(0) { $0 + $1.requests } == 2 && summary.requestsPerDay.last?.requests == 2)
            #expect(summary.liveGrantsByTeam.map(\.team) == ["Newcastle Casework 1"] && summary.liveGrantsByTeam.map(\.n) == [1])
            #expect(summary.teams.count == 1 && team.requests == 2 && team.granted == 1 && team.rejected == 1)
            // Another period counts no requests, but live grants are live whatever the period.
            let old = try await app.sendJSON(.GET, "/api/v1/monitoring?from=2020-01-01&to=2020-01-31", token: robert).content.decode(MonitoringDTO.self)
            #expect(old.teams.isEmpty && old.decisions.isEmpty)
            #expect(old.activeGrants.map(\.reference) == summary.activeGrants.map(\.reference) && !old.activeGrants[0].reference.isEmpty)
            // A day and a bit after the grant ends with no confirmation, it is overdue.
            app.clockForTests.advance(by: 60 * 60 + 24 * 3600 + 1)
            let later = try await app.sendJSON(.GET, "/api/v1/monitoring", token: try await app.token("30000002", role: .scrManager)).content.decode(MonitoringDTO.self)
            #expect(later.activeGrants.isEmpty && later.overdueLogOffs.map(\.grantId) == [grantId])
            let fresh = try await app.token("30000002", role: .scrManager)
            #expect(try await app.sendJSON(.GET, "/api/v1/monitoring?from=yesterday", token: fresh).status == .unprocessableEntity)
            #expect(try await app.sendJSON(.GET, "/api/v1/monitoring", token: try await app.token("20010002")).status == .forbidden)
            let browser = Browser(app)
            try await browser.signIn("30000002")
            try await browser.post("/choose-role", form: ["role": "scrManager"])
            let page = try await browser.get("/monitoring").body.string
            // The charts: each an SVG image named by its heading and described by its summary, with its figures.
            for chart in ["chart-requests-per-day", "chart-time-to-decide", "chart-live-grants-by-team", "chart-overdue-log-offs"] {
                #expect(page.contains("id=\"\(chart)\""), "the monitoring page has the chart \(chart)")
            }
            #expect(page.contains("role=\"img\" aria-labelledby=\"chart-requests-per-day-title\" aria-describedby=\"chart-requests-per-day-summary\""))
            #expect(page.contains("2 in all; 1 granted, 0 in progress, 1 rejected"), "the requests chart's text alternative gives its figures")
            // By now the grant has ended unconfirmed: no live grants, one overdue log-off.
            #expect(page.contains("There are no live grants."))
            #expect(page.contains("Overdue log-off confirmations: 1. By team: Newcastle Casework 1, 1."))
            #expect(page.contains("id=\"overdue-log-offs\"") && page.contains("The SR does not need the client&#39;s record") || page.contains("The SR does not need the client's record"))
            let csv = try await browser.get("/monitoring/decisions.csv")
            #expect(csv.headers.contentType?.subType == "csv")
            let lines = csv.body.string.split(separator: "\r\n")
            #expect(lines.first == "Reference,Team,Stage,Decision,At,Minutes to decide,Reason")
            #expect(lines.count == 1 + summary.decisions.count)
            #expect(csv.body.string.contains("reject"))
            // The teams table: one row a team, as the JSON twin counts them.
            let teams = try await browser.get("/monitoring/teams.csv").body.string.split(separator: "\r\n").map(String.init)
            #expect(teams.first == "Team,Requests,In progress,Granted,Rejected,Returned,Withdrawn")
            #expect(!summary.teams.isEmpty && Array(teams.dropFirst()) == summary.teams.map {
                "\($0.team),\($0.requests),\($0.inProgress),\($0.granted),\($0.rejected),\($0.returned),\($0.withdrawn)"
            })
            #expect(try await browser.get("/monitoring/secrets.csv").status == .notFound)
        }
    }

    @Test func theGrantTablesDownloadAsCSVSoonestEndingFirst() async throws {
        try await withCasework(records: true) { app in
            let long = try await app.grantAccess(minutes: 90).grantId
            let short = try await app.grantAccess(minutes: 30).grantId
            let robert = try await app.token("30000002", role: .scrManager)
            let summary = try await app.sendJSON(.GET, "/api/v1/monitoring", token: robert).content.decode(MonitoringDTO.self)
            #expect(summary.activeGrants.map(\.grantId) == [short, long])
            let browser = Browser(app)
            try await browser.signIn("30000002")
            try await browser.post("/choose-role", form: ["role": "scrManager"])
            let csv = try await browser.get("/monitoring/active-grants.csv")
            #expect(csv.headers.contentType?.subType == "csv")
            let lines = csv.body.string.split(separator: "\r\n").map(String.init)
            #expect(lines.first == "Reference,Staff ID,Name,Team,Purpose,Granted at,Expires at,Ended at,Team leader")
            // Each live grant as the table lists it, in the same order.
            #expect(Array(lines.dropFirst()) == summary.activeGrants.map {
                [$0.reference, $0.staffId, $0.name, $0.team, $0.purpose, $0.grantedAt, $0.expiresAt, "", $0.teamLeaderStaffId ?? ""].joined(separator: ",")
            })
            #expect(lines.dropFirst().allSatisfy { $0.contains(",20010002,Tom Baxter,Newcastle Casework 1,") && $0.hasSuffix(",20010001") })
            // Two hours on, both have ended unconfirmed; a day later both are overdue and listed so.
            app.clockForTests.advance(by: 2 * 3600 + 24 * 3600 + 1)
            let nextDay = Browser(app)
            try await nextDay.signIn("30000002")
            try await nextDay.post("/choose-role", form: ["role": "scrManager"])
            let overdue = try await nextDay.get("/monitoring/overdue-log-offs.csv").body.string.split(separator: "\r\n").map(String.init)
            #expect(overdue.count == 3 && overdue.dropFirst().allSatisfy { $0.contains(",Tom Baxter,") && !$0.contains(",,20010001") })
            #expect(try await nextDay.get("/monitoring/active-grants.csv").body.string.split(separator: "\r\n").count == 1)
        }
    }

    @Test func overdueLogOffsAreListedByExpiryWhetherTheGrantExpiredOrWasRemoved() async throws {
        try await withCasework(records: true) { app in
            let start = app.casework.clock.now()
            let shortGrant = try await app.grantAccess(minutes: 30).grantId
            let (removedGrant, _, _, marcus) = try await app.grantAccess(minutes: 240)
            let hourGrant = try await app.grantAccess(minutes: 60).grantId
            _ = try await app.grantAccess(minutes: 240).grantId // still live when the others are overdue
            #expect(try await app.sendJSON(.POST, "/api/v1/grants/\(removedGrant)/remove", ["reason": "Work finished early"], token: marcus).status == .ok)
            // A day and two hours on: two grants expired unconfirmed, one was removed unconfirmed and would still be
            // live by its expiry, one is live.
            app.clockForTests.advance(by: 26 * 3600)
            let now = app.casework.clock.now()
            let queries = MonitoringQueries(db: app.db, now: now, period: DayPeriod.lastDays(30, now: now))
            let expected = [shortGrant, hourGrant, removedGrant]
            for size in [1, 2, 3, 50] {
                var listed: [String] = []
                var after: UUID?
                while true {
                    let page = try await queries.overdueLogOffs(limit: size, after: after).map(\.grantId)
                    listed += page
                    guard page.count == size, let last = page.last else { break }
                    after = UUID(uuidString: last)
                }
                #expect(listed == expected, "pages of \(size)")
            }
            #expect(try await queries.overdueLogOffCount() == 3)
            let browser = Browser(app)
            try await browser.signIn("30000002")
            try await browser.post("/choose-role", form: ["role": "scrManager"])
            let csv = try await browser.get("/monitoring/overdue-log-offs.csv").body.string.split(separator: "\r\n").map(String.init)
            #expect(csv.count == 4 && csv[3].contains(",\(CaseworkTime.iso8601(start.addingTimeInterval(240 * 60))),\(CaseworkTime.iso8601(start))"),
                    "the removed grant last, ended when it was removed: \(csv)")
        }
    }

    @Test func theEvidencePageTellsTheWholeStory() async throws {
        try await withCasework(records: true) { app in
            let (grantId, tom, sarah, _) = try await app.grantAccess(minutes: 30)
            let contact = try await app.contactId(nino: hollowayNINO)
            #expect(try await app.sendJSON(.GET, "/api/v1/contacts/\(contact)", token: tom).status == .ok)
            app.clockForTests.advance(by: 25 * 60)
            try await GrantExpiry(app: app).runOnce()
            app.clockForTests.advance(by: 5 * 60)
            #expect(try await app.sendJSON(.GET, "/api/v1/contacts/\(contact)", token: tom).status == .forbidden)
            try await GrantExpiry(app: app).runOnce()
            _ = try await app.sendJSON(.POST, "/api/v1/grants/\(grantId)/log-off-confirmation", token: sarah)
            let grant = try #require(try await GrantModel.find(UUID(uuidString: grantId)!, on: app.db))
            let robert = try await app.token("30000002", role: .scrManager)
            let evidence = try await app.sendJSON(.GET, "/api/v1/access-requests/\(grant.requestId.uuidString)/evidence", token: robert).content.decode(EvidenceDTO.self)
            #expect(evidence.request.history.map(\.action.rawValue) == ["submitted", "teamLeader.approve", "scrManager.approve", "provisioning.approve"])
            #expect(evidence.request.nino == hollowayNINO)
            #expect(evidence.request.grantId == grantId && evidence.grant?.grant.id == grantId)
            #expect(evidence.grant?.grant.status == "expired" && evidence.grant?.endRecordedAt != nil && evidence.grant?.grant.logOffConfirmedBy == "20010001")
            #expect(evidence.grant?.reminderSentAt != nil)
            #expect(evidence.recordAccess.map(\.outcome) == ["success", "denied"])
            #expect(evidence.notifications.contains { $0.kind == .logOffTask && $0.to == "20010001" })
            #expect(evidence.emails.contains { $0.to == "cmg.userprovisioning@childmaintenance.gov.uk" })
            // Read in one statement, each list still whole and oldest first.
            #expect(evidence.notifications.count >= 4 && evidence.notifications.map(\.at) == evidence.notifications.map(\.at).sorted())
            #expect(evidence.emails.map(\.queuedAt) == evidence.emails.map(\.queuedAt).sorted())
            #expect(!evidence.notifications.contains { $0.to.contains("@") } && evidence.emails.allSatisfy { $0.to.contains("@") && $0.attempts >= 0 })
            let actions = evidence.auditEvents.map(\.action)
            for expected in ["access.request", "access.decide", "grant.reminder", "grant.ended", "grant.logOffConfirmed"] {
                #expect(actions.contains(expected), "\(expected) missing from \(actions)")
            }
            // The holder's sessions ended with the grant; signed in again, they still may not read the evidence.
            #expect(try await app.sendJSON(.GET, "/api/v1/access-requests/\(grant.requestId.uuidString)/evidence", token: try await app.token("20010002")).status == .forbidden)
            let browser = Browser(app)
            try await browser.signIn("30000002")
            try await browser.post("/choose-role", form: ["role": "scrManager"])
            let page = try await browser.get("/access-requests/\(grant.requestId.uuidString)/evidence")
            #expect(page.status == .ok)
            #expect(page.body.string.contains("grant.logOffConfirmed") && page.body.string.contains(evidence.request.reference))
        }
    }

    @Test func aRejectedRequestCanBeCopiedIntoANewForm() async throws {
        try await withCasework(records: true) { app in
            let (request, _) = try await app.submitAccessRequest()
            _ = try await app.decide(request.id, "return", reason: "Add the SCIN", token: try await app.token("20010001", role: .teamLeader))
            let browser = Browser(app)
            try await browser.signIn("20010002")
            let page = try await browser.get("/access-requests/\(request.id)").body.string
            #expect(page.contains("id=\"start-new-form\""))
            let form = try await browser.get("/access-requests/new?from=\(request.id)")
            #expect(form.status == .ok)
            #expect(form.body.string.contains("Caller asked about a payment on this case"))
            #expect(form.body.string.contains(hollowayNINO))
            let (live, _) = try await app.submitAccessRequest()
            #expect(try await browser.get("/access-requests/new?from=\(live.id)").status == .conflict)
            let other = Browser(app)
            try await other.signIn("20010004")
            #expect(try await other.get("/access-requests/new?from=\(request.id)").status == .forbidden)
        }
    }
}

@Suite("The CSUA150 form's requester details")
struct RequesterDetailsTests {
    @Test func searchFillsFromTheDirectoryAndCorrectionsAreKeptOnTheRequest() async throws {
        try await withCasework(records: true) { app in
            let browser = Browser(app)
            try await browser.signIn("20010002")
            let searched = try await browser.get("/access-requests/new?staffNumber=20010004").body.string
            #expect(text(ofId: "requester-name", in: searched) == "Liam O'Connor" || text(ofId: "requester-name", in: searched) == "Liam O&#39;Connor")
            let unknown = try await browser.get("/access-requests/new?staffNumber=99999999")
            #expect(unknown.status == .unprocessableEntity && unknown.body.string.contains("No one in the staff directory has staff number 99999999"))
            // Through the API: someone else's staff number is refused, naming the field; corrections are kept.
            let tom = try await app.token("20010002")
            let sr = try await app.newServiceRequest(tom)
            var body = NewAccessRequest(staffId: "20010004", purpose: "viewContact", serviceRequestId: sr.id, requestedDurationMinutes: 60,
                                        justification: "Caller asked about a payment", nino: hollowayNINO)
            let refused = try await app.sendJSON(.POST, "/api/v1/access-requests", body: body, token: tom)
            #expect(refused.status == .unprocessableEntity && refused.body.string.contains("staffId"))
            body.staffId = "20010002"
            body.team = "Leeds Complex Cases"
            body.phone = "0113 496 0999"
            let created = try await app.sendJSON(.POST, "/api/v1/access-requests", body: body, token: tom)
            #expect(created.status == .created)
            let dto = try created.content.decode(AccessRequestDTO.self)
            #expect(dto.team == "Leeds Complex Cases" && dto.phone == "0113 496 0999")
            #expect(dto.grade == dto.requester.grade, "a detail left blank is the directory's")
            // The request page and the evidence show the form from one template, so they say the same.
            let manager = Browser(app)
            try await manager.signIn("30000002")
            try await manager.post("/choose-role", form: ["role": "scrManager"])
            func summary(_ html: String) -> [String] {
                html.components(separatedBy: "<div class=\"govuk-summary-list__row\">").dropFirst().map { $0.components(separatedBy: "</div>")[0] }
            }
            let asked = summary(try await browser.get("/access-requests/\(dto.id)").body.string)
            let evidence = summary(try await manager.get("/access-requests/\(dto.id)/evidence").body.string)
            #expect(asked.count == 10 && asked.contains { $0.contains("Leeds Complex Cases") && $0.contains("0113 496 0999") })
            #expect(Array(evidence.prefix(asked.count)) == asked)
            #expect(evidence.contains { $0.contains(">Further identifiable details</dt>") })
            body.area = String(repeating: "x", count: 101)
            #expect(try await app.sendJSON(.POST, "/api/v1/access-requests", body: body, token: tom).status == .unprocessableEntity)
        }
    }
}

@Suite("Choosing the contact by search")
struct ContactChoiceTests {
    @Test func aRestrictedSearchResultLeadsToTheFormWithTheSearchedIdentifier() async throws {
        try await withCasework(records: true) { app in
            let browser = Browser(app)
            try await browser.signIn("20010002")
            let results = try await browser.get("/contacts?q=AB123456C").body.string
            #expect(results.contains("restricted record"))
            #expect(results.contains("form=\"contact-search\" formaction=\"/access-requests/new\""))
            // The identifier searched for appears once, in the search box the button submits.
            #expect(results.components(separatedBy: "AB123456C").count == 2)
            let form = try await browser.get("/access-requests/new?q=AB123456C").body.string
            #expect(form.contains("id=\"nino\" name=\"nino\" type=\"text\" value=\"AB123456C\""))
            #expect(try await browser.get("/access-requests/new?q=SCIN4471").body.string.contains("id=\"scin\" name=\"scin\" type=\"text\" value=\"SCIN4471\""))
            // Someone who may see the record is not offered the form.
            let robert = Browser(app)
            try await robert.signIn("30000002")
            try await robert.post("/choose-role", form: ["role": "scrManager"])
            #expect(!(try await robert.get("/contacts?q=AB123456C").body.string.contains("request-access-for-result")))
        }
    }
}

@Suite("Checking the form")
struct FormCheckTests {
    @Test func theTeamLeaderSeesTheIdentifiersTypedOnTheFormToCheckIt() async throws {
        try await withCasework(records: true) { app in
            let (request, _) = try await app.submitAccessRequest()
            let sarah = try await app.token("20010001", role: .teamLeader)
            let seen = try await app.sendJSON(.GET, "/api/v1/access-requests/\(request.id)", token: sarah).content.decode(AccessRequestDTO.self)
            #expect(seen.nino == hollowayNINO)
            let browser = Browser(app)
            try await browser.signIn("20010001")
            try await browser.post("/choose-role", form: ["role": "teamLeader"])
            let page = try await browser.get("/access-requests/\(request.id)").body.string
            #expect(text(ofId: "request-nino", in: page) == hollowayNINO)
            // Still nobody else's business.
            #expect(try await app.sendJSON(.GET, "/api/v1/access-requests/\(request.id)", token: try await app.token("20020001")).status == .forbidden)
        }
    }
}

@Suite("Temporary access on the home pages")
struct HomeAccessTests {
    /// An SCR manager's home lists the day's refusals and their own recent activity, both read in one statement
    /// (`AuditEventLists`): each list holds only its own events, newest first, and stops at its own length.
    @Test func anSCRManagersHomeListsTheDaysRefusalsAndTheirOwnActivityEachNewestFirst() async throws {
        try await withCasework(records: true) { app in
            let karen = try await app.contactId(nino: hollowayNINO)
            let tom = try await app.token("20010002")
            let robert = try await app.token("30000002", role: .scrManager)
            for minute in 0..<12 {
                app.clockForTests.advance(by: 60)
                // A caseworker refused a sensitive contact on the even minutes; the SCR manager reading it on the odd.
                let (token, status): (String, HTTPResponseStatus) = minute.isMultiple(of: 2) ? (tom, .forbidden) : (robert, .ok)
                #expect(try await app.sendJSON(.GET, "/api/v1/contacts/\(karen)", token: token).status == status)
            }
            let home = try await app.sendJSON(.GET, "/api/v1/home", token: robert).content.decode(HomeDTO.self)
            let refusals = try #require(home.sections.first { $0.id == "denials" })
            let activity = try #require(home.sections.first { $0.id == "your-activity" })
            #expect(refusals.items.count == 6 && refusals.items.allSatisfy { $0.text.hasPrefix("20010002 contact.view") && $0.text.contains("denied") })
            // Their own events only (their sign-in too), the six reads among them.
            #expect(activity.items.allSatisfy { $0.text.hasPrefix("30000002 ") }, "\(activity.items.map(\.text))")
            #expect(activity.items.filter { $0.text.hasPrefix("30000002 contact.view") }.count == 6)
            for items in [refusals.items, activity.items] {
                let times = items.compactMap(\.at)
                #expect(times.count == items.count && times == times.sorted(by: >), "newest first: \(times)")
            }
            // Ten of the manager's own, however many there are.
            for _ in 0..<6 { _ = try await app.sendJSON(.GET, "/api/v1/contacts/\(karen)", token: robert) }
            let later = try await app.sendJSON(.GET, "/api/v1/home", token: robert).content.decode(HomeDTO.self)
            #expect(later.sections.first { $0.id == "your-activity" }?.items.count == 10)
            #expect(later.sections.first { $0.id == "denials" }?.items.count == 6)
        }
    }

    @Test func theHolderSeesTheirAccessAndTheLeaderTheLogOffToConfirm() async throws {
        try await withCasework(records: true) { app in
            let (grantId, tom, sarah, _) = try await app.grantAccess(minutes: 30)
            func section(_ id: String, _ token: String) async throws -> HomeSection? {
                try await app.sendJSON(.GET, "/api/v1/home", token: token).content.decode(HomeDTO.self).sections.first { $0.id == id }
            }
            #expect(try await section("your-access", tom)?.items.map(\.href) == ["/grants/\(grantId)"])
            #expect(try await section("team-access", sarah)?.items.first?.text.contains("has access until") == true)
            app.clockForTests.advance(by: 30 * 60)
            let tomAgain = try await app.token("20010002")
            #expect(try await section("your-access", tomAgain)?.items.isEmpty == true)
            #expect(try await section("team-access", sarah)?.items.first?.text.contains("confirm the log-off you witnessed") == true)
            _ = try await app.sendJSON(.POST, "/api/v1/grants/\(grantId)/log-off-confirmation", token: sarah)
            #expect(try await section("team-access", sarah)?.items.isEmpty == true)
        }
    }
}
