import CaseworkCore
import Fluent
import Vapor

/// The staff directory: reading it, and every audited change an administrator (or an import) makes.
struct Directory {
    let db: any Database
    let lane: WriteLane
    let passwords: AsyncPasswordHasher
    let clock: any CaseworkClock
    /// SQLite's point-read connections, for a request's own reads (see `SQLiteReaders`).
    var readers: SQLiteReaders? = nil

    /// A person with their roles loaded.
    func find(_ staffId: String) async throws -> StaffModel? {
        guard StaffID(staffId) != nil else { return nil }
        return try await StaffModel.query(on: db).filter(\.$id == staffId).with(\.$roleRows).first()
    }

    /// Like `find`, but a missing person is a 404 that names the ID.
    func require(_ staffId: String) async throws -> StaffModel {
        try await Self.require(staffId, on: db)
    }

    /// A person's profile with their roles, in one query, or a 404 that names the ID.
    func requireProfile(_ staffId: String) async throws -> StaffProfile {
        guard StaffID(staffId) != nil, let profile = try await DirectoryQueries(db: db, readers: readers).profile(staffId) else {
            throw DomainError.notFound("No one in the directory has staff ID \(staffId)")
        }
        return profile
    }

    /// A person with roles loaded, read on the given database (inside a write job, its transaction).
    static func require(_ staffId: String, on db: any Database) async throws -> StaffModel {
        guard StaffID(staffId) != nil,
              let staff = try await StaffModel.query(on: db).filter(\.$id == staffId).with(\.$roleRows).first() else {
            throw DomainError.notFound("No one in the directory has staff ID \(staffId)")
        }
        return staff
    }

    /// Searches by staff ID (prefix) or name (any part, any case), in staff ID order after `after`.
    func search(_ text: String, limit: Int, after: String?) async throws -> (staff: [StaffModel], next: String?) {
        let q = text.trimmingCharacters(in: .whitespaces)
        var query = StaffModel.query(on: db).with(\.$roleRows)
        if !q.isEmpty {
            let cleaned = q.lowercased().filter { $0 != "%" && $0 != "_" }
            if q.allSatisfy(\.isNumber) {
                query = query.filter(\.$id, .custom("LIKE"), cleaned + "%")
            } else {
                query = query.filter(\.$searchName ~~ cleaned)
            }
        }
        if let after { query = query.filter(\.$id > after) }
        let rows = try await query.sort(\.$id).limit(limit + 1).all()
        let page = Array(rows.prefix(limit))
        return (page, rows.count > limit ? page.last?.id : nil)
    }

