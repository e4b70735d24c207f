import Foundation

/// A believable Child Maintenance organisation for demonstrations, journeys and benchmarks.
public enum DemoOrganisation {
    /// The demo accounts' password when `CASEWORK_DEMO_PASSWORD` is not set.
    public static let defaultPassword = "Casework-Demo-2026"

    private static func person(
        _ id: String, _ name: String, team: String, grade: String, area: String, leader: String?, _ roles: [Role],
        phone: String
    ) -> StaffProfile {
        let email = name.lowercased().replacingOccurrences(of: " ", with: ".").replacingOccurrences(of: "'", with: "")
            + "@childmaintenance.gov.uk"
        return StaffProfile(
            staffId: StaffID(id)!, name: name, email: email, phone: phone, team: team, grade: grade, area: area,
            teamLeaderStaffId: leader.flatMap(StaffID.init), roles: roles)
    }

    /// Everyone in the demo organisation, each team leader listed before their team.
    public static let staff: [StaffProfile] = [
        // Senior managers: the team leaders' own line managers.
        person("10000001", "Margaret Okafor", team: "Operations Management", grade: "SEO", area: "North East", leader: nil, [.teamLeader], phone: "0191 496 0001"),
        person("10000002", "David Lindqvist", team: "Operations Management", grade: "SEO", area: "Midlands", leader: nil, [.teamLeader], phone: "0121 496 0002"),

        // Caseworker team 1, Newcastle.
        person("20010001", "Sarah Whitfield", team: "Newcastle Casework 1", grade: "EO", area: "North East", leader: "10000001", [.teamLeader, .caseworker], phone: "0191 496 0101"),
        person("20010002", "Tom Baxter", team: "Newcastle Casework 1", grade: "AO", area: "North East", leader: "20010001", [.caseworker], phone: "0191 496 0102"),
        person("20010003", "Aisha Rahman", team: "Newcastle Casework 1", grade: "AO", area: "North East", leader: "20010001", [.caseworker], phone: "0191 496 0103"),
        person("20010004", "Liam O'Connor", team: "Newcastle Casework 1", grade: "AO", area: "North East", leader: "20010001", [.caseworker], phone: "0191 496 0104"),

        // Caseworker team 2, Birmingham.
        person("20020001", "James Achebe", team: "Birmingham Casework 2", grade: "EO", area: "Midlands", leader: "10000002", [.teamLeader], phone: "0121 496 0201"),
        person("20020002", "Priya Sharma", team: "Birmingham Casework 2", grade: "AO", area: "Midlands", leader: "20020001", [.caseworker], phone: "0121 496 0202"),
        person("20020003", "Gareth Evans", team: "Birmingham Casework 2", grade: "AO", area: "Midlands", leader: "20020001", [.caseworker], phone: "0121 496 0203"),
        person("20020004", "Hannah Kowalski", team: "Birmingham Casework 2", grade: "AO", area: "Midlands", leader: "20020001", [.caseworker], phone: "0121 496 0204"),

        // Caseworker team 3, Plymouth.
        person("20030001", "Fiona MacLeod", team: "Plymouth Casework 3", grade: "EO", area: "South West", leader: "10000002", [.teamLeader], phone: "01752 496 301"),
        person("20030002", "Daniel Osei", team: "Plymouth Casework 3", grade: "AO", area: "South West", leader: "20030001", [.caseworker], phone: "01752 496 302"),
        person("20030003", "Rebecca Turner", team: "Plymouth Casework 3", grade: "AO", area: "South West", leader: "20030001", [.caseworker], phone: "01752 496 303"),

        // Special Client Records team.
        person("30000001", "Helen Marsh", team: "Special Client Records", grade: "HEO", area: "National", leader: "10000001", [.teamLeader, .scrCaseworker], phone: "0191 496 0301"),
        person("30000002", "Robert Ainsworth", team: "Special Client Records", grade: "SEO", area: "National", leader: "10000001", [.scrManager, .scrCaseworker], phone: "0191 496 0302"),
        person("30000003", "Nadia Petrova", team: "Special Client Records", grade: "EO", area: "National", leader: "30000001", [.scrCaseworker], phone: "0191 496 0303"),
        person("30000004", "Owen Pritchard", team: "Special Client Records", grade: "EO", area: "National", leader: "30000001", [.scrCaseworker], phone: "0191 496 0304"),

        // Front Line Live Support: provisioning.
        person("40000001", "Claire Donnelly", team: "FLLS User Provisioning", grade: "EO", area: "National", leader: "10000002", [.teamLeader, .provisioning], phone: "0121 496 0401"),
        person("40000002", "Marcus Bell", team: "FLLS User Provisioning", grade: "AO", area: "National", leader: "40000001", [.provisioning], phone: "0121 496 0402"),
        person("40000003", "Yusuf Karim", team: "FLLS User Provisioning", grade: "AO", area: "National", leader: "40000001", [.provisioning], phone: "0121 496 0403"),

        // CFAT Banking & Accounting.
        person("50000001", "Joanne Fletcher", team: "CFAT Banking & Accounting", grade: "EO", area: "National", leader: "10000002", [.teamLeader, .cfat], phone: "0121 496 0501"),
        person("50000002", "Samuel Adeyemi", team: "CFAT Banking & Accounting", grade: "AO", area: "National", leader: "50000001", [.cfat], phone: "0121 496 0502"),
        person("50000003", "Emma Lawson", team: "CFAT Banking & Accounting", grade: "AO", area: "National", leader: "50000001", [.cfat], phone: "0121 496 0503"),

        // Exceptional case handling team: the receipts and payments tool (names from seed 004).
        person("76834403", "Chris Bowler", team: "Exceptional Case Handling", grade: "EO", area: "North East", leader: "10000001", [.teamLeader, .toolSystemAdministrator], phone: "0191 496 0601"),
        person("35220900", "Paul Cox", team: "Exceptional Case Handling", grade: "AO", area: "North East", leader: "76834403", [.toolCaseWorker, .toolSystemAdministrator], phone: "09198765"),
        person("57261910", "Andrew Shepherd", team: "Exceptional Case Handling", grade: "AO", area: "North East", leader: "76834403", [.toolCaseWorker, .toolSystemAdministrator], phone: "1234"),
        person("60000004", "Grace Nwosu", team: "Exceptional Case Handling", grade: "AO", area: "North East", leader: "76834403", [.toolCaseWorker], phone: "0191 496 0604"),

        // Service administration.
        person("90000001", "Alex Morgan", team: "Casework Service Administration", grade: "HEO", area: "National", leader: "10000002", [.administrator], phone: "0121 496 0901"),
        person("90000002", "Bethany Clarke", team: "Casework Service Administration", grade: "EO", area: "National", leader: "10000002", [.administrator, .caseworker], phone: "0121 496 0902"),
    ]
}
