import Foundation
import Testing
@testable import CaseworkCore

struct AccessPolicyTests {
    @Test func eachStageAwaitsInTheStatusThatNamesIt() {
        for stage in AccessStage.allCases {
            #expect(stage.awaiting.stage == stage)
            #expect(AccessPolicy.statusAwaiting(stage.role) == stage.awaiting)
        }
        #expect(AccessPolicy.statusAwaiting(.caseworker) == nil && AccessPolicy.statusAwaiting(nil) == nil)
    }

    @Test func theLaterStagesDecidersOverseeEveryRequest() {
        #expect(AccessPolicy.overseeingRoles == [.scrManager, .provisioning])
        #expect(!AccessPolicy.overseesAll(.teamLeader) && !AccessPolicy.overseesAll(nil))
    }

    @Test(arguments: [
        ("20010002", nil as Role?, true),          // the requester
        ("20010001", Role.teamLeader, true),       // their team leader
        ("20020001", Role.teamLeader, false),      // another team's leader
        ("30000002", Role.scrManager, true),
        ("40000002", Role.provisioning, true),
        ("20010003", Role.caseworker, false),      // a colleague
        ("90000001", Role.administrator, false),
    ])
    func aRequestIsSeenByThosePartyToItAndThoseWhoOversee(_ viewer: String, _ role: Role?, _ may: Bool) {
        #expect(AccessPolicy.mayView(requester: "20010002", teamLeader: "20010001", viewer: viewer, role: role) == may)
        #expect(AccessPolicy.mayViewGrant(holder: "20010002", teamLeader: "20010001", viewer: viewer, role: role) == may)
    }

    @Test func grantsAreListedByTheirHolderTeamLeadersAndThoseWhoOversee() {
        #expect(AccessPolicy.mayListGrants(of: "20010002", viewer: "20010002", role: .caseworker))
        #expect(!AccessPolicy.mayListGrants(of: "20010002", viewer: "20010003", role: .caseworker))
        #expect(AccessPolicy.mayListGrants(of: "20010002", viewer: "20010001", role: .teamLeader))
        #expect(AccessPolicy.mayListGrants(of: "20010002", viewer: "40000002", role: .provisioning))
    }

    @Test func evidenceIsForSCRManagersAndAdministrators() {
        #expect(Role.allCases.filter(AccessPolicy.mayReadEvidence) == [.scrManager, .administrator])
    }

    @Test func onlyTheRequesterAsCaseworkerCopiesARequestThatEndedWithoutAGrant() {
        for status in AccessRequestStatus.allCases {
            let may = AccessPolicy.mayCopy(status: status, requester: "20010002", viewer: "20010002", role: .caseworker)
            #expect(may == [.rejected, .returned, .withdrawn].contains(status), "\(status)")
        }
        #expect(!AccessPolicy.mayCopy(status: .rejected, requester: "20010002", viewer: "20010003", role: .caseworker))
        #expect(!AccessPolicy.mayCopy(status: .rejected, requester: "20010002", viewer: "20010002", role: .teamLeader))
    }
}
