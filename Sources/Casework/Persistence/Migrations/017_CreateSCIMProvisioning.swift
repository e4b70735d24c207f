import Fluent
import SQLKit

/// Provisioning by SCIM 2.0: the clients' bearer tokens (only their hashes), the identity provider's names for staff
/// (`userName`, `externalId`), deletion kept as a mark (the audit trail still names the person), and groups with
/// their members, which carry roles.
struct CreateSCIMProvisioning: AsyncMigration {
    var name: String { "017_CreateSCIMProvisioning" }

    func prepare(on database: any Database) async throws {
        try await database.schema("scim_tokens")
            .id()
            .field("name", .string, .required)
            .field("token_hash", .string, .required)
            .field("created_at", .datetime, .required)
            .field("revoked_at", .datetime)
            .unique(on: "token_hash")
            .create()
        // One column a statement: SQLite adds columns one at a time.
        try await database.schema("staff").field("user_name", .string).update()
        try await database.schema("staff").field("external_id", .string).update()
        try await database.schema("staff").field("deleted_at", .datetime).update()
        // The provider's name attributes as it sent them (SCIM `name` as JSON, and `displayName`): returned as given,
        // while Casework's one `name` is derived from them.
        try await database.schema("staff").field("scim_name", .string).update()
        try await database.schema("staff").field("scim_display_name", .string).update()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "staff_user_name").unique().on("staff").column("user_name").run()
        try await sql.create(index: "staff_external_id").on("staff").column("external_id").run()
        try await database.schema("scim_groups")
            .id()
            .field("display_name", .string, .required)
            .field("external_id", .string)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "display_name")
            .create()
        try await database.schema("scim_group_members")
            .field("group_id", .uuid, .required, .references("scim_groups", "id", onDelete: .cascade))
            .field("staff_id", .string, .required, .references("staff", "staff_id"))
            .unique(on: "group_id", "staff_id")
            .create()
        try await sql.create(index: "scim_group_members_staff").on("scim_group_members").column("staff_id").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("scim_group_members").delete()
        try await database.schema("scim_groups").delete()
        let sql = database as! any SQLDatabase
        try await sql.drop(index: "staff_external_id").run()
        try await sql.drop(index: "staff_user_name").run()
        for field in ["scim_display_name", "scim_name", "deleted_at", "external_id", "user_name"] { try await database.schema("staff").deleteField(.key(.string(field))).update() }
        try await database.schema("scim_tokens").delete()
    }
}