    /// Whether a staff ID is in the directory.
    func exists(_ id: StaffID) async throws -> Bool {
        try await StaffModel.find(id.value, on: db) != nil
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
        return try await lane.perform { ctx in
            let profile = profile!
            if try await StaffModel.find(profile.staffId.value, on: ctx.db) != nil {
                throw DomainError.conflict("Staff ID \(profile.staffId) is already in the directory")
            }
            try await Self.insert(profile, passwordHash: hash, on: ctx)
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
        return try await lane.perform { ctx in
            let staff = try await Self.require(staffId, on: ctx.db)
            let before = try staff.profile(roles: staff.loadedRoles)
            if try await Self.wouldCreateLeaderCycle(staffId: staffId, leader: profile.teamLeaderStaffId?.value, on: ctx.db) {
                throw ValidationFailure(["teamLeaderStaffId": "\(profile.teamLeaderStaffId!.value) reports to \(staff.name): a team leader cannot report to their own team member"])
            }
            staff.apply(profile, now: ctx.now)
            try await staff.save(on: ctx.db)
            try await StaffRoleModel.query(on: ctx.db).filter(\.$staff.$id == staffId).delete()
            for role in profile.roles {
                try await StaffRoleModel(staffId: staffId, role: role).create(on: ctx.db)
            }
            let after = profile
            var changes = Self.describeChanges(before: before, after: after)
            if changes.isEmpty { changes = "no change" }
            if before.roles != after.roles {
                // A role taken away must stop working now: end sessions acting in a role the person no longer has.
                let removed = Set(before.roles).subtracting(after.roles).map(\.rawValue)
                if !removed.isEmpty {
                    try await AuthSessionModel.query(on: ctx.db).filter(\.$staff.$id == staffId).filter(\.$role ~~ removed).delete()
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
        return try await lane.perform { ctx in
            let staff = try await Self.require(staffId, on: ctx.db)
            guard staff.active != active else {
                throw DomainError.conflict("\(staff.name) is already \(active ? "active" : "deactivated")")
            }
            if active {
                staff.active = true
                staff.updatedAt = ctx.now
                try await staff.save(on: ctx.db)
                try await ctx.audit(AuditEntry(actor, "staff.reactivate", subjectType: "staff", subjectId: staffId, detail: "reactivated"))
            } else {
                try await Self.deactivate(staff, by: actor, on: ctx)
            }
            return try staff.profile(roles: staff.loadedRoles)
        }
    }

    /// What a leaver's deactivation does, at once, whoever asks (an administrator, or the identity provider by SCIM):
    /// their sessions and API tokens end; their live grants are removed ("account deactivated") and each end is
    /// recorded as any ended grant's is (the team leader's log-off task, work they may no longer see back to its
    /// hopper); their open access requests are withdrawn. All of it audited, with `actor` as the one who asked.
    static func deactivate(_ staff: StaffModel, by actor: Actor, on ctx: WriteContext) async throws {
        let staffId = staff.id!
        staff.active = false
        staff.updatedAt = ctx.now
        try await staff.save(on: ctx.db)
        let sessions = try await AuthSessionModel.query(on: ctx.db).filter(\.$staff.$id == staffId).count()
        try await AuthSessionModel.query(on: ctx.db).filter(\.$staff.$id == staffId).delete()

        let live = try await GrantModel.query(on: ctx.db).filter(\.$staffId == staffId).filter(\.$removedAt == nil)
            .filter(\.$expiresAt > ctx.now).all()
        for grant in live {
            grant.removedAt = CaseworkTime.wholeSecond(ctx.now)
            grant.removedBy = actor.staffId ?? "system"
            grant.removalReason = "account deactivated"
            try await grant.save(on: ctx.db)
            try await ctx.audit(AuditEntry(actor, "grant.remove", subjectType: "grant", subjectId: grant.id!.uuidString, detail: "removed: account deactivated"))
        }
        if !live.isEmpty { _ = try await GrantExpiry.process(live.map { $0.id! }, ctx: ctx) }

        let open = try await AccessRequestModel.query(on: ctx.db).filter(\.$requesterStaffId == staffId)
            .filter(\.$status ~~ AccessRequestStatus.allCases.filter { !$0.isFinal }).all()
        for record in open {
            let id = record.id!
            record.status = AccessRequestStatus.withdrawn
            record.updatedAt = ctx.now
            try await record.save(on: ctx.db)
            await ctx.insertAtCommit(AccessRequestHistoryModel(requestId: id, at: ctx.now, by: actor.staffId ?? "system", action: .withdrawn, reason: "account deactivated"))
            try await Inbox.settle(ctx, request: id, link: "/access-requests/\(id.uuidString)")
            try await Inbox.notify(ctx, to: record.teamLeaderStaffId, kind: .withdrawn,
                                   text: "Temporary access request \(record.reference) was withdrawn: \(staffId)'s account was deactivated",
                                   link: "/access-requests/\(id.uuidString)", request: id)
            try await ctx.audit(AuditEntry(actor, "access.withdraw", subjectType: "accessRequest", subjectId: id.uuidString,
                                           detail: "\(record.reference) withdrawn: account deactivated"))
        }
        try await ctx.audit(AuditEntry(actor, "staff.deactivate", subjectType: "staff", subjectId: staffId,
                                       detail: "deactivated; \(sessions) session(s) ended; \(live.count) live grant(s) removed; \(open.count) open request(s) withdrawn"))
    }

    /// Sets a new temporary password the person must change at their next sign-in; ends their sessions and unlocks them.
    func resetPassword(_ staffId: String, by actor: Actor) async throws -> (profile: StaffProfile, temporaryPassword: String) {
        _ = try await require(staffId)
        let temporary = TemporaryPassword.make()
        let hash = try await passwords.hash(temporary).get()
        let profile = try await lane.perform { ctx in
            let staff = try await Self.require(staffId, on: ctx.db)
            staff.passwordHash = hash
            staff.mustChangePassword = true
            staff.failedSignIns = 0
            staff.lastFailedSignInAt = nil
            staff.updatedAt = ctx.now
            try await staff.save(on: ctx.db)
            try await AuthSessionModel.query(on: ctx.db).filter(\.$staff.$id == staffId).delete()
            try await ctx.audit(AuditEntry(actor, "staff.resetPassword", subjectType: "staff", subjectId: staffId,
                                           detail: "temporary password set; sessions ended; sign-in lock cleared"))
            return try staff.profile(roles: staff.loadedRoles)
        }
        return (profile, temporary)
    }

    /// Imports checked profiles all together: every row or none.
    func importProfiles(_ profiles: [StaffProfile], passwordHash: String?, by actor: Actor, source: String) async throws {
        try await lane.perform { ctx in
            for profile in profiles where try await StaffModel.find(profile.staffId.value, on: ctx.db) != nil {
                throw DomainError.conflict("Staff ID \(profile.staffId) was added to the directory while importing: nothing imported")
            }
            // Leaders may come after their team in the file: insert everyone, then link leaders.
            for profile in profiles {
                var unlinked = profile
                unlinked.teamLeaderStaffId = nil
                try await Self.insert(unlinked, passwordHash: passwordHash, on: ctx)
            }
            for profile in profiles {
                if let leader = profile.teamLeaderStaffId {
                    try await StaffModel.query(on: ctx.db).filter(\.$id == profile.staffId.value)
                        .set(\.$teamLeaderStaffId, to: leader.value).update()
                }
                try await ctx.audit(AuditEntry(actor, "staff.import", subjectType: "staff", subjectId: profile.staffId.value,
                                               detail: "imported \(profile.name) from \(source)"))
            }
        }
    }

    static func insert(_ profile: StaffProfile, passwordHash: String?, on ctx: WriteContext) async throws {
        let staff = StaffModel(profile: profile, now: ctx.now)
        staff.passwordHash = passwordHash
        try await staff.create(on: ctx.db)
        for role in profile.roles {
            try await StaffRoleModel(staffId: profile.staffId.value, role: role).create(on: ctx.db)
        }
    }

    /// The staff IDs an input mentions that are already in the directory.
    private func knownIDs(mentionedBy input: StaffInput) async throws -> Set<StaffID> {
        guard let leader = StaffID(input.teamLeaderStaffId), try await exists(leader) else { return [] }
        return [leader]
    }

    /// Whether making `leader` the team leader of `staffId` would make someone their own manager's manager.
    static func wouldCreateLeaderCycle(staffId: String, leader: String?, on db: any Database) async throws -> Bool {
        var current = leader
        var steps = 0
        while let id = current, steps < 50 {
            if id == staffId { return true }
            current = try await StaffModel.find(id, on: db)?.teamLeaderStaffId
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
