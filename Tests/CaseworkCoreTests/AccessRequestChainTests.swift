import Foundation
import Testing
@testable import CaseworkCore

/// The CSUA150 decision chain (seed 000): team leader countersigns or returns, the SCR manager approves or
/// rejects, provisioning (FLLS) grants or rejects. Expected outcomes come from tables written out here,
/// never from the code under test.
struct AccessRequestChainTests {
    // MARK: People

    static let requester = StaffID("30000001")!
    /// The requester's own team leader, as the directory had it when the request was made.
    static let teamLeader = StaffID("30000002")!
    static let scrManager = StaffID("30000003")!
    static let provisioner = StaffID("30000004")!
    /// Someone with no part in this request.
    static let unrelated = StaffID("30000009")!

    static let requestedMinutes = 240

    // MARK: The rules, as data

    /// What the stage waiting at a status needs and does. Final statuses have no row: they take no decisions.
    struct StageRule {
        var stage: AccessStage
        var role: Role
        var approveMovesTo: AccessRequestStatus
        var mayReturn: Bool
        var mustBeRequestersTeamLeader: Bool
        var approveSetsGrant: Bool
    }

    static let stageRules: [AccessRequestStatus: StageRule] = [
        .awaitingTeamLeader: StageRule(stage: .teamLeader, role: .teamLeader, approveMovesTo: .awaitingScrManager,
                                       mayReturn: true, mustBeRequestersTeamLeader: true, approveSetsGrant: false),
        .awaitingScrManager: StageRule(stage: .scrManager, role: .scrManager, approveMovesTo: .awaitingProvisioning,
                                       mayReturn: false, mustBeRequestersTeamLeader: false, approveSetsGrant: false),
        .awaitingProvisioning: StageRule(stage: .provisioning, role: .provisioning, approveMovesTo: .granted,
                                         mayReturn: false, mustBeRequestersTeamLeader: false, approveSetsGrant: true),
    ]

    /// Every status is either waiting (it has a rule) or final: written out so a new status fails here first.
    static let finalStatuses: Set<AccessRequestStatus> = [.granted, .rejected, .returned, .withdrawn]

    /// The four kinds of person who might try to decide.
    enum ActorKind: String, CaseIterable, CustomStringConvertible {
        case requester, requestersTeamLeader, deciderOfAnotherStage, unrelated
        var description: String { rawValue }
    }

    /// A request as it stands: its status, whom the directory named as team leader, who decided what so far,
    /// and who plays each actor kind. An actor kind is missing where nobody can be it (see `scenarios`).
    struct Scenario: CustomStringConvertible {
        var name: String
        var status: AccessRequestStatus
        var teamLeader: StaffID?
        var deciders: [AccessStage: StaffID]
        var actors: [ActorKind: StaffID]

        var description: String { "\(name)/\(status.rawValue)" }

        var facts: AccessRequestFacts {
            AccessRequestFacts(status: status, requester: AccessRequestChainTests.requester, teamLeader: teamLeader,
                               requestedMinutes: AccessRequestChainTests.requestedMinutes, deciders: deciders)
        }
    }

