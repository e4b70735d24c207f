import Foundation

/// The roles a staff member can hold; a session acts in exactly one of them at a time.
public enum Role: String, CaseIterable, Sendable, Codable, Comparable {
    case caseworker
    case teamLeader
    case scrManager
    case scrCaseworker
    case provisioning
    case cfat
    case toolCaseWorker
    case toolSystemAdministrator
    case administrator

    /// The name people see in the status bar and on forms.
    public var displayName: String {
        switch self {
        case .caseworker: "Caseworker"
        case .teamLeader: "Team leader"
        case .scrManager: "SCR manager"
        case .scrCaseworker: "SCR caseworker"
        case .provisioning: "Provisioning (FLLS)"
        case .cfat: "CFAT"
        case .toolCaseWorker: "Case Worker"
        case .toolSystemAdministrator: "System Administrator"
        case .administrator: "Administrator"
        }
    }

    /// One sentence on what the role is for, shown when choosing a role.
    public var summary: String {
        switch self {
        case .caseworker: "Work service requests and ask for temporary SCR access."
        case .teamLeader: "Countersign your team's requests, assign work and confirm log-offs."
        case .scrManager: "Decide on temporary access requests and monitor every grant."
        case .scrCaseworker: "Work the SCR hopper and see sensitive contacts."
        case .provisioning: "Grant, extend and remove temporary SCR access (FLLS)."
        case .cfat: "Work finance support requests from the SCR team."
        case .toolCaseWorker: "Record receipts and payments for exceptional cases."
        case .toolSystemAdministrator: "Maintain the receipts and payments tool's users."
        case .administrator: "Maintain the staff directory, accounts and audit trail."
        }
    }

    /// The system name for the status bar: the receipts and payments tool keeps its own name.
    public var systemName: String {
        switch self {
        case .toolCaseWorker, .toolSystemAdministrator: "Transfer of Receipts to Future Scheme"
        default: "Casework"
        }
    }

    /// Parses a role id, explaining the choices when it is not one.
    public static func parse(_ text: String, field: String = "role") throws(ValidationFailure) -> Role {
        guard let role = Role(rawValue: text.trimmingCharacters(in: .whitespaces)) else {
            let choices = Role.allCases.map(\.rawValue).joined(separator: ", ")
            throw ValidationFailure([field: "Unknown role \"\(text)\": use one of \(choices)"])
        }
        return role
    }

    public static func < (lhs: Role, rhs: Role) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
