import CaseworkCore
import Fluent
import Vapor

/// The staff directory: reading it, and every audited change an administrator (or an import) makes. The rules are
/// here and in CaseworkCore (`StaffInput`, `PasswordPolicy`); the rows come from a `DirectoryRepository`, made for
/// the database a step runs on: the request's for a read, the write lane's for a change.
struct Directory {
    let db: any Database
    let lane: WriteLane
    let passwords: AsyncPasswordHasher
    let clock: any CaseworkClock
    /// SQLite's point-read connections, for a request's own reads (see `SQLiteReaders`).
    var readers: SQLiteReaders? = nil
    var repository: @Sendable (any Database) -> any DirectoryRepository = { FluentDirectoryRepository(db: $0) }

    /// The rows as they are now, outside the write lane.
    private var rows: any DirectoryRepository { repository(db) }

    /// A person with their roles loaded.
    func find(_ staffId: String) async throws -> StaffModel? {
        guard StaffID(staffId) != nil else { return nil }
        return try await rows.person(staffId)
    }

    /// Like `find`, but a missing person is a 404 that names the ID.
    func require(_ staffId: String) async throws -> StaffModel {
        try await Self.require(staffId, in: rows)
    }

    /// A person's profile with their roles, in one query, or a 404 that names the ID.
    func requireProfile(_ staffId: String) async throws -> StaffProfile {
        guard StaffID(staffId) != nil, let profile = try await DirectoryQueries(db: db, readers: readers).profile(staffId) else {
            throw Self.noOne(with: staffId)
        }
        return profile
    }

    /// The 404 for a staff ID no one in the directory has.
    static func noOne(with staffId: String) -> DomainError {
        .notFound("No one in the directory has staff ID \(staffId)")
    }

    /// A person with roles loaded, from the given rows (inside a write job, the lane's).
    static func require(_ staffId: String, in rows: any DirectoryRepository) async throws -> StaffModel {
        guard StaffID(staffId) != nil, let staff = try await rows.person(staffId) else {
            throw Self.noOne(with: staffId)
        }
        return staff
    }

    /// Searches by staff ID (prefix) or name (any part, any case), in staff ID order after `after`.
    func search(_ text: String, limit: Int, after: String?) async throws -> (staff: [StaffModel], next: String?) {
        let q = text.trimmingCharacters(in: .whitespaces)
        let cleaned = q.lowercased().filter { $0 != "%" && $0 != "_" }
        let byId = !q.isEmpty && q.allSatisfy(\.isNumber)
        let found = try await rows.people(idPrefix: byId ? cleaned : nil, namePart: q.isEmpty || byId ? nil : cleaned, after: after, limit: limit + 1)
        let page = Array(found.prefix(limit))
        return (page, found.count > limit ? page.last?.id : nil)
    }

    /// Whether a staff ID is in the directory.
    func exists(_ id: StaffID) async throws -> Bool {
        try await rows.exists(id.value)
    }

    /// Adds a person; with a password they can sign in at once, without one an administrator resets it later.
    func create(_ input: StaffInput, password: String?, by actor: Actor) async throws -> StaffProfile {
        let known = try await knownIDs(mentionedBy: input)
        var failure = ValidationFailure()
        let profile = collect(&failure) { () throws(ValidationFailure) in try input.validated { known.contains($0) } }
        if let password {
            _ = collect(&failure) { () throws(ValidationFailure) in try PasswordPolicy.check(password) }
        }
        try failure.throwIfAny()
        let hash: String? = if let password { try await passwords.hash(password).get() } else { nil }
        return try await lane.perform { [repository] ctx in
            let profile = profile!
            let rows = repository(ctx.db)
            if try await rows.exists(profile.staffId.value) {
                throw DomainError.conflict("Staff ID \(profile.staffId) is already in the directory")
            }
            try await Self.insert(profile, passwordHash: hash, into: rows, at: ctx.now)
            try await ctx.audit(AuditEntry(actor, "staff.create", subjectType: "staff", subjectId: profile.staffId.value,
                                           detail: "added \(profile.name), roles \(profile.roles.map(\.rawValue).joined(separator: ","))"))
            return profile
        }
    }

