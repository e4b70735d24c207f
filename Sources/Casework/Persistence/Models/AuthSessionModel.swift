import CaseworkCore
import Fluent
import Foundation

/// A signed-in browser session or API token. Only the token's SHA-256 is stored.
final class AuthSessionModel: Model, @unchecked Sendable {
    static let schema = "auth_sessions"

    enum Kind: String, Codable, Sendable {
        case browser
        case api
    }

    @ID(key: .id) var id: UUID?
    @Field(key: "token_hash") var tokenHash: String
    @Field(key: "kind") var kind: Kind
    @Parent(key: "staff_id") var staff: StaffModel
    /// The role the session acts in; nil until a person with several roles chooses one.
    @OptionalField(key: "role") var role: Role?
    @Field(key: "csrf_token") var csrfToken: String
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "expires_at") var expiresAt: Date

    init() {}

    init(tokenHash: String, kind: Kind, staffId: String, role: Role?, csrfToken: String, createdAt: Date, expiresAt: Date) {
        id = UUID()
        self.tokenHash = tokenHash
        self.kind = kind
        $staff.id = staffId
        self.role = role
        self.csrfToken = csrfToken
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}
