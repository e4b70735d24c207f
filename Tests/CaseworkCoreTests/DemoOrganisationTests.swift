import Foundation
import Testing
@testable import CaseworkCore

struct DemoOrganisationTests {
    let staff = DemoOrganisation.staff

    @Test func staffIdsAreUnique() {
        let ids = staff.map(\.staffId)
        #expect(Set(ids).count == ids.count)
    }

    @Test func emailAddressesAreUnique() {
        let emails = staff.map(\.email)
        #expect(Set(emails).count == emails.count)
    }

    @Test func everyTeamLeaderIsSomeoneListedEarlier() {
        var listed = Set<StaffID>()
        for person in staff {
            if let leader = person.teamLeaderStaffId {
                #expect(leader != person.staffId, "\(person.label) leads themselves")
                #expect(listed.contains(leader), "\(person.label)'s team leader \(leader) is not listed before them")
            }
            listed.insert(person.staffId)
        }
    }

    @Test func atLeastThreeCaseworkerTeamsEachHaveATeamLeader() {
        let byId = Dictionary(uniqueKeysWithValues: staff.map { ($0.staffId, $0) })
        let caseworkers = staff.filter { $0.roles.contains(.caseworker) && !$0.roles.contains(.teamLeader) }
        let teams = Dictionary(grouping: caseworkers, by: \.team)
        let ledTeams = teams.filter { team, members in
            members.allSatisfy { member in
                guard let leaderId = member.teamLeaderStaffId, let leader = byId[leaderId] else { return false }
                return leader.team == team && leader.roles.contains(.teamLeader)
            }
        }
        #expect(ledTeams.count >= 3, "caseworker teams with a team leader: \(ledTeams.keys.sorted())")
        for members in ledTeams.values { #expect(members.count >= 2) }
    }

    @Test func everyRoleIsHeldBySomeone() {
        let held = Set(staff.flatMap(\.roles))
        for role in Role.allCases {
            #expect(held.contains(role), "no one holds \(role.rawValue)")
        }
    }

    @Test func somePeopleHoldSeveralRoles() {
        let multiRole = staff.filter { $0.roles.count > 1 }
        #expect(!multiRole.isEmpty)
        #expect(multiRole.allSatisfy { Set($0.roles).count == $0.roles.count })
    }

    @Test func everyoneIsActiveWithAtLeastOneRole() {
        #expect(staff.allSatisfy { $0.active && !$0.roles.isEmpty })
    }

    @Test func everyDemoPersonPassesDirectoryValidation() throws {
        let ids = Set(staff.map(\.staffId))
        for person in staff {
            let input = StaffInput(
                staffId: person.staffId.value, name: person.name, email: person.email, phone: person.phone,
                team: person.team, grade: person.grade, area: person.area,
                teamLeaderStaffId: person.teamLeaderStaffId?.value ?? "", roles: person.roles.map(\.rawValue))
            let failure = validationFailure { _ = try input.validated(knownStaff: { ids.contains($0) }) }
            #expect(failure == nil, "\(person.label): \(failure.map { "\($0.fields)" } ?? "")")
            if failure == nil {
                #expect(try input.validated(knownStaff: { ids.contains($0) }) == person)
            }
        }
    }

    @Test func defaultPasswordPassesThePasswordPolicy() {
        #expect(validationFailure { try PasswordPolicy.check(DemoOrganisation.defaultPassword) } == nil)
    }
}
