import Foundation
import Testing
@testable import CaseworkCore

struct WorkAllocationTests {
    // MARK: Routing

    struct RouteCase: Sendable, CustomTestStringConvertible {
        var name: String
        var facts: RoutingFacts
        var segment: Segment
        var rule: String
        var testDescription: String { name }
    }

    static func facts(
        _ type: ServiceRequestType, sensitive: Bool = false, supportRequest: Bool = false, needsSupport: Bool = false,
        team: String = "Newcastle Casework 1"
    ) -> RoutingFacts {
        RoutingFacts(type: type, hasSensitiveContact: sensitive, isFinanceSupportRequest: supportRequest,
                     needsFinanceSupport: needsSupport, owningTeam: team)
    }

    static let routeCases: [RouteCase] = [
        RouteCase(name: "finance support request goes to CFAT",
                  facts: facts(.paymentReassign, supportRequest: true), segment: .cfat, rule: "financeSupportRequest"),
        RouteCase(name: "finance support request beats a sensitive contact",
                  facts: facts(.suspenseAccountClearOnline, sensitive: true, supportRequest: true, needsSupport: true, team: "Special Client Records"),
                  segment: .cfat, rule: "financeSupportRequest"),
        RouteCase(name: "finance support request goes to CFAT whatever its type",
                  facts: facts(.generalEnquiry, sensitive: true, supportRequest: true), segment: .cfat, rule: "financeSupportRequest"),
        RouteCase(name: "sensitive contact goes to SCR",
                  facts: facts(.changeOfCircumstances, sensitive: true), segment: .scr, rule: "sensitiveContact"),
        RouteCase(name: "sensitive beats finance needing support",
                  facts: facts(.chargeback, sensitive: true, needsSupport: true), segment: .scr, rule: "sensitiveContact"),
        RouteCase(name: "finance needing support goes to CFAT",
                  facts: facts(.manualReceipting, needsSupport: true), segment: .cfat, rule: "financeSupport"),
        RouteCase(name: "finance type without needing support stays with its team",
                  facts: facts(.paymentReassign, team: "Birmingham Casework 2"), segment: .team("birmingham-casework-2"), rule: "owningTeam"),
        RouteCase(name: "non-finance work marked as needing support stays with its team",
                  facts: facts(.generalEnquiry, needsSupport: true), segment: .team("newcastle-casework-1"), rule: "owningTeam"),
        RouteCase(name: "ordinary work stays with its team",
                  facts: facts(.changeOfCircumstances), segment: .team("newcastle-casework-1"), rule: "owningTeam"),
        RouteCase(name: "a team called SCR keeps its own segment",
                  facts: facts(.generalEnquiry, team: "SCR"), segment: .team("team-scr"), rule: "owningTeam"),
    ]

    @Test(arguments: routeCases)
    func routeAppliesTheFirstRuleThatFits(_ routeCase: RouteCase) {
        let route = WorkAllocation.route(routeCase.facts)
        #expect(route.segment == routeCase.segment)
        #expect(route.rule.hasPrefix(routeCase.rule + ":"), "\(route.rule)")
    }

    @Test func ruleTextNamesTheTypeOrTeamThatDecided() {
        #expect(WorkAllocation.route(Self.facts(.chargeback, needsSupport: true)).rule.contains("chargeback"))
        #expect(WorkAllocation.route(Self.facts(.generalEnquiry, team: "Plymouth Casework 3")).rule.contains("Plymouth Casework 3"))
    }

    @Test(arguments: ServiceRequestType.allCases)
    func onlyFinanceTypesNeedingSupportGoToCFAT(type: ServiceRequestType) {
        let financeTypes: Set<ServiceRequestType> = [.paymentReassign, .suspenseAccountClearOnline, .chargeback, .manualReceipting]
        let needing = WorkAllocation.route(Self.facts(type, needsSupport: true)).segment
        #expect(needing == (financeTypes.contains(type) ? .cfat : .team("newcastle-casework-1")))
        #expect(WorkAllocation.route(Self.facts(type)).segment == .team("newcastle-casework-1"))
        #expect(WorkAllocation.route(Self.facts(type, sensitive: true, needsSupport: true)).segment == .scr)
    }

