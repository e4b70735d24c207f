import Foundation
import Testing
@testable import CaseworkCore

struct ServiceRequestTransitionTests {
    enum Outcome: String, CustomStringConvertible {
        case allowed, conflict, forbidden
        var description: String { rawValue }

        init(_ error: DomainError?) {
            switch error {
            case nil: self = .allowed
            case .conflict?: self = .conflict
            case .forbidden?: self = .forbidden
            case let other?: Issue.record("unexpected refusal \(other)"); self = .conflict
            }
        }
    }

    struct Move: Hashable, CustomStringConvertible {
        var from: ServiceRequestStatus
        var to: ServiceRequestStatus
        init(_ from: ServiceRequestStatus, _ to: ServiceRequestStatus) { self.from = from; self.to = to }
        var description: String { "\(from.rawValue) -> \(to.rawValue)" }
    }

    /// What each of the three actors gets, in the order creator, assignee, someone else.
    struct Expected {
        var creator: Outcome
        var assignee: Outcome
        var other: Outcome
        init(_ creator: Outcome, _ assignee: Outcome, _ other: Outcome) {
            self.creator = creator; self.assignee = assignee; self.other = other
        }
    }

    static let creator = StaffID("20010002")!
    static let assignee = StaffID("20010003")!
    static let someoneElse = StaffID("20010004")!

    /// The whole table, written out by hand: every (from, to) pair of the five statuses.
    static let table: [Move: Expected] = {
        let a = Outcome.allowed, c = Outcome.conflict, f = Outcome.forbidden
        return [
            Move(.open, .open): Expected(c, c, c),
            Move(.open, .pendingAssignment): Expected(a, a, a),
            Move(.open, .assigned): Expected(c, c, c),
            Move(.open, .inProgress): Expected(c, c, c),
            Move(.open, .closed): Expected(a, f, f),

            Move(.pendingAssignment, .open): Expected(c, c, c),
            Move(.pendingAssignment, .pendingAssignment): Expected(c, c, c),
            Move(.pendingAssignment, .assigned): Expected(c, c, c),
            Move(.pendingAssignment, .inProgress): Expected(c, c, c),
            Move(.pendingAssignment, .closed): Expected(c, c, c),

            Move(.assigned, .open): Expected(c, c, c),
            Move(.assigned, .pendingAssignment): Expected(f, a, f),
            Move(.assigned, .assigned): Expected(c, c, c),
            Move(.assigned, .inProgress): Expected(f, a, f),
            Move(.assigned, .closed): Expected(c, c, c),

            Move(.inProgress, .open): Expected(c, c, c),
            Move(.inProgress, .pendingAssignment): Expected(f, a, f),
            Move(.inProgress, .assigned): Expected(c, c, c),
            Move(.inProgress, .inProgress): Expected(c, c, c),
            Move(.inProgress, .closed): Expected(f, a, f),

            Move(.closed, .open): Expected(c, c, c),
            Move(.closed, .pendingAssignment): Expected(c, c, c),
            Move(.closed, .assigned): Expected(c, c, c),
            Move(.closed, .inProgress): Expected(c, c, c),
            Move(.closed, .closed): Expected(c, c, c),
        ]
    }()

    static func facts(_ status: ServiceRequestStatus, assignee: StaffID? = Self.assignee) -> ServiceRequestFacts {
        ServiceRequestFacts(status: status, creatorStaffId: creator, assigneeStaffId: assignee)
    }

    @Test func theTableCoversEveryPairOfStatuses() {
        #expect(ServiceRequestStatus.allCases.count == 5)
        for from in ServiceRequestStatus.allCases {
            for to in ServiceRequestStatus.allCases {
                #expect(Self.table[Move(from, to)] != nil, "missing \(Move(from, to))")
            }
        }
        #expect(Self.table.count == 25)
    }

