import CaseworkCore
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
@testable import Casework

/// One decision row a stage decided: its stage, decision, who, when and why. The chain's rule "nobody decides two
/// stages" reads who from these rows, so a new stage needs no new column.
@Suite("Decision rows")
struct DecisionRowTests {
    static func rows(_ app: Application, _ requestId: String) async throws -> [String] {
        try await AccessDecisionModel.query(on: app.db).filter(\.$requestId == UUID(uuidString: requestId)!).all()
            .map { "\($0.stage.rawValue) \($0.decision.rawValue) \($0.byStaffId ?? "nobody")" }.sorted()
    }

    @Test func decisionsInTheSameSecondAreEachRecordedAtTheirOwnStageWithWhoMadeThem() async throws {
        try await withCasework(records: true) { app in
            let (request, _) = try await app.submitAccessRequest()
            // The test clock does not move: both decisions carry the same instant.
            #expect(try await app.decide(request.id, "approve", token: try await app.token("20010001", role: .teamLeader)).status == .ok)
            #expect(try await app.decide(request.id, "approve", token: try await app.token("30000002", role: .scrManager)).status == .ok)
            #expect(try await Self.rows(app, request.id) == ["scrManager approve 30000002", "teamLeader approve 20010001"])
        }
    }

    /// Migration 018 moves the deciders from the request's three columns onto the decision rows, and its revert
    /// puts them back, so a database in service keeps who decided what.
    @Test func migration018MovesTheDecidersOntoTheDecisionRowsAndBack() async throws {
        try await withCasework(records: true) { app in
            let (request, _) = try await app.submitAccessRequest()
            #expect(try await app.decide(request.id, "approve", token: try await app.token("20010001", role: .teamLeader)).status == .ok)
            #expect(try await app.decide(request.id, "reject", reason: "No SR needs it", token: try await app.token("30000002", role: .scrManager)).status == .ok)
            let sql = app.db as! any SQLDatabase
            // Each step on one connection, as the migrator runs a migration: on SQLite, the pool's other connection
            // may still hold the schema from before a column was dropped (seen once in a full run under load).
            try await app.db.transaction { try await RecordWhoDecidedEachStage().revert(on: $0) }
            let columns = try #require(try await sql.raw("SELECT team_leader_decided_by, scr_manager_decided_by, provisioning_decided_by FROM access_requests WHERE id = \(bind: UUID(uuidString: request.id)!)").first())
            #expect(try columns.decode(column: "team_leader_decided_by", as: String?.self) == "20010001")
            #expect(try columns.decode(column: "scr_manager_decided_by", as: String?.self) == "30000002")
            #expect(try columns.decode(column: "provisioning_decided_by", as: String?.self) == nil)
            try await app.db.transaction { try await RecordWhoDecidedEachStage().prepare(on: $0) }
            #expect(try await Self.rows(app, request.id) == ["scrManager reject 30000002", "teamLeader approve 20010001"])
            // And the rule reads them: Robert, having refused as SCR manager, is not offered another stage.
            #expect(try await AccessQueries(db: app.db).deciders(of: UUID(uuidString: request.id)!) == [.teamLeader: StaffID("20010001")!, .scrManager: StaffID("30000002")!])
        }
    }
}