    // MARK: Segments

    @Test(arguments: zip(
        ["Newcastle Casework 1", "CFAT Banking & Accounting", "  Special   Client Records ", "Plymouth-Casework--3",
         "S.C.R.", "SCR", "scr", " Cfat ", "Team SCR"],
        ["newcastle-casework-1", "cfat-banking-accounting", "special-client-records", "plymouth-casework-3",
         "s-c-r", "team-scr", "team-scr", "team-cfat", "team-scr"]))
    func aTeamsSegmentIsItsNameInLowerCaseJoinedByHyphens(team: String, slug: String) {
        let segment = Segment.forTeam(team)
        #expect(segment == .team(slug))
        #expect(segment.id == slug)
        #expect(Segment(id: segment.id) == segment)
    }

    @Test func segmentIdsRoundTrip() {
        #expect(Segment(id: "scr") == .scr)
        #expect(Segment(id: "cfat") == .cfat)
        #expect(Segment(id: "newcastle-casework-1") == .team("newcastle-casework-1"))
        for segment in [Segment.scr, .cfat, .team("plymouth-casework-3")] {
            #expect(Segment(id: segment.id) == segment)
            #expect(segment.description == segment.id)
        }
    }

    @Test func aTeamCalledSCRDoesNotCollideWithTheSCRSegment() {
        #expect(Segment.forTeam("SCR") != .scr)
        #expect(Segment.forTeam("CFAT") != .cfat)
        #expect(Segment(id: Segment.forTeam("SCR").id) != .scr)
    }

    @Test func displayNames() {
        #expect(Segment.scr.displayName(teamName: "ignored") == "SCR")
        #expect(Segment.cfat.displayName(teamName: nil) == "CFAT Banking & Accounting")
        #expect(Segment.team("newcastle-casework-1").displayName(teamName: "Newcastle Casework 1") == "Newcastle Casework 1")
        #expect(Segment.team("newcastle-casework-1").displayName(teamName: nil) == "newcastle-casework-1")
    }

    static func person(_ id: String, _ team: String, _ roles: [Role], active: Bool = true) -> StaffProfile {
        StaffProfile(staffId: StaffID(id)!, name: "Person \(id)", email: "p\(id)@example.gov.uk", phone: "", team: team,
                     grade: "AO", area: "National", teamLeaderStaffId: nil, roles: roles, active: active)
    }

    /// A cast of people whose roles and teams exercise every branch.
    static let people: [String: StaffProfile] = [
        "newcastleCaseworker": person("1", "Newcastle Casework 1", [.caseworker]),
        "newcastleLeader": person("2", "Newcastle Casework 1", [.teamLeader, .caseworker]),
        "birminghamLeaderOnly": person("3", "Birmingham Casework 2", [.teamLeader]),
        "birminghamCaseworker": person("4", "Birmingham Casework 2", [.caseworker]),
        "scrCaseworker": person("5", "Special Client Records", [.scrCaseworker]),
        "scrLeader": person("6", "Special Client Records", [.teamLeader, .scrCaseworker]),
        "scrManagerOnly": person("7", "Special Client Records", [.scrManager]),
        "scrManagerCaseworker": person("8", "Special Client Records", [.scrManager, .scrCaseworker]),
        "cfatWorker": person("9", "CFAT Banking & Accounting", [.cfat]),
        "cfatLeader": person("10", "CFAT Banking & Accounting", [.teamLeader, .cfat]),
        "teamSCRLeader": person("11", "SCR", [.teamLeader, .caseworker]),
        "teamSCRCaseworker": person("12", "SCR", [.caseworker]),
        "administrator": person("13", "Casework Service Administration", [.administrator, .caseworker]),
        "provisioning": person("14", "FLLS User Provisioning", [.teamLeader, .provisioning]),
    ]

