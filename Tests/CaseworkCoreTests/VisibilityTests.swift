import Foundation
import Testing
@testable import CaseworkCore

struct VisibilityTests {
    static let allNineRoles: [Role] = [
        .caseworker, .teamLeader, .scrManager, .scrCaseworker, .provisioning, .cfat, .toolCaseWorker,
        .toolSystemAdministrator, .administrator,
    ]
    /// The roles that see sensitive contacts without a grant, stated by hand.
    static let sensitiveWithoutGrant: Set<Role> = [.scrCaseworker, .scrManager]

    static let viewer = StaffID("20010002")!
    static let otherPerson = StaffID("20010003")!
    static let contact = "contact-1"
    static let start = utcInstant(2026, 11, 22, 9, 0)
    static let end = utcInstant(2026, 11, 22, 17, 0)
    static let during = utcInstant(2026, 11, 22, 12, 0)

    static func grant(_ purpose: GrantPurpose, holder: StaffID = viewer, contacts: Set<String> = [contact],
                      from: Date = start, until: Date = end) -> GrantCoverage {
        GrantCoverage(holder: holder, purpose: purpose, contactIds: contacts, from: from, until: until)
    }

    static func decide(
        _ action: ContactAction, role: Role = .caseworker, sensitive: Bool = true, contact: String = contact,
        grants: [GrantCoverage] = [], at instant: Date = during
    ) -> Visibility.Decision {
        Visibility.decide(contactId: contact, sensitive: sensitive, action: action, viewer: viewer, role: role,
                          grants: grants, at: instant)
    }

    @Test func theTableNamesEveryRole() {
        #expect(Set(Self.allNineRoles) == Set(Role.allCases))
        #expect(Self.allNineRoles.count == 9)
    }

    @Test(arguments: allNineRoles)
    func withoutGrantsOrdinaryIsOpenAndSensitiveNeedsAnSCRRole(role: Role) {
        for action in [ContactAction.view, .link] {
            #expect(Self.decide(action, role: role, sensitive: false) == .allowed("ordinary contact"), "\(role) \(action) ordinary")
            let sensitive = Self.decide(action, role: role, sensitive: true)
            #expect(sensitive.isAllowed == Self.sensitiveWithoutGrant.contains(role), "\(role) \(action) sensitive")
        }
    }

