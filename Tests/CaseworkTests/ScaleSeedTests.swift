@testable import Casework
import CaseworkCore
import Fluent
import Foundation
import Testing
import Vapor

@Suite("National-scale data set")
struct ScaleSeedTests {
    @Test func seedingAtASmallFactorMakesTheShapeItPromisesWithAnUnbrokenAuditChain() async throws {
        try await withCasework(records: true) { app in
            let plan = ScalePlan(factor: 0.002, now: app.casework.clock.now())
            let before = try await AuditEventModel.query(on: app.db).count()
            let added = try await ScaleSeeder(app: app, plan: plan, progress: { _ in }).seed()
            #expect(added)
            #expect(try await ContactModel.query(on: app.db).filter(\.$nino ~~ (0..<plan.contacts).map(ScalePlan.nino)).count() == plan.contacts)
            #expect(try await ServiceRequestModel.query(on: app.db).filter(\.$reference >= "SR-Z").count() == plan.serviceRequests)
            // A tenth of the live grants end at one instant; every live grant is held by a caseworker with one to three.
            let live = try await GrantModel.query(on: app.db).filter(\.$expiresAt > app.casework.clock.now()).all()
            #expect(live.count == plan.liveGrants)
            #expect(live.filter { $0.expiresAt == plan.endingTogetherAt }.count == plan.grantsEndingTogether)
            #expect(Dictionary(grouping: live, by: \.staffId).values.allSatisfy { (1...3).contains($0.count) })
            // Every waiting SR is in a segment; the SCR hopper holds those about a sensitive case.
            let waiting = try await ServiceRequestModel.query(on: app.db).filter(\.$status == ServiceRequestStatus.pendingAssignment)
                .filter(\.$reference >= "SR-Z").all()
            #expect(!waiting.isEmpty && waiting.allSatisfy { $0.segment != nil })
            #expect(waiting.contains { $0.segment == "scr" })
            // Each team has one team leader and nine caseworkers, who report to them.
            let team = try await StaffModel.query(on: app.db).filter(\.$team == ScalePlan.teamName(0)).with(\.$roleRows).all()
            #expect(team.count == 10 && team.filter { $0.loadedRoles.contains(.teamLeader) }.count == 1)
            #expect(team.filter { $0.teamLeaderStaffId == ScalePlan.teamStaffId(team: 0, member: 0) }.count == 9)
            // The audit events continue the demo's chain, and the whole trail verifies.
            #expect(try await AuditEventModel.query(on: app.db).count() == before + plan.auditEvents)
            let (problem, checked) = try await AuditTrail(db: app.db).verify()
            #expect(problem == nil && checked == before + plan.auditEvents)
            // Monitoring counts the seeded decisions by the same rule as live ones.
            #expect(try await AccessDecisionModel.query(on: app.db).count() > plan.liveGrants * 3)
            // Seeding again adds nothing.
            #expect(try await ScaleSeeder(app: app, plan: plan, progress: { _ in }).seed() == false)
        }
    }
}

@Suite("Grants ending together")
struct GrantsEndingTogetherTests {
    @Test func theExpiryJobRemindsThenProcessesEveryGrantEndingAtOneInstantInBatches() async throws {
        try await withCasework(records: true) { app in
            let plan = ScalePlan(factor: 0.002, now: app.casework.clock.now())
            _ = try await ScaleSeeder(app: app, plan: plan, progress: { _ in }).seed()
            let together = try await GrantModel.query(on: app.db).filter(\.$expiresAt == plan.endingTogetherAt).all()
            #expect(together.count == plan.grantsEndingTogether && together.count > 7)
            let job = GrantExpiry(app: app, batchSize: 7)
            // Each was granted for an SR about a sensitive case, assigned to its holder.
            let work = try await ServiceRequestModel.query(on: app.db).filter(\.$id ~~ together.compactMap(\.serviceRequestId)).all()
            #expect(work.count == together.count)
            #expect(work.allSatisfy { sr in together.contains { $0.serviceRequestId == sr.id && $0.staffId == sr.assigneeStaffId } && sr.status == .assigned })

            // Five minutes before: those whose reminder is due (GrantReminder's rule) are reminded, once, across batches.
            app.clockForTests.set(plan.endingTogetherAt.addingTimeInterval(-300))
            let due = together.filter { GrantReminder.isDue(at: app.clockForTests.now(), grantedAt: $0.grantedAt, expiresAt: $0.expiresAt) }
            #expect(due.count > 7)
            try await job.remindEndingSoon()
            try await job.remindEndingSoon()
            let reminded = try await GrantModel.query(on: app.db).filter(\.$expiresAt == plan.endingTogetherAt).filter(\.$reminderSentAt != nil).count()
            #expect(reminded == due.count)
            #expect(try await NotificationModel.query(on: app.db).filter(\.$kind == NotificationKind.endingSoon).count() == 2 * due.count)

            // At the instant they end: every one processed, its holder and team leader told, its end audited, once.
            app.clockForTests.set(plan.endingTogetherAt)
            #expect(try await job.runOnce() == together.count)
            #expect(try await job.runOnce() == 0)
            #expect(try await GrantModel.query(on: app.db).filter(\.$expiresAt == plan.endingTogetherAt).filter(\.$endProcessedAt == nil).count() == 0)
            #expect(try await NotificationModel.query(on: app.db).filter(\.$kind == NotificationKind.logOffTask).count() == together.count)
            #expect(try await NotificationModel.query(on: app.db).filter(\.$kind == NotificationKind.accessEnded).count() == together.count)
            #expect(try await AuditEventModel.query(on: app.db).filter(\.$action == "grant.ended").count() == together.count)
            // The work they were for went back to the SCR hopper, and each team leader was told.
            let returned = try await ServiceRequestModel.query(on: app.db).filter(\.$id ~~ work.map { $0.id! }).all()
            #expect(returned.allSatisfy { $0.status == .pendingAssignment && $0.assigneeStaffId == nil && $0.segment == "scr" })
            #expect(try await NotificationModel.query(on: app.db).filter(\.$kind == NotificationKind.workReturned).count() == together.count)
            // The other live grants are untouched, and the chain still verifies.
            #expect(try await GrantModel.query(on: app.db).filter(\.$expiresAt > plan.endingTogetherAt).filter(\.$endProcessedAt != nil).count() == 0)
            #expect(try await AuditTrail(db: app.db).verify().problem == nil)
        }
    }
}
