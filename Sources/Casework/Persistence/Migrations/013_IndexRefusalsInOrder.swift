import Fluent
import SQLKit

/// Monitoring's refusals, newest request first, read in the order of their own index: one index a kind of refusal,
/// so a page of them stops after fifty rows. With only `(decision, request_created_at)`, the planner preferred to
/// walk every decision of the period newest first, nearly all of them approvals (17 s at national volume).
struct IndexRefusalsInOrder: AsyncMigration {
    var name: String { "013_IndexRefusalsInOrder" }

    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.drop(index: "access_decisions_refusals").run()
        try await sql.create(index: "access_decisions_by_kind").on("access_decisions")
            .column("decision").column("request_created_at").column("at").column("id").run()
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.drop(index: "access_decisions_by_kind").run()
        try await sql.create(index: "access_decisions_refusals").on("access_decisions").column("decision").column("request_created_at").run()
    }
}
