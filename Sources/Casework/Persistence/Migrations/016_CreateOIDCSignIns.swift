import Fluent

/// Sign-ins started with the identity provider and not yet finished: the hash of the state sent there, the nonce
/// the ID token must carry and the PKCE code verifier, for ten minutes. A state is used once (`used_at`), on any
/// server.
struct CreateOIDCSignIns: AsyncMigration {
    var name: String { "016_CreateOIDCSignIns" }

    func prepare(on database: any Database) async throws {
        try await database.schema("oidc_sign_ins")
            .field("state_hash", .string, .identifier(auto: false))
            .field("nonce", .string, .required)
            .field("code_verifier", .string, .required)
            .field("next", .string, .required)
            .field("started_at", .datetime, .required)
            .field("used_at", .datetime)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("oidc_sign_ins").delete()
    }
}
