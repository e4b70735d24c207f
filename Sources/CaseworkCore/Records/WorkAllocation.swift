import Foundation

/// A hopper: the queue of service requests waiting for one team to take them.
public enum Segment: Hashable, Sendable, CustomStringConvertible {
    /// Special Client Records.
    case scr
    /// CFAT Banking & Accounting.
    case cfat
    /// A caseworker team's own segment, named by the team's slug.
    case team(String)

    /// The segment's name in URLs and JSON: `scr`, `cfat`, or the team's slug.
    public var id: String {
        switch self {
        case .scr: "scr"
        case .cfat: "cfat"
        case .team(let slug): slug
        }
    }

    public init(id: String) {
        switch id {
        case "scr": self = .scr
        case "cfat": self = .cfat
        default: self = .team(id)
        }
    }

    public var description: String { id }

    /// The segment of a team: its name in lower case, words joined by hyphens.
    public static func forTeam(_ team: String) -> Segment {
        let slug = team.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }
            .split(separator: "-", omittingEmptySubsequences: true).map { String($0) }.joined(separator: "-")
        if slug == "scr" || slug == "cfat" { return .team("team-" + slug) }
        return .team(slug)
    }

    /// The role everyone who works this segment's hopper holds: SCR caseworkers, CFAT, or (in a team's own
    /// segment, and of that team) caseworkers.
    public var memberRole: Role {
        switch self {
        case .scr: .scrCaseworker
        case .cfat: .cfat
        case .team: .caseworker
        }
    }

    /// Whether a person works this segment's hopper (may be assigned its work): active, holding `memberRole`, and,
    /// for a team's segment, in that team.
    public func hasMember(_ person: StaffProfile) -> Bool {
        guard person.active, person.roles.contains(memberRole) else { return false }
        if case .team = self { return Segment.forTeam(person.team) == self }
        return true
    }

    /// Whether a person, acting in `role`, may assign from this segment's hopper.
    public func mayAssign(_ person: StaffProfile, actingAs role: Role) -> Bool {
        guard person.active, person.roles.contains(role) else { return false }
        switch (self, role) {
        case (.scr, .scrManager): return true
        case (.scr, .teamLeader): return person.roles.contains(.scrCaseworker)
        case (.cfat, .teamLeader): return person.roles.contains(.cfat)
        case (.team, .teamLeader): return Segment.forTeam(person.team) == self
        default: return false
        }
    }

    /// The name people see.
    public func displayName(teamName: String?) -> String {
        switch self {
        case .scr: "SCR"
        case .cfat: "CFAT Banking & Accounting"
        case .team(let slug): teamName ?? slug
        }
    }
}

/// What routing looks at when a service request is set to Pending Assignment.
public struct RoutingFacts: Sendable, Equatable {
    public var type: ServiceRequestType
    /// Whether any contact linked to it, directly or through its case, is sensitive.
    public var hasSensitiveContact: Bool
    /// Raised for the SCR team's finance actions (a CFAT support request).
    public var isFinanceSupportRequest: Bool
    /// Finance work the raiser said needs CFAT's support.
    public var needsFinanceSupport: Bool
    /// The team that owns the request (its raiser's team).
    public var owningTeam: String

    public init(type: ServiceRequestType, hasSensitiveContact: Bool, isFinanceSupportRequest: Bool, needsFinanceSupport: Bool, owningTeam: String) {
        self.type = type
        self.hasSensitiveContact = hasSensitiveContact
        self.isFinanceSupportRequest = isFinanceSupportRequest
        self.needsFinanceSupport = needsFinanceSupport
        self.owningTeam = owningTeam
    }
}

/// The work allocation framework's rules: where an SR goes, and who may take it from there.
public enum WorkAllocation {
    /// A routing decision and the rule that made it, for the audit trail.
    public struct Route: Sendable, Equatable {
        public var segment: Segment
        public var rule: String
    }

    /// The first rule that applies decides. Order matters: a CFAT support request goes to CFAT even though
    /// it concerns a sensitive contact (CFAT sees only what it needs); anything else touching a sensitive
    /// contact goes to SCR; finance work needing support goes to CFAT; the rest stays with its team.
    public static func route(_ facts: RoutingFacts) -> Route {
        if facts.isFinanceSupportRequest {
            return Route(segment: .cfat, rule: "financeSupportRequest: raised by the SCR team for CFAT's finance action")
        }
        if facts.hasSensitiveContact {
            return Route(segment: .scr, rule: "sensitiveContact: a linked contact is sensitive, so only the SCR segment may work it")
        }
        if facts.type.isFinance && facts.needsFinanceSupport {
            return Route(segment: .cfat, rule: "financeSupport: \(facts.type.rawValue) needs CFAT's finance support")
        }
        return Route(segment: Segment.forTeam(facts.owningTeam), rule: "owningTeam: routed to the raiser's team \(facts.owningTeam)")
    }

    /// Checks an assignment: the SR waits in this segment's hopper, the assigner leads it, the assignee works it,
    /// and (for sensitive work) the assignee may see every sensitive contact involved.
    public static func checkAssignment(
        status: ServiceRequestStatus, segment: Segment?, assigner: StaffProfile, assignerRole: Role,
        assignee: StaffProfile, assigneeMaySeeSensitiveContacts: Bool
    ) -> DomainError? {
        guard let segment else { return .conflict("This service request has not been routed to a hopper: set it to Pending Assignment first") }
        guard status == .pendingAssignment else {
            return .conflict("This service request is \(status.displayName), no longer waiting in the \(segment.displayName(teamName: nil)) hopper")
        }
        guard segment.mayAssign(assigner, actingAs: assignerRole) else {
            return .forbidden(segment == .scr
                ? "Only an SCR manager or the SCR team leader may assign from the SCR hopper"
                : "Only the team leader of this segment may assign from its hopper")
        }
        guard segment.hasMember(assignee) else {
            return .conflict("\(assignee.label) does not work the \(segment.displayName(teamName: nil)) hopper: choose a member of that segment")
        }
        guard assigneeMaySeeSensitiveContacts else {
            return .forbidden("\(assignee.label) may not see this service request's sensitive contacts, so it cannot be assigned to them")
        }
        return nil
    }
}