    static let segments: [Segment] = [
        .scr, .cfat, .team("newcastle-casework-1"), .team("birmingham-casework-2"), .team("team-scr"),
        .team("special-client-records"), .team("cfat-banking-accounting"),
    ]

    /// Who works each segment's hopper, by hand.
    static let members: [Segment: Set<String>] = [
        .scr: ["scrCaseworker", "scrLeader", "scrManagerCaseworker"],
        .cfat: ["cfatWorker", "cfatLeader"],
        .team("newcastle-casework-1"): ["newcastleCaseworker", "newcastleLeader"],
        .team("birmingham-casework-2"): ["birminghamCaseworker"],
        .team("team-scr"): ["teamSCRLeader", "teamSCRCaseworker"],
        .team("special-client-records"): [],
        .team("cfat-banking-accounting"): [],
    ]

    /// Who may assign from each segment, and acting in which role, by hand.
    static let assigners: [Segment: Set<String>] = [
        .scr: ["scrManagerOnly/scrManager", "scrManagerCaseworker/scrManager", "scrLeader/teamLeader"],
        .cfat: ["cfatLeader/teamLeader"],
        .team("newcastle-casework-1"): ["newcastleLeader/teamLeader"],
        .team("birmingham-casework-2"): ["birminghamLeaderOnly/teamLeader"],
        .team("team-scr"): ["teamSCRLeader/teamLeader"],
        .team("special-client-records"): ["scrLeader/teamLeader"],
        .team("cfat-banking-accounting"): ["cfatLeader/teamLeader"],
    ]

    @Test(arguments: segments)
    func hasMemberMatchesTheTable(segment: Segment) throws {
        let expected = try #require(Self.members[segment])
        for (key, person) in Self.people {
            #expect(segment.hasMember(person) == expected.contains(key), "\(key) in \(segment)")
        }
    }