    /// The requests the exhaustive test tries.
    ///
    /// "ordinary": the requester has a team leader of their own; every status, with the deciders a real request
    /// reaching that status would have. Nobody has decided anything at awaitingTeamLeader, nor on a request
    /// withdrawn before its first decision, so "a decider of another stage" does not exist there. At
    /// awaitingScrManager the only earlier decider is the team leader, so both kinds are the same person (and the
    /// team leader is refused for having decided the first stage). At awaitingProvisioning the SCR manager plays
    /// the earlier decider, so the rule is tried on someone who is not the team leader too.
    ///
    /// "own leader": a team leader's own request where the directory names the requester as their own team leader;
    /// "no leader": a request where the directory names no team leader. Neither can pass the first stage (the
    /// requester never decides, and nobody else is their team leader), so the only statuses such a request can
    /// be in are awaitingTeamLeader and withdrawn; the later statuses would need a decision the rules forbid.
    static let scenarios: [Scenario] = {
        let r = requester, tl = teamLeader, sm = scrManager, pv = provisioner, u = unrelated
        func ordinary(_ status: AccessRequestStatus, _ deciders: [AccessStage: StaffID], earlier: StaffID?) -> Scenario {
            var actors: [ActorKind: StaffID] = [.requester: r, .requestersTeamLeader: tl, .unrelated: u]
            actors[.deciderOfAnotherStage] = earlier
            return Scenario(name: "ordinary", status: status, teamLeader: tl, deciders: deciders, actors: actors)
        }
        return [
            ordinary(.awaitingTeamLeader, [:], earlier: nil),
            ordinary(.awaitingScrManager, [.teamLeader: tl], earlier: tl),
            ordinary(.awaitingProvisioning, [.teamLeader: tl, .scrManager: sm], earlier: sm),
            ordinary(.granted, [.teamLeader: tl, .scrManager: sm, .provisioning: pv], earlier: pv),
            ordinary(.rejected, [.teamLeader: tl, .scrManager: sm], earlier: sm),
            ordinary(.returned, [.teamLeader: tl], earlier: tl),
            ordinary(.withdrawn, [:], earlier: nil),
            Scenario(name: "own leader", status: .awaitingTeamLeader, teamLeader: r, deciders: [:],
                     actors: [.requester: r, .requestersTeamLeader: r, .unrelated: u]),
            Scenario(name: "own leader", status: .withdrawn, teamLeader: r, deciders: [:],
                     actors: [.requester: r, .requestersTeamLeader: r, .unrelated: u]),
            // With no team leader named, the actual team leader of some other team plays "team leader".
            Scenario(name: "no leader", status: .awaitingTeamLeader, teamLeader: nil, deciders: [:],
                     actors: [.requester: r, .requestersTeamLeader: tl, .unrelated: u]),
            Scenario(name: "no leader", status: .withdrawn, teamLeader: nil, deciders: [:],
                     actors: [.requester: r, .requestersTeamLeader: tl, .unrelated: u]),
        ]
    }()

    /// Why a decision is refused with 403: the documented checks, in their documented order.
    enum ForbiddenBecause: String, CustomStringConvertible {
        case wrongRole, notTheRequestersTeamLeader, ownRequest, decidedAnotherStage
        var description: String { rawValue }

        /// The only way to see which 403 check fired is the sentence; these are the words that tell them apart.
        var telltale: String {
            switch self {
            case .wrongRole: "may decide it"
            case .notTheRequestersTeamLeader: "own team leader"
            case .ownRequest: "own request"
            case .decidedAnotherStage: "two stages"
            }
        }
    }

    enum Expected: Equatable, CustomStringConvertible {
        case moves(stage: AccessStage, to: AccessRequestStatus, grantMinutes: Int?)
        case conflict
        case forbidden(ForbiddenBecause)
        case invalid(fields: [String])

        var description: String {
            switch self {
            case let .moves(stage, to, grant): "\(stage.rawValue) -> \(to.rawValue)\(grant.map { " for \($0) min" } ?? "")"
            case .conflict: "409"
            case let .forbidden(why): "403 \(why)"
            case let .invalid(fields): "422 \(fields)"
            }
        }
    }

    /// The rules applied by hand, from the tables above.
    static func expected(_ scenario: Scenario, _ decision: AccessDecision, actor: StaffID, role: Role, reasonGiven: Bool) -> Expected {
        guard let rule = stageRules[scenario.status] else { return .conflict }
        if role != rule.role {
            // A stage the request has passed, asked again by someone entitled to it: the state forbids it.
            let passedStages: [AccessStage] = switch rule.stage {
            case .teamLeader: []
            case .scrManager: [.teamLeader]
            case .provisioning: [.teamLeader, .scrManager]
            }
            if let passed = passedStages.first(where: { $0.role == role }), passed != .teamLeader || scenario.teamLeader == actor {
                return .conflict
            }
            return .forbidden(.wrongRole)
        }
        if rule.mustBeRequestersTeamLeader && scenario.teamLeader != actor { return .forbidden(.notTheRequestersTeamLeader) }
        if actor == requester { return .forbidden(.ownRequest) }
        if scenario.deciders.contains(where: { $0.key != rule.stage && $0.value == actor }) { return .forbidden(.decidedAnotherStage) }
        var fields: [String] = []
        if decision == .return && !rule.mayReturn { fields.append("decision") }
        if decision != .approve && !reasonGiven { fields.append("reason") }
        if !fields.isEmpty { return .invalid(fields: fields) }
        switch decision {
        case .approve: return .moves(stage: rule.stage, to: rule.approveMovesTo, grantMinutes: rule.approveSetsGrant ? requestedMinutes : nil)
        case .reject: return .moves(stage: rule.stage, to: .rejected, grantMinutes: nil)
        case .return: return .moves(stage: rule.stage, to: .returned, grantMinutes: nil)
        }
    }

