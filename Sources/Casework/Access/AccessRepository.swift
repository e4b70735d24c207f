import CaseworkCore
import Fluent
import Foundation
import SQLKit

/// Every row temporary access reads or writes beside its hot paths: requests, grants and their extension and
/// removal requests, and the SR a CSUA150 names. `TemporaryAccess`, `GrantChangeService` and `LeaverAccess` keep
/// the rules and ask this for rows; `FluentAccessRepository` is the database's. The hot reads and the decision's
/// writes (lists of requests, a request by id as a point read, decision rows, the status) are `AccessQueries`; what
/// the evidence page gathers is `EvidenceQueries`.
protocol AccessRepository: Sendable {
    // MARK: Requests
    func request(_ id: UUID) async throws -> AccessRequestModel?
    /// Adds a request at once, with the statement written out (`HandWrittenInsert`).
    func add(_ request: AccessRequestModel) async throws
    func save(_ request: AccessRequestModel) async throws
    /// A person's requests still in the chain (not granted, rejected, returned or withdrawn).
    func openRequests(of requester: String) async throws -> [AccessRequestModel]

    // MARK: What a CSUA150 names
    /// An SR by its id or its reference (`SR-…`, any case).
    func serviceRequest(_ text: String) async throws -> ServiceRequestModel?

    // MARK: Grants
    func grant(_ id: UUID) async throws -> GrantModel?
    /// A person's grants neither removed nor ended at `now`.
    func liveGrants(heldBy staffId: String, at now: Date) async throws -> [GrantModel]
    /// Adds a grant at once: the grants table's unique request id is checked by this statement.
    func add(_ grant: GrantModel) async throws
    func save(_ grant: GrantModel) async throws

    // MARK: Extension and removal requests
    func change(_ id: UUID) async throws -> GrantChangeRequestModel?
    /// A grant's extension and removal requests, oldest first.
    func changes(ofGrant id: UUID) async throws -> [GrantChangeRequestModel]
    /// Every extension and removal request waiting at `status`, oldest first.
    func add(_ change: GrantChangeRequestModel) async throws
    func save(_ change: GrantChangeRequestModel) async throws
    /// Marks a grant's removal requests waiting for provisioning approved by `staffId` (the grant was removed).
    func approveWaitingRemovals(ofGrant id: UUID, by staffId: String) async throws
}

extension AccessRepository {
    /// A grant and the team leader who countersigned its request: who, besides its holder, may see it and act on it.
    func grantAndTeamLeader(_ id: UUID) async throws -> (grant: GrantModel, teamLeader: String?)? {
        guard let grant = try await grant(id) else { return nil }
        return (grant, try await request(grant.requestId)?.teamLeaderStaffId)
    }
}

/// Temporary access's rows through Fluent, on the database it is made for: the request's for a read, the write lane's
/// inside a change.
struct FluentAccessRepository: AccessRepository {
    let db: any Database

    func request(_ id: UUID) async throws -> AccessRequestModel? {
        try await AccessQueries(db: db).request(id)
    }

    func add(_ request: AccessRequestModel) async throws {
        try await AccessRequestModel.insert([request], on: db)
    }

    func save(_ request: AccessRequestModel) async throws {
        try await request.save(on: db)
    }

    func openRequests(of requester: String) async throws -> [AccessRequestModel] {
        try await AccessRequestModel.query(on: db).filter(\.$requesterStaffId == requester)
            .filter(\.$status ~~ AccessRequestStatus.allCases.filter { !$0.isFinal }).all()
    }

    func serviceRequest(_ text: String) async throws -> ServiceRequestModel? {
        if let id = UUID(uuidString: text) { return try await ServiceRequestModel.find(id, on: db) }
        return try await ServiceRequestModel.query(on: db).filter(\.$reference == text.uppercased()).first()
    }

    func grant(_ id: UUID) async throws -> GrantModel? {
        try await GrantModel.find(id, on: db)
    }

    func liveGrants(heldBy staffId: String, at now: Date) async throws -> [GrantModel] {
        try await GrantModel.query(on: db).filter(\.$staffId == staffId).filter(\.$removedAt == nil).filter(\.$expiresAt > now).all()
    }

    func add(_ grant: GrantModel) async throws {
        try await GrantModel.insert([grant], on: db)
    }

    func save(_ grant: GrantModel) async throws {
        try await grant.save(on: db)
    }

    func change(_ id: UUID) async throws -> GrantChangeRequestModel? {
        try await GrantChangeRequestModel.find(id, on: db)
    }

    func changes(ofGrant id: UUID) async throws -> [GrantChangeRequestModel] {
        try await GrantChangeRequestModel.query(on: db).filter(\.$grantId == id).sort(\.$createdAt).all()
    }

    func add(_ change: GrantChangeRequestModel) async throws {
        try await change.create(on: db)
    }

    func save(_ change: GrantChangeRequestModel) async throws {
        try await change.save(on: db)
    }

    func approveWaitingRemovals(ofGrant id: UUID, by staffId: String) async throws {
        try await GrantChangeRequestModel.query(on: db).filter(\.$grantId == id).filter(\.$kind == GrantChangeKind.removal)
            .filter(\.$status == GrantChangeStatus.awaitingProvisioning)
            .set(\.$status, to: GrantChangeStatus.approved).set(\.$decidedBy, to: staffId).update()
    }
}