    @Test(arguments: segments)
    func mayAssignMatchesTheTableForEveryRole(segment: Segment) throws {
        let expected = try #require(Self.assigners[segment])
        for (key, person) in Self.people {
            for role in Role.allCases {
                #expect(segment.mayAssign(person, actingAs: role) == expected.contains("\(key)/\(role.rawValue)"),
                        "\(key) acting as \(role.rawValue) in \(segment)")
            }
        }
    }

    @Test(arguments: segments)
    func inactivePeopleNeverWorkOrAssign(segment: Segment) {
        for (key, active) in Self.people {
            var person = active
            person.active = false
            #expect(!segment.hasMember(person), "\(key)")
            for role in Role.allCases {
                #expect(!segment.mayAssign(person, actingAs: role), "\(key) as \(role.rawValue)")
            }
        }
    }

    @Test func theTeamLeaderOfATeamCalledSCRMayNotAssignFromTheSCRHopper() throws {
        let leader = try #require(Self.people["teamSCRLeader"])
        #expect(Segment.forTeam(leader.team).mayAssign(leader, actingAs: .teamLeader))
        #expect(!Segment.scr.mayAssign(leader, actingAs: .teamLeader))
        #expect(!Segment.scr.hasMember(try #require(Self.people["teamSCRCaseworker"])))
    }

    // MARK: Assignment

    static func kind(_ error: DomainError?) -> String {
        switch error {
        case nil: "allowed"
        case .conflict?: "conflict"
        case .forbidden?: "forbidden"
        case let other?: "unexpected \(other)"
        }
    }

    static func check(
        status: ServiceRequestStatus = .pendingAssignment, segment: Segment? = .scr, assigner: String = "scrManagerOnly",
        as role: Role = .scrManager, assignee: String = "scrCaseworker", maySee: Bool = true
    ) -> DomainError? {
        WorkAllocation.checkAssignment(
            status: status, segment: segment, assigner: people[assigner]!, assignerRole: role,
            assignee: people[assignee]!, assigneeMaySeeSensitiveContacts: maySee)
    }

    @Test func anSCRManagerMayAssignToAnSCRCaseworker() {
        #expect(Self.check() == nil)
        #expect(Self.check(assigner: "scrLeader", as: .teamLeader) == nil)
    }

    @Test func aTeamLeaderMayAssignWithinTheirTeam() {
        #expect(Self.check(segment: .team("newcastle-casework-1"), assigner: "newcastleLeader", as: .teamLeader,
                           assignee: "newcastleCaseworker") == nil)
        #expect(Self.check(segment: .cfat, assigner: "cfatLeader", as: .teamLeader, assignee: "cfatWorker") == nil)
        // A leader who is also a caseworker in the team may take the work themselves.
        #expect(Self.check(segment: .team("newcastle-casework-1"), assigner: "newcastleLeader", as: .teamLeader,
                           assignee: "newcastleLeader") == nil)
    }

    @Test func aRequestThatWasNeverRoutedCannotBeAssigned() {
        let error = Self.check(segment: nil)
        #expect(Self.kind(error) == "conflict")
        #expect(error?.message.contains("set it to Pending Assignment first") == true)
        // Even when everything else is wrong too, the missing hopper is what is reported.
        #expect(Self.check(status: .closed, segment: nil, assigner: "newcastleCaseworker", as: .caseworker,
                           assignee: "cfatWorker", maySee: false) == error)
    }

    @Test(arguments: [ServiceRequestStatus.open, .assigned, .inProgress, .closed])
    func onlyAPendingRequestCanBeAssigned(status: ServiceRequestStatus) {
        #expect(Self.check(status: status)
            == .conflict("This service request is \(status.displayName), no longer waiting in the SCR hopper"))
    }

    @Test func anAssignerWhoDoesNotLeadTheSegmentIsForbidden() {
        #expect(Self.check(assigner: "scrCaseworker", as: .scrCaseworker)
            == .forbidden("Only an SCR manager or the SCR team leader may assign from the SCR hopper"))
        #expect(Self.check(assigner: "teamSCRLeader", as: .teamLeader)
            == .forbidden("Only an SCR manager or the SCR team leader may assign from the SCR hopper"))
        #expect(Self.check(segment: .team("newcastle-casework-1"), assigner: "birminghamLeaderOnly", as: .teamLeader,
                           assignee: "newcastleCaseworker")
            == .forbidden("Only the team leader of this segment may assign from its hopper"))
        // A leader acting in another role may not assign.
        #expect(Self.kind(Self.check(segment: .team("newcastle-casework-1"), assigner: "newcastleLeader", as: .caseworker,
                                     assignee: "newcastleCaseworker")) == "forbidden")
        // Acting in a role the person does not hold.
        #expect(Self.kind(Self.check(assigner: "scrCaseworker", as: .scrManager)) == "forbidden")
    }

    @Test func theAssigneeMustWorkTheSegment() throws {
        let outsider = try #require(Self.people["newcastleCaseworker"])
        #expect(Self.check(assignee: "newcastleCaseworker")
            == .conflict("\(outsider.label) does not work the SCR hopper: choose a member of that segment"))
        #expect(Self.kind(Self.check(assignee: "scrManagerOnly")) == "conflict")
        #expect(Self.kind(Self.check(segment: .cfat, assigner: "cfatLeader", as: .teamLeader, assignee: "scrCaseworker")) == "conflict")
        var inactive = try #require(Self.people["scrCaseworker"])
        inactive.active = false
        let error = WorkAllocation.checkAssignment(
            status: .pendingAssignment, segment: .scr, assigner: Self.people["scrManagerOnly"]!, assignerRole: .scrManager,
            assignee: inactive, assigneeMaySeeSensitiveContacts: true)
        #expect(Self.kind(error) == "conflict")
    }

    @Test func anAssigneeWhoMayNotSeeTheSensitiveContactsIsForbidden() throws {
        let assignee = try #require(Self.people["scrCaseworker"])
        #expect(Self.check(maySee: false)
            == .forbidden("\(assignee.label) may not see this service request's sensitive contacts, so it cannot be assigned to them"))
        #expect(Self.kind(Self.check(segment: .cfat, assigner: "cfatLeader", as: .teamLeader, assignee: "cfatWorker", maySee: false)) == "forbidden")
    }
}
