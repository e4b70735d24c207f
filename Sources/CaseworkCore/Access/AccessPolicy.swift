import Foundation

/// Who may see and do what with CSUA150 requests, grants and their evidence. The services enforce these and the
/// pages ask the same functions for their `can…` flags, so a page never offers what the service would refuse.
public enum AccessPolicy {
    /// The roles that oversee every request and grant: the deciders of the stages after the team leader's
    /// (SCR managers and provisioning).
    public static var overseeingRoles: Set<Role> { Set(AccessStage.allCases.filter { $0 != .teamLeader }.map(\.role)) }

    /// Whether the role sees every request and grant, not only those it is party to.
    public static func overseesAll(_ role: Role?) -> Bool {
        role.map(overseeingRoles.contains) ?? false
    }

    /// A request is seen by its requester, their team leader, and those who oversee every request.
    public static func mayView(requester: String, teamLeader: String?, viewer: String, role: Role?) -> Bool {
        viewer == requester || viewer == teamLeader || overseesAll(role)
    }

    /// A grant is seen by its holder, the team leader who countersigned it, and those who oversee every grant.
    public static func mayViewGrant(holder: String, teamLeader: String?, viewer: String, role: Role?) -> Bool {
        mayView(requester: holder, teamLeader: teamLeader, viewer: viewer, role: role)
    }

    /// Whose grants a person may list: their own; team leaders and those who oversee, anyone's.
    public static func mayListGrants(of holder: String, viewer: String, role: Role?) -> Bool {
        viewer == holder || overseesAll(role) || role == .teamLeader
    }

    /// The evidence behind a request (its whole history, notifications, emails and audit) is for SCR managers, who
    /// answer for the procedure, and administrators.
    public static let evidenceRoles: Set<Role> = [.scrManager, .administrator]

    public static func mayReadEvidence(_ role: Role?) -> Bool {
        role.map(evidenceRoles.contains) ?? false
    }

    /// The status of the requests waiting for this role's decision, if the role decides a stage.
    public static func statusAwaiting(_ role: Role?) -> AccessRequestStatus? {
        AccessStage.allCases.first { $0.role == role }?.awaiting
    }

    /// The statuses whose answers "Start a new form" copies: those that ended without a grant.
    public static let copyableStatuses: Set<AccessRequestStatus> = [.rejected, .returned, .withdrawn]

    /// Only the requester, acting as a caseworker, copies their own ended request into a new form.
    public static func mayCopy(status: AccessRequestStatus, requester: String, viewer: String, role: Role?) -> Bool {
        viewer == requester && role == .caseworker && copyableStatuses.contains(status)
    }
}
