import CaseworkCore
import Fluent
import Foundation
import SQLKit

/// Every decision on an access request, with how long its stage waited, written when it is made. Monitoring then
/// counts, finds medians and lists refusals in SQL over an index, instead of rebuilding every request's history of
/// the period in memory. The waits are worked out by `AccessMonitoring.decisions`, the one rule, here for the
/// decisions already made and in `TemporaryAccess.decide` for each new one.
struct CreateAccessDecisions: AsyncMigration {
    var name: String { "012_CreateAccessDecisions" }

    func prepare(on database: any Database) async throws {
        try await database.schema("access_decisions")
            .id()
            .field("request_id", .uuid, .required, .references("access_requests", "id"))
            .field("request_created_at", .datetime, .required)
            .field("reference", .string, .required)
            .field("team", .string, .required)
            .field("stage", .string, .required)
            .field("decision", .string, .required)
            .field("at", .datetime, .required)
            .field("waited_seconds", .double, .required)
            .field("reason", .string)
            .create()
        let sql = database as! any SQLDatabase
        // The period's figures per stage (counts and longest from the index alone), its medians, and its refusals.
        try await sql.create(index: "access_decisions_period").on("access_decisions")
            .column("request_created_at").column("stage").column("decision").column("waited_seconds").run()
        try await sql.create(index: "access_decisions_stage_wait").on("access_decisions").column("stage").column("waited_seconds").run()
        try await sql.create(index: "access_decisions_newest").on("access_decisions").column("request_created_at").column("at").column("id").run()
        try await sql.create(index: "access_decisions_refusals").on("access_decisions").column("decision").column("request_created_at").run()
        try await sql.create(index: "access_decisions_request").on("access_decisions").column("request_id").run()
        try await backfill(on: database)
    }

    /// Decisions made before this migration, a page of requests at a time.
    private func backfill(on database: any Database) async throws {
        var after: UUID?
        while true {
            var query = AccessRequestModel.query(on: database).sort(\.$id).limit(1_000)
            if let after { query = query.filter(\.$id > after) }
            let page = try await query.all()
            guard let last = page.last else { return }
            let history = Dictionary(grouping: try await AccessRequestHistoryModel.query(on: database).filter(\.$requestId ~~ page.map { $0.id! }).all(),
                                     by: \.requestId)
            for record in page {
                let steps = (history[record.id!] ?? []).map { AccessMonitoring.Step(at: $0.at, action: $0.action, reason: $0.reason) }
                for decision in AccessMonitoring.decisions(AccessMonitoring.RequestRecord(reference: record.reference, team: record.requesterTeam,
                                                                                          status: record.statusValue, steps: steps)) {
                    try await AccessDecisionModel(decision, requestId: record.id!, requestCreatedAt: record.createdAt).create(on: database)
                }
            }
            after = last.id
        }
    }

    func revert(on database: any Database) async throws {
        try await database.schema("access_decisions").delete()
    }
}