    @Test func theReasonsNameTheRule() {
        #expect(Self.decide(.view, role: .scrManager) == .allowed("scrManager sees sensitive contacts"))
        #expect(Self.decide(.link, role: .caseworker)
            == .denied("it is a Special Client Record: SCR rights or a live temporary grant are needed"))
    }

    /// What a live grant naming the contact allows, by purpose and action, by hand.
    static let grantTable: [GrantPurpose: [ContactAction: Bool]] = [
        .viewContact: [.view: true, .link: false],
        .routeServiceRequest: [.view: true, .link: true],
        .financeActions: [.view: true, .link: true],
    ]

    @Test(arguments: GrantPurpose.allCases)
    func aLiveGrantAllowsWhatItsPurposeCovers(purpose: GrantPurpose) throws {
        let row = try #require(Self.grantTable[purpose])
        for role in Self.allNineRoles where !Self.sensitiveWithoutGrant.contains(role) {
            for action in [ContactAction.view, .link] {
                let expected = try #require(row[action] as Bool?)
                #expect(Self.decide(action, role: role, grants: [Self.grant(purpose)]).isAllowed == expected,
                        "\(purpose) \(action) as \(role)")
            }
        }
    }

    @Test func aGrantsReasonNamesItsPurposeAndExpiry() {
        #expect(Self.decide(.link, grants: [Self.grant(.financeActions)])
            == .allowed("temporary grant for financeActions until 2026-11-22T17:00:00Z"))
        #expect(Self.decide(.link, grants: [Self.grant(.viewContact)])
            == .denied("the temporary grant is for viewContact, which does not allow this"))
    }

    @Test func aGrantThatCoversTheActionWinsOverOneThatDoesNot() {
        let grants = [Self.grant(.viewContact), Self.grant(.routeServiceRequest)]
        #expect(Self.decide(.link, grants: grants).isAllowed)
    }

    @Test func aGrantNamingSeveralContactsCoversEachButNoOther() {
        let grants = [Self.grant(.viewContact, contacts: ["contact-1", "contact-2"])]
        #expect(Self.decide(.view, contact: "contact-1", grants: grants).isAllowed)
        #expect(Self.decide(.view, contact: "contact-2", grants: grants).isAllowed)
        #expect(!Self.decide(.view, contact: "contact-3", grants: grants).isAllowed)
    }

    @Test(arguments: GrantPurpose.allCases)
    func aGrantForAnotherContactOrHolderDoesNothing(purpose: GrantPurpose) {
        for action in [ContactAction.view, .link] {
            #expect(Self.decide(action, grants: [Self.grant(purpose, contacts: ["contact-2"])])
                == .denied("it is a Special Client Record: SCR rights or a live temporary grant are needed"))
            #expect(Self.decide(action, grants: [Self.grant(purpose, holder: Self.otherPerson)])
                == .denied("it is a Special Client Record: SCR rights or a live temporary grant are needed"))
            #expect(!Self.decide(action, grants: [Self.grant(purpose, contacts: [])]).isAllowed)
        }
    }

    @Test(arguments: GrantPurpose.allCases)
    func aGrantIsLiveFromItsFirstInstantUpToButNotIncludingItsExpiry(purpose: GrantPurpose) {
        let grants = [Self.grant(purpose)]
        let oneSecond: TimeInterval = 1
        #expect(!Self.decide(.view, grants: grants, at: Self.start.addingTimeInterval(-oneSecond)).isAllowed, "not yet started")
        #expect(Self.decide(.view, grants: grants, at: Self.start).isAllowed, "first instant")
        #expect(Self.decide(.view, grants: grants, at: Self.end.addingTimeInterval(-oneSecond)).isAllowed, "one second before expiry")
        #expect(!Self.decide(.view, grants: grants, at: Self.end).isAllowed, "at expiry")
        #expect(!Self.decide(.view, grants: grants, at: Self.end.addingTimeInterval(oneSecond)).isAllowed, "after expiry")
        #expect(!Self.grant(purpose).isLive(at: Self.end))
        #expect(Self.grant(purpose).isLive(at: Self.start))
    }

    @Test func anExpiredGrantIsReportedAsNoGrant() {
        #expect(Self.decide(.view, grants: [Self.grant(.viewContact)], at: Self.end)
            == .denied("it is a Special Client Record: SCR rights or a live temporary grant are needed"))
    }

    @Test func grantsDoNotMatterForOrdinaryContacts() {
        for purpose in GrantPurpose.allCases {
            #expect(Self.decide(.link, sensitive: false, grants: [Self.grant(purpose, holder: Self.otherPerson)]).isAllowed)
        }
    }

    /// An assignee may see a contact when any one of their roles may: a team leader who is also an SCR caseworker
    /// keeps sensitive work with no grant; a caseworker keeps it only under a live grant naming the contact.
    @Test func aPersonMaySeeAContactWhenAnyOfTheirRolesMay() {
        func person(_ roles: [Role]) -> StaffProfile {
            StaffProfile(staffId: Self.viewer, name: "Tom", email: "", phone: "", team: "A", grade: "EO", area: "N",
                         teamLeaderStaffId: nil, roles: roles)
        }
        func maySee(_ roles: [Role], sensitive: Bool = true, grants: [GrantCoverage] = [], at instant: Date = Self.during) -> Bool {
            Visibility.maySee(contactId: Self.contact, sensitive: sensitive, person: person(roles), grants: grants, at: instant)
        }
        #expect(maySee([.teamLeader, .scrCaseworker]))
        #expect(!maySee([.teamLeader, .caseworker]))
        #expect(maySee([.caseworker], sensitive: false))
        #expect(!maySee([]), "no role, no record")
        #expect(maySee([.caseworker], grants: [Self.grant(.viewContact)]))
        #expect(!maySee([.caseworker], grants: [Self.grant(.viewContact)], at: Self.end), "the grant has expired")
        #expect(!maySee([.caseworker], grants: [Self.grant(.viewContact, holder: Self.otherPerson)]), "someone else's grant")
        #expect(!maySee([.caseworker], grants: [Self.grant(.viewContact, contacts: ["contact-2"])]), "a grant for another contact")
    }
}
