import Foundation

/// A person in the staff directory, as the domain sees them.
public struct StaffProfile: Sendable, Equatable, Codable {
    public var staffId: StaffID
    public var name: String
    public var email: String
    public var phone: String
    public var team: String
    public var grade: String
    public var area: String
    public var teamLeaderStaffId: StaffID?
    public var roles: [Role]
    public var active: Bool

    public init(
        staffId: StaffID, name: String, email: String, phone: String, team: String, grade: String,
        area: String, teamLeaderStaffId: StaffID?, roles: [Role], active: Bool = true
    ) {
        self.staffId = staffId
        self.name = name
        self.email = email
        self.phone = phone
        self.team = team
        self.grade = grade
        self.area = area
        self.teamLeaderStaffId = teamLeaderStaffId
        self.roles = roles.sorted()
        self.active = active
    }

    /// `staff ID - name`, as the status bar shows a person.
    public var label: String { "\(staffId.value) - \(name)" }
}

/// The fields of a directory entry as typed on a form, a CSV row or a JSON body.
public struct StaffInput: Sendable, Equatable {
    public var staffId: String
    public var name: String
    public var email: String
    public var phone: String
    public var team: String
    public var grade: String
    public var area: String
    public var teamLeaderStaffId: String
    public var roles: [String]

    public init(
        staffId: String = "", name: String = "", email: String = "", phone: String = "", team: String = "",
        grade: String = "", area: String = "", teamLeaderStaffId: String = "", roles: [String] = []
    ) {
        self.staffId = staffId
        self.name = name
        self.email = email
        self.phone = phone
        self.team = team
        self.grade = grade
        self.area = area
        self.teamLeaderStaffId = teamLeaderStaffId
        self.roles = roles
    }

    /// Field limits: long enough for real names, short enough to show on a status bar.
    public static let maxNameLength = 100
    public static let maxTextLength = 120

    /// Validates every field at once, so a form can list each problem together.
    /// `knownStaff` answers whether a team leader's ID exists (in the directory or the same import).
    public func validated(knownStaff: (StaffID) -> Bool) throws(ValidationFailure) -> StaffProfile {
        var failure = ValidationFailure()
        let id = collect(&failure) { () throws(ValidationFailure) in try StaffID.parse(staffId) }
        let cleanName = name.trimmingCharacters(in: .whitespacesAndNewlines)
        if cleanName.isEmpty {
            failure.add("name", "Enter the person's name")
        } else if cleanName.count > Self.maxNameLength {
            failure.add("name", "Name must be \(Self.maxNameLength) characters or fewer")
        }
        let cleanEmail = email.trimmingCharacters(in: .whitespaces)
        if cleanEmail.isEmpty {
            failure.add("email", "Enter an email address")
        } else if !Self.looksLikeEmail(cleanEmail) {
            failure.add("email", "Enter an email address like name@example.gov.uk")
        }
        let cleanPhone = phone.trimmingCharacters(in: .whitespaces)
        if cleanPhone.count > 30 || !cleanPhone.allSatisfy({ $0.isNumber || " +()-".contains($0) }) {
            failure.add("phone", "Phone number may only contain digits, spaces and + ( ) -, up to 30 characters")
        }
        for (field, value) in [("team", team), ("grade", grade), ("area", area)] {
            if value.trimmingCharacters(in: .whitespaces).count > Self.maxTextLength {
                failure.add(field, "\(field.capitalized) must be \(Self.maxTextLength) characters or fewer")
            }
        }
        if team.trimmingCharacters(in: .whitespaces).isEmpty {
            failure.add("team", "Enter the team")
        }
        var leader: StaffID?
        let leaderText = teamLeaderStaffId.trimmingCharacters(in: .whitespaces)
        if !leaderText.isEmpty {
            if let parsed = StaffID(leaderText) {
                if parsed == id {
                    failure.add("teamLeaderStaffId", "A person cannot be their own team leader")
                } else if !knownStaff(parsed) {
                    failure.add("teamLeaderStaffId", "Unknown team leader \(leaderText): no one in the directory has that staff ID")
                } else {
                    leader = parsed
                }
            } else {
                failure.add("teamLeaderStaffId", "Team leader's staff ID must be 1 to 9 digits")
            }
        }
        var parsedRoles: [Role] = []
        let roleTexts = roles.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if roleTexts.isEmpty {
            failure.add("roles", "Choose at least one role")
        }
        for text in roleTexts {
            if let role = collect(&failure, { () throws(ValidationFailure) in try Role.parse(text, field: "roles") }) {
                if !parsedRoles.contains(role) { parsedRoles.append(role) }
            }
        }
        try failure.throwIfAny()
        return StaffProfile(
            staffId: id!, name: cleanName, email: cleanEmail.lowercased(), phone: cleanPhone,
            team: team.trimmingCharacters(in: .whitespaces), grade: grade.trimmingCharacters(in: .whitespaces),
            area: area.trimmingCharacters(in: .whitespaces), teamLeaderStaffId: leader, roles: parsedRoles
        )
    }

    static func looksLikeEmail(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
              !parts[1].hasPrefix("."), !parts[1].hasSuffix("."), text.count <= 254 else { return false }
        return !text.contains(where: \.isWhitespace)
    }
}
