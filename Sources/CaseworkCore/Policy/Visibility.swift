import Foundation

/// What a temporary SCR grant lets its holder do. (Grants themselves arrive with the temporary access work.)
public enum GrantPurpose: String, Sendable, Codable, CaseIterable {
    /// View a sensitive contact.
    case viewContact
    /// Link a sensitive contact to an SR and set it to Pending Assignment, so it routes to the SCR hopper.
    case routeServiceRequest
    /// Route an SR to the SCR team for finance actions.
    case financeActions

    /// The purpose as the CSUA150 form words it.
    public var displayName: String {
        switch self {
        case .viewContact: "View a sensitive contact"
        case .routeServiceRequest: "Route an SR with a sensitive contact to the SCR segment"
        case .financeActions: "Route an SR to the SCR team for finance actions"
        }
    }
}

/// A live grant's reach, as the visibility policy needs it.
public struct GrantCoverage: Sendable, Equatable {
    public var holder: StaffID
    public var purpose: GrantPurpose
    public var contactIds: Set<String>
    public var from: Date
    public var until: Date

    public init(holder: StaffID, purpose: GrantPurpose, contactIds: Set<String>, from: Date, until: Date) {
        self.holder = holder
        self.purpose = purpose
        self.contactIds = contactIds
        self.from = from
        self.until = until
    }

    /// Live from its first instant up to, not including, its expiry.
    public func isLive(at instant: Date) -> Bool { from <= instant && instant < until }
}

/// What someone wants to do with a contact.
public enum ContactAction: Sendable, Equatable {
    /// See its details.
    case view
    /// Link it to a service request or case (and so route work about it).
    case link
}

/// The one rule for who may see or link a sensitive contact, used by every page, route, search and list.
public enum Visibility {
    public enum Decision: Sendable, Equatable {
        /// Allowed; the reason names the rule, for the audit trail.
        case allowed(String)
        case denied(String)

        public var isAllowed: Bool { if case .allowed = self { true } else { false } }
    }

    /// Roles that see sensitive contacts without a grant.
    public static let permanentRoles: Set<Role> = [.scrCaseworker, .scrManager]

    /// Whether the decision for this contact and role turns on the viewer's grants (so they need reading at all).
    public static func dependsOnGrants(sensitive: Bool, role: Role?) -> Bool {
        guard sensitive, let role else { return false }
        return !permanentRoles.contains(role)
    }

    /// Whether `viewer`, acting in `role`, may do `action` with the contact at `instant`.
    /// Ordinary contacts are open to every Casework role; sensitive ones need an SCR role or a live grant
    /// that names the contact and whose purpose covers the action.
    public static func decide(
        contactId: String, sensitive: Bool, action: ContactAction, viewer: StaffID, role: Role,
        grants: [GrantCoverage], at instant: Date
    ) -> Decision {
        guard sensitive else { return .allowed("ordinary contact") }
        if permanentRoles.contains(role) { return .allowed("\(role.rawValue) sees sensitive contacts") }
        let live = grants.filter { $0.holder == viewer && $0.isLive(at: instant) && $0.contactIds.contains(contactId) }
        if let grant = live.first(where: { covers($0.purpose, action) }) {
            return .allowed("temporary grant for \(grant.purpose.rawValue) until \(CaseworkTime.iso8601(grant.until))")
        }
        if !live.isEmpty {
            return .denied("the temporary grant is for \(live[0].purpose.rawValue), which does not allow this")
        }
        return .denied("it is a Special Client Record: SCR rights or a live temporary grant are needed")
    }

    /// Whether `person` may see the contact in any of their roles: the rule for an SR's assignee, who is not signed
    /// in as one role when the expiry job or routing asks (work they may no longer see goes back to its hopper).
    public static func maySee(contactId: String, sensitive: Bool, person: StaffProfile, grants: [GrantCoverage], at instant: Date) -> Bool {
        person.roles.contains { role in
            decide(contactId: contactId, sensitive: sensitive, action: .view, viewer: person.staffId, role: role, grants: grants, at: instant).isAllowed
        }
    }

    /// Which grant purposes allow which actions.
    static func covers(_ purpose: GrantPurpose, _ action: ContactAction) -> Bool {
        switch (purpose, action) {
        case (_, .view): true
        case (.routeServiceRequest, .link), (.financeActions, .link): true
        case (.viewContact, .link): false
        }
    }
}