    /// What the code did, in the same terms, plus the refusal's sentence. Which 403 check fired is read from
    /// the sentence (`telltale`); a 403 whose sentence matches none is reported as such.
    static func actual(_ result: Result<AccessRequestChain.Outcome, any Error>) -> (Expected?, message: String) {
        switch result {
        case let .success(outcome):
            return (.moves(stage: outcome.stage, to: outcome.newStatus, grantMinutes: outcome.grantMinutes), "")
        case let .failure(error as DomainError):
            switch error {
            case .conflict: return (.conflict, error.message)
            case .forbidden:
                let all: [ForbiddenBecause] = [.wrongRole, .notTheRequestersTeamLeader, .ownRequest, .decidedAnotherStage]
                let matching = all.filter { error.message.contains($0.telltale) }
                return (matching.count == 1 ? .forbidden(matching[0]) : nil, "403 \(error.message)")
            default: return (nil, "unexpected \(error)")
            }
        case let .failure(error as ValidationFailure):
            return (.invalid(fields: error.fields.map(\.name)), error.fields.map(\.message).joined(separator: " | "))
        case let .failure(error):
            return (nil, "unexpected \(error)")
        }
    }

    /// Reasons that count as given, and ones that do not (blank after trimming).
    static let givenReasons: [String] = ["The SR ID on the form is wrong"]
    static let missingReasons: [String?] = [nil, "", "  \n\t "]

    // MARK: 1. Exhaustive

    @Test func everyStatusIsEitherWaitingOrFinal() {
        for status in AccessRequestStatus.allCases {
            #expect((Self.stageRules[status] != nil) != Self.finalStatuses.contains(status), "\(status)")
            #expect(status.isFinal == Self.finalStatuses.contains(status), "\(status)")
        }
        #expect(AccessRequestStatus.allCases.count == 7)
        #expect(Role.allCases.count == 9)
        // Every status appears in the scenarios, so the exhaustive test covers all seven.
        #expect(Set(Self.scenarios.map(\.status)) == Set(AccessRequestStatus.allCases))
    }

    @Test(arguments: scenarios)
    func everyDecisionByEveryRoleAndActor(scenario: Scenario) {
        var checked = 0
        for decision in AccessDecision.allCases {
            for role in Role.allCases {
                for kind in ActorKind.allCases {
                    guard let actor = scenario.actors[kind] else { continue }
                    let reasons: [(String?, Bool)] = Self.givenReasons.map { ($0, true) } + Self.missingReasons.map { ($0, false) }
                    for (reason, given) in reasons {
                        checked += 1
                        let want = Self.expected(scenario, decision, actor: actor, role: role, reasonGiven: given)
                        let result = AccessRequestChain.decide(scenario.facts, decision, by: actor, actingAs: role,
                                                               reason: reason, durationMinutes: nil)
                        let (got, message) = Self.actual(result)
                        let label = "\(scenario) \(decision.rawValue) by \(kind) (\(actor)) as \(role.rawValue), reason \(reason.debugDescription)"
                        #expect(got == want, "\(label): want \(want), got \(got.map(\.description) ?? "nil") \(message)")
                    }
                }
            }
        }
        let kinds = scenario.actors.count
        #expect(checked == AccessDecision.allCases.count * Role.allCases.count * kinds * (Self.givenReasons.count + Self.missingReasons.count))
    }