    /// Changes a person's details and roles.
    func update(_ staffId: String, _ input: StaffInput, by actor: Actor) async throws -> StaffProfile {
        _ = try await require(staffId)
        var input = input
        input.staffId = staffId
        let known = try await knownIDs(mentionedBy: input)
        let profile = try input.validated { known.contains($0) }
        return try await lane.perform { [repository] ctx in
            let rows = repository(ctx.db)
            let staff = try await Self.require(staffId, in: rows)
            let before = try staff.profile(roles: staff.loadedRoles)
            if try await Self.wouldCreateLeaderCycle(staffId: staffId, leader: profile.teamLeaderStaffId?.value, in: rows) {
                throw ValidationFailure(["teamLeaderStaffId": "\(profile.teamLeaderStaffId!.value) reports to \(staff.name): a team leader cannot report to their own team member"])
            }
            staff.apply(profile, now: ctx.now)
            try await rows.save(staff)
            try await rows.replaceRoles(of: staffId, with: profile.roles)
            let after = profile
            var changes = Self.describeChanges(before: before, after: after)
            if changes.isEmpty { changes = "no change" }
            if before.roles != after.roles {
                // A role taken away must stop working now: end sessions acting in a role the person no longer has.
                let removed = Set(before.roles).subtracting(after.roles).sorted()
                if !removed.isEmpty {
                    try await rows.endSessions(of: staffId, actingAs: removed)
                }
            }
            try await ctx.audit(AuditEntry(actor, "staff.update", subjectType: "staff", subjectId: staffId, detail: changes))
            var result = after
            result.active = staff.active
            return result
        }
    }

    /// Deactivates (ending every session at once) or reactivates a person.
    func setActive(_ staffId: String, _ active: Bool, by actor: Actor) async throws -> StaffProfile {
        if active == false, staffId == actor.staffId {
            throw DomainError.conflict("You cannot deactivate your own account: ask another administrator")
        }
        return try await lane.perform { [repository] ctx in
            let rows = repository(ctx.db)
            let staff = try await Self.require(staffId, in: rows)
            guard staff.active != active else {
                throw DomainError.conflict("\(staff.name) is already \(active ? "active" : "deactivated")")
            }
            if active {
                staff.active = true
                staff.updatedAt = ctx.now
                try await rows.save(staff)
                try await ctx.audit(AuditEntry(actor, "staff.reactivate", subjectType: "staff", subjectId: staffId, detail: "reactivated"))
            } else {
                try await Self.deactivate(staff, by: actor, in: rows, on: ctx)
            }
            return try staff.profile(roles: staff.loadedRoles)
        }
    }

    /// What a leaver's deactivation does, at once, whoever asks (an administrator, or the identity provider by SCIM):
    /// their sessions and API tokens end; their live grants are removed ("account deactivated") and each end is
    /// recorded as any ended grant's is (the team leader's log-off task, work they may no longer see back to its
    /// hopper); their open access requests are withdrawn. All of it audited, with `actor` as the one who asked.
    static func deactivate(_ staff: StaffModel, by actor: Actor, in rows: any DirectoryRepository, on ctx: WriteContext) async throws {
        let staffId = staff.id!
        staff.active = false
        staff.updatedAt = ctx.now
        try await rows.save(staff)
        let sessions = try await rows.sessionCount(of: staffId)
        try await rows.endSessions(of: staffId, actingAs: nil)
        let ended = try await LeaverAccess.end(for: staffId, by: actor, ctx: ctx)
        try await ctx.audit(AuditEntry(actor, "staff.deactivate", subjectType: "staff", subjectId: staffId,
                                       detail: "deactivated; \(sessions) session(s) ended; \(ended.grants) live grant(s) removed; \(ended.requests) open request(s) withdrawn"))
    }

