import CaseworkCore
import Fluent
import Vapor

/// Puts the demo organisation in the database, adding only what is missing.
struct DemoSeeder {
    let app: Application

    /// Returns how many people were added.
    func seed() async throws -> Int {
        let existing = Set(try await StaffModel.query(on: app.db).all().compactMap(\.id))
        let missing = DemoOrganisation.staff.filter { !existing.contains($0.staffId.value) }
        guard !missing.isEmpty else { return 0 }
        // One hash per person (each with its own salt), computed before the write so the lane is not held.
        var hashes: [String: String] = [:]
        for profile in missing {
            hashes[profile.staffId.value] = try await app.password.async.hash(app.casework.settings.demoPassword).get()
        }
        let toAdd = missing
        let readyHashes = hashes
        try await app.casework.lane.perform { ctx in
            for profile in toAdd {
                var unlinked = profile
                unlinked.teamLeaderStaffId = nil
                try await Directory.insert(unlinked, passwordHash: readyHashes[profile.staffId.value], on: ctx)
            }
            for profile in toAdd {
                if let leader = profile.teamLeaderStaffId {
                    try await StaffModel.query(on: ctx.db).filter(\.$id == profile.staffId.value).set(\.$teamLeaderStaffId, to: leader.value).update()
                }
                try await ctx.audit(AuditEntry(.system, "staff.create", subjectType: "staff", subjectId: profile.staffId.value,
                                               detail: "demo organisation: \(profile.name), roles \(profile.roles.map(\.rawValue).joined(separator: ","))"))
            }
        }
        return toAdd.count
    }

    /// The accounts as a plain-text table.
    static func table(_ staff: [StaffProfile]) -> String {
        let rows = [["Staff ID", "Name", "Roles", "Team"]] + staff.map {
            [$0.staffId.value, $0.name, $0.roles.map(\.rawValue).joined(separator: ", "), $0.team]
        }
        let widths = (0..<4).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.enumerated().map { index, row in
            let line = row.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
            return index == 0 ? line + "\n" + widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") : line
        }.joined(separator: "\n")
    }
}