    @Test func aReasonOverAThousandCharactersIsRefusedEvenWhenApproving() throws {
        let facts = AccessRequestFacts(status: .awaitingTeamLeader, requester: Self.requester, teamLeader: Self.teamLeader,
                                       requestedMinutes: Self.requestedMinutes)
        let long = String(repeating: "x", count: 1001)
        for decision in AccessDecision.allCases {
            let failure = try #require(Self.failure(AccessRequestChain.decide(facts, decision, by: Self.teamLeader, actingAs: .teamLeader,
                                                                             reason: long, durationMinutes: nil)))
            #expect(failure.fields.map(\.name) == ["reason"], "\(decision)")
        }
        // Exactly 1,000 characters, or more only because of surrounding spaces, is fine.
        let limit = "  " + String(repeating: "x", count: 1000) + "\n"
        let outcome = try AccessRequestChain.decide(facts, .reject, by: Self.teamLeader, actingAs: .teamLeader,
                                                    reason: limit, durationMinutes: nil).get()
        #expect(outcome.newStatus == .rejected)
    }

    // MARK: 2. Durations

    static func facts(_ status: AccessRequestStatus, requested: Int = requestedMinutes) -> AccessRequestFacts {
        var deciders: [AccessStage: StaffID] = [:]
        if status == .awaitingScrManager || status == .awaitingProvisioning { deciders[.teamLeader] = teamLeader }
        if status == .awaitingProvisioning { deciders[.scrManager] = scrManager }
        return AccessRequestFacts(status: status, requester: requester, teamLeader: teamLeader, requestedMinutes: requested, deciders: deciders)
    }

    static func failure(_ result: Result<AccessRequestChain.Outcome, any Error>) -> ValidationFailure? {
        if case let .failure(error as ValidationFailure) = result { return error }
        return nil
    }

    @Test func provisioningApprovalWithoutADurationGrantsWhatWasAsked() throws {
        for requested in [1, 15, Self.requestedMinutes, AccessRequestChain.maximumMinutes] {
            let outcome = try AccessRequestChain.decide(Self.facts(.awaitingProvisioning, requested: requested), .approve, by: Self.provisioner,
                                                        actingAs: .provisioning, reason: nil, durationMinutes: nil).get()
            #expect(outcome == AccessRequestChain.Outcome(stage: .provisioning, newStatus: .granted, grantMinutes: requested))
        }
    }

    @Test(arguments: [1, 2, 59, 60, requestedMinutes - 1, requestedMinutes])
    func provisioningMayGrantAnyDurationUpToTheRequest(minutes: Int) throws {
        let outcome = try AccessRequestChain.decide(Self.facts(.awaitingProvisioning), .approve, by: Self.provisioner,
                                                    actingAs: .provisioning, reason: "Shorter is enough", durationMinutes: minutes).get()
        #expect(outcome == AccessRequestChain.Outcome(stage: .provisioning, newStatus: .granted, grantMinutes: minutes))
    }

    @Test(arguments: [0, -1, -60, Int.min, requestedMinutes + 1, requestedMinutes * 2, AccessRequestChain.maximumMinutes + 1, Int.max])
    func provisioningMayNotGrantNothingNegativeOrMoreThanAsked(minutes: Int) throws {
        let failure = try #require(Self.failure(AccessRequestChain.decide(Self.facts(.awaitingProvisioning), .approve, by: Self.provisioner,
                                                                         actingAs: .provisioning, reason: nil, durationMinutes: minutes)))
        #expect(failure.fields.map(\.name) == ["durationMinutes"])
        #expect(failure["durationMinutes"]?.contains("\(Self.requestedMinutes)") == true, "the message says the limit")
    }

    @Test func aOneMinuteRequestCanBeGrantedOneMinuteAndNoMore() throws {
        let facts = Self.facts(.awaitingProvisioning, requested: 1)
        let one = try AccessRequestChain.decide(facts, .approve, by: Self.provisioner, actingAs: .provisioning, reason: nil, durationMinutes: 1).get()
        #expect(one.grantMinutes == 1)
        let two = Self.failure(AccessRequestChain.decide(facts, .approve, by: Self.provisioner, actingAs: .provisioning, reason: nil, durationMinutes: 2))
        #expect(two?.fields.map(\.name) == ["durationMinutes"])
    }

    /// A duration is only for provisioning's approval: anywhere else it is refused, whatever its value.
    @Test(arguments: [1, requestedMinutes, 0, requestedMinutes + 1])
    func aDurationAnywhereButAProvisioningApprovalIsRefused(minutes: Int) throws {
        let deciderAt: [AccessRequestStatus: (StaffID, Role)] = [
            .awaitingTeamLeader: (Self.teamLeader, .teamLeader),
            .awaitingScrManager: (Self.scrManager, .scrManager),
            .awaitingProvisioning: (Self.provisioner, .provisioning),
        ]
        for (status, (actor, role)) in deciderAt {
            for decision in AccessDecision.allCases where !(status == .awaitingProvisioning && decision == .approve) {
                if decision == .return && status != .awaitingTeamLeader { continue } // refused on "decision" anyway; below
                let failure = try #require(Self.failure(AccessRequestChain.decide(Self.facts(status), decision, by: actor, actingAs: role,
                                                                                 reason: "A reason", durationMinutes: minutes)),
                                           "\(status) \(decision) \(minutes)")
                #expect(failure.fields.map(\.name) == ["durationMinutes"], "\(status) \(decision) \(minutes)")
            }
        }
        // Every problem is reported at once, in form order.
        let all = try #require(Self.failure(AccessRequestChain.decide(Self.facts(.awaitingScrManager), .return, by: Self.scrManager,
                                                                     actingAs: .scrManager, reason: " ", durationMinutes: minutes)))
        #expect(all.fields.map(\.name) == ["decision", "reason", "durationMinutes"])
    }

    @Test func aDurationOnAFinalOrForbiddenDecisionGetsTheEarlierRefusal() {
        let granted = AccessRequestChain.decide(Self.facts(.granted), .approve, by: Self.provisioner,
                                                actingAs: .provisioning, reason: nil, durationMinutes: 0)
        #expect(Self.actual(granted).0 == .conflict)
        // A role with no stage (an SCR manager here would meet the 409 for a stage already passed).
        let wrongRole = AccessRequestChain.decide(Self.facts(.awaitingProvisioning), .approve, by: Self.provisioner,
                                                  actingAs: .caseworker, reason: nil, durationMinutes: 0)
        #expect(Self.actual(wrongRole).0 == .forbidden(.wrongRole))
        let passed = AccessRequestChain.decide(Self.facts(.awaitingProvisioning), .approve, by: Self.provisioner,
                                               actingAs: .scrManager, reason: nil, durationMinutes: 0)
        #expect(Self.actual(passed).0 == .conflict)
    }

    // MARK: 3. The whole chain

    /// Applies a successful decision the way the app records it.
    static func apply(_ facts: inout AccessRequestFacts, _ outcome: AccessRequestChain.Outcome, by actor: StaffID) {
        facts.status = outcome.newStatus
        facts.deciders[outcome.stage] = actor
    }

    @Test func threeDifferentPeopleTakeARequestFromCountersignatureToGrant() throws {
        var facts = AccessRequestFacts(status: .awaitingTeamLeader, requester: Self.requester, teamLeader: Self.teamLeader,
                                       requestedMinutes: Self.requestedMinutes)
        let steps: [(StaffID, Role, AccessStage, AccessRequestStatus)] = [
            (Self.teamLeader, .teamLeader, .teamLeader, .awaitingScrManager),
            (Self.scrManager, .scrManager, .scrManager, .awaitingProvisioning),
            (Self.provisioner, .provisioning, .provisioning, .granted),
        ]
        for (actor, role, stage, next) in steps {
            let outcome = try AccessRequestChain.decide(facts, .approve, by: actor, actingAs: role, reason: nil,
                                                        durationMinutes: stage == .provisioning ? 90 : nil).get()
            #expect(outcome.stage == stage)
            #expect(outcome.newStatus == next)
            #expect(outcome.grantMinutes == (stage == .provisioning ? 90 : nil))
            Self.apply(&facts, outcome, by: actor)
        }
        #expect(facts.status == .granted)
        #expect(facts.deciders == [.teamLeader: Self.teamLeader, .scrManager: Self.scrManager, .provisioning: Self.provisioner])
        // A granted request takes nothing more, from anyone.
        let again = AccessRequestChain.decide(facts, .approve, by: Self.provisioner, actingAs: .provisioning, reason: nil, durationMinutes: nil)
        #expect(Self.actual(again).0 == .conflict)
    }

    @Test func someoneWhoApprovedAsScrManagerCannotAlsoProvision() throws {
        // One person holds both the SCR manager and provisioning roles.
        let both = StaffID("30000005")!
        var facts = Self.facts(.awaitingScrManager)
        let first = try AccessRequestChain.decide(facts, .approve, by: both, actingAs: .scrManager, reason: nil, durationMinutes: nil).get()
        Self.apply(&facts, first, by: both)
        #expect(facts.status == .awaitingProvisioning)
        for decision in [AccessDecision.approve, .reject] {
            let second = AccessRequestChain.decide(facts, decision, by: both, actingAs: .provisioning, reason: "Because", durationMinutes: nil)
            #expect(Self.actual(second).0 == .forbidden(.decidedAnotherStage), "\(decision): \(Self.actual(second).message)")
        }
        // Someone else in the provisioning role can.
        let other = try AccessRequestChain.decide(facts, .approve, by: Self.provisioner, actingAs: .provisioning, reason: nil, durationMinutes: nil).get()
        #expect(other.newStatus == .granted)
    }

    @Test func theTeamLeaderWhoCountersignedCannotAlsoDecideALaterStage() throws {
        var facts = Self.facts(.awaitingTeamLeader)
        let first = try AccessRequestChain.decide(facts, .approve, by: Self.teamLeader, actingAs: .teamLeader, reason: nil, durationMinutes: nil).get()
        Self.apply(&facts, first, by: Self.teamLeader)
        let asManager = AccessRequestChain.decide(facts, .approve, by: Self.teamLeader, actingAs: .scrManager, reason: nil, durationMinutes: nil)
        #expect(Self.actual(asManager).0 == .forbidden(.decidedAnotherStage))
        let manager = try AccessRequestChain.decide(facts, .approve, by: Self.scrManager, actingAs: .scrManager, reason: nil, durationMinutes: nil).get()
        Self.apply(&facts, manager, by: Self.scrManager)
        let asProvisioning = AccessRequestChain.decide(facts, .reject, by: Self.teamLeader, actingAs: .provisioning, reason: "No", durationMinutes: nil)
        #expect(Self.actual(asProvisioning).0 == .forbidden(.decidedAnotherStage))
    }

    @Test func aRequesterWhoHoldsADecidingRoleStillCannotDecideTheirOwnRequest() {
        for status in [AccessRequestStatus.awaitingScrManager, .awaitingProvisioning] {
            let role = Self.stageRules[status]!.role
            for decision in AccessDecision.allCases {
                let result = AccessRequestChain.decide(Self.facts(status), decision, by: Self.requester, actingAs: role,
                                                       reason: "Reason", durationMinutes: nil)
                #expect(Self.actual(result).0 == .forbidden(.ownRequest), "\(status) \(decision)")
            }
        }
    }

    // MARK: 4. Withdrawal

    @Test(arguments: AccessRequestStatus.allCases)
    func onlyTheRequesterWithdrawsAndOnlyWhileTheRequestIsOpen(status: AccessRequestStatus) {
        let facts = Self.facts(status)
        let open = !Self.finalStatuses.contains(status)
        if open {
            #expect(AccessRequestChain.withdrawal(facts, by: Self.requester) == nil)
        } else {
            guard case .conflict? = AccessRequestChain.withdrawal(facts, by: Self.requester) else {
                Issue.record("\(status): a final request cannot be withdrawn, want 409")
                return
            }
        }
        // Nobody else may, not even the team leader or someone who decided: refused as 403 whatever the status.
        for other in [Self.teamLeader, Self.scrManager, Self.provisioner, Self.unrelated] {
            guard case .forbidden? = AccessRequestChain.withdrawal(facts, by: other) else {
                Issue.record("\(status): \(other) is not the requester, want 403, got \(String(describing: AccessRequestChain.withdrawal(facts, by: other)))")
                continue
            }
        }
    }

    // MARK: 6. Random sequences

    /// Random decisions by random people in random roles, each applied only when the chain allows it. Whenever
    /// a request ends up granted, the three successful decisions must be approvals of the three stages in order,
    /// in the three stage roles, by three different people, none the requester, the first their team leader.
    @Test(arguments: [("ordinary", Optional(teamLeader)), ("own leader", Optional(requester)), ("no leader", nil)] as [(String, StaffID?)])
    func randomDecisionsNeverGrantWithoutThreeProperApprovals(name: String, recordedTeamLeader: StaffID?) {
        var random = SeededGenerator(seed: 0xCA5E_0150)
        let people = [Self.requester, Self.teamLeader, Self.scrManager, Self.provisioner, Self.unrelated, StaffID("30000006")!]
        let stageRoles: [Role] = [.teamLeader, .scrManager, .provisioning]
        let reasons: [String?] = [nil, "", "Form incomplete", "Not justified"]
        let durations: [Int?] = [nil, nil, nil, 1, Self.requestedMinutes, 0, Self.requestedMinutes + 1]
        var finals: [AccessRequestStatus: Int] = [:]
        var successes = 0

        for run in 0..<3000 {
            var facts = AccessRequestFacts(status: .awaitingTeamLeader, requester: Self.requester, teamLeader: recordedTeamLeader,
                                           requestedMinutes: Self.requestedMinutes)
            var log: [(stage: AccessStage, decision: AccessDecision, actor: StaffID, role: Role)] = []
            for step in 0..<40 {
                let actor = people.randomElement(using: &random)!
                let role = Bool.random(using: &random) ? stageRoles.randomElement(using: &random)! : Role.allCases.randomElement(using: &random)!
                let decision: AccessDecision = Int.random(in: 0..<10, using: &random) < 7 ? .approve
                    : AccessDecision.allCases.randomElement(using: &random)!
                let result = AccessRequestChain.decide(facts, decision, by: actor, actingAs: role,
                                                       reason: reasons.randomElement(using: &random)!,
                                                       durationMinutes: durations.randomElement(using: &random)!)
                let wasFinal = Self.finalStatuses.contains(facts.status)
                switch result {
                case let .success(outcome):
                    #expect(!wasFinal, "run \(run) step \(step): a \(facts.status) request took a decision")
                    successes += 1
                    log.append((outcome.stage, decision, actor, role))
                    Self.apply(&facts, outcome, by: actor)
                case let .failure(error):
                    if wasFinal {
                        #expect(Self.actual(result).0 == .conflict,
                                "run \(run) step \(step): a final request must refuse with 409, got \(error)")
                    }
                }
                if facts.status == .granted {
                    let proper = log.count == 3
                        && log.map(\.stage) == [.teamLeader, .scrManager, .provisioning]
                        && log.map(\.role) == [.teamLeader, .scrManager, .provisioning]
                        && log.allSatisfy { $0.decision == .approve }
                        && Set(log.map(\.actor)).count == 3
                        && !log.contains { $0.actor == Self.requester }
                        && log[0].actor == recordedTeamLeader && log[0].actor == Self.teamLeader
                    #expect(proper, "run \(run): granted after \(log)")
                }
                if Self.finalStatuses.contains(facts.status) && Int.random(in: 0..<4, using: &random) == 0 { break }
            }
            finals[facts.status, default: 0] += 1
        }

        if name == "ordinary" {
            // The walk really explores: it grants, rejects and returns a fair number of times.
            #expect(finals[.granted, default: 0] >= 20, "\(finals)")
            #expect(finals[.rejected, default: 0] >= 20, "\(finals)")
            #expect(finals[.returned, default: 0] >= 20, "\(finals)")
        } else {
            // Without a team leader other than the requester, nothing ever passes the first stage.
            #expect(successes == 0, "\(name): \(successes) decisions succeeded, \(finals)")
            #expect(finals == [.awaitingTeamLeader: 3000], "\(finals)")
        }
    }
}