    /// Sets a new temporary password the person must change at their next sign-in; ends their sessions and unlocks them.
    func resetPassword(_ staffId: String, by actor: Actor) async throws -> (profile: StaffProfile, temporaryPassword: String) {
        _ = try await require(staffId)
        let temporary = TemporaryPassword.make()
        let hash = try await passwords.hash(temporary).get()
        let profile = try await lane.perform { [repository] ctx in
            let rows = repository(ctx.db)
            let staff = try await Self.require(staffId, in: rows)
            staff.passwordHash = hash
            staff.mustChangePassword = true
            staff.failedSignIns = 0
            staff.lastFailedSignInAt = nil
            staff.updatedAt = ctx.now
            try await rows.save(staff)
            try await rows.endSessions(of: staffId, actingAs: nil)
            try await ctx.audit(AuditEntry(actor, "staff.resetPassword", subjectType: "staff", subjectId: staffId,
                                           detail: "temporary password set; sessions ended; sign-in lock cleared"))
            return try staff.profile(roles: staff.loadedRoles)
        }
        return (profile, temporary)
    }

    /// Imports checked profiles all together: every row or none.
    func importProfiles(_ profiles: [StaffProfile], passwordHash: String?, by actor: Actor, source: String) async throws {
        try await lane.perform { [repository] ctx in
            let rows = repository(ctx.db)
            for profile in profiles where try await rows.exists(profile.staffId.value) {
                throw DomainError.conflict("Staff ID \(profile.staffId) was added to the directory while importing: nothing imported")
            }
            // Leaders may come after their team in the file: insert everyone, then link leaders.
            for profile in profiles {
                var unlinked = profile
                unlinked.teamLeaderStaffId = nil
                try await Self.insert(unlinked, passwordHash: passwordHash, into: rows, at: ctx.now)
            }
            for profile in profiles {
                if let leader = profile.teamLeaderStaffId {
                    try await rows.setTeamLeader(of: profile.staffId.value, to: leader.value)
                }
                try await ctx.audit(AuditEntry(actor, "staff.import", subjectType: "staff", subjectId: profile.staffId.value,
                                               detail: "imported \(profile.name) from \(source)"))
            }
        }
    }

    static func insert(_ profile: StaffProfile, passwordHash: String?, into rows: any DirectoryRepository, at now: Date) async throws {
        let staff = StaffModel(profile: profile, now: now)
        staff.passwordHash = passwordHash
        try await rows.add(staff, roles: profile.roles)
    }

    /// The staff IDs an input mentions that are already in the directory.
    private func knownIDs(mentionedBy input: StaffInput) async throws -> Set<StaffID> {
        guard let leader = StaffID(input.teamLeaderStaffId), try await exists(leader) else { return [] }
        return [leader]
    }

    /// Whether making `leader` the team leader of `staffId` would make someone their own manager's manager.
    static func wouldCreateLeaderCycle(staffId: String, leader: String?, in rows: any DirectoryRepository) async throws -> Bool {
        var current = leader
        var steps = 0
        while let id = current, steps < 50 {
            if id == staffId { return true }
            current = try await rows.teamLeader(of: id)
            steps += 1
        }
        return false
    }

    static func describeChanges(before: StaffProfile, after: StaffProfile) -> String {
        var parts: [String] = []
        func note(_ field: String, _ a: String, _ b: String) { if a != b { parts.append("\(field): \(a) -> \(b)") } }
        note("name", before.name, after.name)
        note("email", before.email, after.email)
        note("phone", before.phone, after.phone)
        note("team", before.team, after.team)
        note("grade", before.grade, after.grade)
        note("area", before.area, after.area)
        note("teamLeader", before.teamLeaderStaffId?.value ?? "none", after.teamLeaderStaffId?.value ?? "none")
        note("roles", before.roles.map(\.rawValue).joined(separator: ","), after.roles.map(\.rawValue).joined(separator: ","))
        return parts.joined(separator: "; ")
    }
}

/// Temporary passwords an administrator reads out: long, and free of look-alike characters.
enum TemporaryPassword {
    static let alphabet = Array("abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")

    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        let groups = (0..<4).map { _ in String((0..<4).map { _ in alphabet.randomElement(using: &generator)! }) }
        return groups.joined(separator: "-")
    }
}
