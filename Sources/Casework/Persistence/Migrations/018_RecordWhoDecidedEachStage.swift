import Fluent
import SQLKit

/// One decision row a stage, with who decided it. Until now the deciders were three columns of `access_requests`
/// (`team_leader_decided_by`, `scr_manager_decided_by`, `provisioning_decided_by`), so a fourth approval stage would
/// have meant a new column, a new branch in the model and a new backfill. The decision rows that monitoring already
/// kept (`access_decisions`, migration 012) gain `by_staff_id`, filled from those columns, and the columns go.
struct RecordWhoDecidedEachStage: AsyncMigration {
    var name: String { "018_RecordWhoDecidedEachStage" }

    /// The stages as they were when this migration was written, with the column each one's decider was kept in.
    private static let formerColumns = [("teamLeader", "team_leader_decided_by"), ("scrManager", "scr_manager_decided_by"),
                                        ("provisioning", "provisioning_decided_by")]

    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await database.schema("access_decisions").field("by_staff_id", .string).update()
        for (stage, column) in Self.formerColumns {
            try await sql.raw("""
                UPDATE access_decisions SET by_staff_id =
                    (SELECT r.\(unsafeRaw: column) FROM access_requests r WHERE r.id = access_decisions.request_id)
                WHERE stage = \(bind: stage)
                """).run()
        }
        for (_, column) in Self.formerColumns {
            try await sql.raw("ALTER TABLE access_requests DROP COLUMN \(unsafeRaw: column)").run()
        }
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        for (stage, column) in Self.formerColumns {
            try await sql.raw("ALTER TABLE access_requests ADD COLUMN \(unsafeRaw: column) TEXT").run()
            try await sql.raw("""
                UPDATE access_requests SET \(unsafeRaw: column) =
                    (SELECT d.by_staff_id FROM access_decisions d WHERE d.request_id = access_requests.id AND d.stage = \(bind: stage))
                """).run()
        }
        try await sql.raw("ALTER TABLE access_decisions DROP COLUMN by_staff_id").run()
    }
}