    @Test(arguments: ServiceRequestStatus.allCases)
    func everyMoveFromAStatusGivesTheExpectedOutcomeForEachActor(from: ServiceRequestStatus) throws {
        for to in ServiceRequestStatus.allCases {
            let move = Move(from, to)
            let expected = try #require(Self.table[move])
            let facts = Self.facts(from)
            #expect(Outcome(ServiceRequestTransitions.refusal(facts, to: to, by: Self.creator)) == expected.creator, "creator: \(move)")
            #expect(Outcome(ServiceRequestTransitions.refusal(facts, to: to, by: Self.assignee)) == expected.assignee, "assignee: \(move)")
            #expect(Outcome(ServiceRequestTransitions.refusal(facts, to: to, by: Self.someoneElse)) == expected.other, "someone else: \(move)")
        }
    }

    @Test func onlySixMovesAreAllowedToAnyone() {
        var allowedSomewhere = Set<Move>()
        for from in ServiceRequestStatus.allCases {
            for to in ServiceRequestStatus.allCases {
                let facts = Self.facts(from)
                if [Self.creator, Self.assignee, Self.someoneElse].contains(where: {
                    ServiceRequestTransitions.refusal(facts, to: to, by: $0) == nil
                }) {
                    allowedSomewhere.insert(Move(from, to))
                }
            }
        }
        #expect(allowedSomewhere == [
            Move(.open, .pendingAssignment), Move(.open, .closed), Move(.assigned, .pendingAssignment),
            Move(.assigned, .inProgress), Move(.inProgress, .pendingAssignment), Move(.inProgress, .closed),
        ])
    }

    @Test(arguments: [ServiceRequestStatus.assigned, .inProgress])
    func withNoAssigneeNobodyMayWorkOrHandBackTheRequest(from: ServiceRequestStatus) {
        let facts = Self.facts(from, assignee: nil)
        for target in [ServiceRequestStatus.pendingAssignment, from == .assigned ? .inProgress : .closed] {
            for actor in [Self.creator, Self.assignee, Self.someoneElse] {
                #expect(Outcome(ServiceRequestTransitions.refusal(facts, to: target, by: actor)) == .forbidden, "\(actor) \(from) -> \(target)")
            }
        }
    }

    @Test func aCreatorWhoIsAlsoTheAssigneeMayWorkTheRequest() {
        let facts = ServiceRequestFacts(status: .assigned, creatorStaffId: Self.creator, assigneeStaffId: Self.creator)
        #expect(ServiceRequestTransitions.refusal(facts, to: .inProgress, by: Self.creator) == nil)
    }

    @Test func refusalsExplainThemselves() {
        #expect(ServiceRequestTransitions.refusal(Self.facts(.inProgress), to: .inProgress, by: Self.assignee)
            == .conflict("The service request is already In progress"))
        #expect(ServiceRequestTransitions.refusal(Self.facts(.closed), to: .open, by: Self.creator)
            == .conflict("The service request is closed"))
        #expect(ServiceRequestTransitions.refusal(Self.facts(.pendingAssignment), to: .assigned, by: Self.creator)
            == .conflict("Assign a service request from its hopper: its status becomes Assigned then"))
        #expect(ServiceRequestTransitions.refusal(Self.facts(.pendingAssignment), to: .closed, by: Self.creator)
            == .conflict("A service request cannot go from Pending Assignment to Closed"))
        #expect(ServiceRequestTransitions.refusal(Self.facts(.open), to: .closed, by: Self.assignee)
            == .forbidden("Only the person who raised an open service request may close it"))
        #expect(ServiceRequestTransitions.refusal(Self.facts(.assigned), to: .inProgress, by: Self.creator)
            == .forbidden("Only the person it is assigned to may change it from Assigned"))
        #expect(ServiceRequestTransitions.refusal(Self.facts(.inProgress), to: .pendingAssignment, by: Self.someoneElse)
            == .forbidden("Only the person it is assigned to may hand it back to the hopper"))
    }
}
