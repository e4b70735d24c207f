import Foundation
import Testing
@testable import CaseworkCore

struct DemoRecordsTests {
    static let today = utcInstant(2026, 11, 22)
    let clients = DemoRecords.clients
    let cases = DemoRecords.cases
    let requests = DemoRecords.serviceRequests

    var clientsByKey: [String: DemoRecords.Client] {
        Dictionary(clients.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
    }

    @Test func clientKeysAreUnique() {
        let keys = clients.map(\.key)
        #expect(!keys.isEmpty)
        #expect(Set(keys).count == keys.count)
    }

    @Test func everyDemoNINOIsValid() {
        let ninos = clients.map(\.input.nino).filter { !$0.isEmpty }
        #expect(!ninos.isEmpty)
        for nino in ninos { #expect(NINO(nino) != nil, "\(nino)") }
    }

    @Test func everyClientValidates() {
        for client in clients {
            #expect(throws: Never.self, "\(client.key)") { _ = try client.input.validated(today: Self.today) }
        }
    }

    @Test func clientIdentifiersAreUnique() throws {
        let valid = try clients.map { try $0.input.validated(today: Self.today) }
        for identifiers in [valid.compactMap(\.nino?.value), valid.compactMap(\.scin), valid.compactMap(\.crn)] {
            #expect(Set(identifiers).count == identifiers.count, "\(identifiers)")
        }
    }

    @Test func atLeastTwoClientsAreSensitiveAndSomeAreOrdinary() {
        #expect(clients.filter(\.sensitive).count >= 2)
        #expect(clients.contains { !$0.sensitive })
    }

    @Test func caseNumbersAreUnique() {
        let numbers = cases.map(\.caseNumber)
        #expect(Set(numbers).count == numbers.count)
    }

    @Test func everyCasePassesTheCaseRules() {
        for demoCase in cases {
            let participants = demoCase.participants.map { (contactId: $0.clientKey, role: $0.role.rawValue) }
            #expect(throws: Never.self, "\(demoCase.caseNumber)") { _ = try CaseRules.check(participants: participants) }
        }
    }

    @Test func everyCaseRefersToExistingClients() {
        let keys = Set(clients.map(\.key))
        for demoCase in cases {
            for participant in demoCase.participants {
                #expect(keys.contains(participant.clientKey), "\(demoCase.caseNumber): \(participant.clientKey)")
            }
        }
    }

    @Test func everyServiceRequestRefersToAnExistingCaseAndClientOnThatCase() {
        let caseNumbers = Dictionary(cases.map { ($0.caseNumber, $0) }, uniquingKeysWith: { first, _ in first })
        let keys = Set(clients.map(\.key))
        for request in requests {
            #expect(request.caseNumber != nil || request.clientKey != nil, "\(request.description)")
            if let key = request.clientKey { #expect(keys.contains(key), "\(key)") }
            if let number = request.caseNumber {
                let demoCase = caseNumbers[number]
                #expect(demoCase != nil, "\(number)")
                if let key = request.clientKey, let demoCase {
                    #expect(demoCase.participants.contains { $0.clientKey == key }, "\(key) is not on \(number)")
                }
            }
        }
    }

    @Test func everyServiceRequestCreatorIsADemoStaffMember() {
        let staffIds = Set(DemoOrganisation.staff.map(\.staffId))
        for request in requests {
            let id = StaffID(request.creator)
            #expect(id != nil, "\(request.creator)")
            if let id { #expect(staffIds.contains(id), "\(request.creator)") }
        }
    }

    @Test func everyCreatorMaySeeTheClientTheyRaisedAbout() throws {
        let staff = Dictionary(uniqueKeysWithValues: DemoOrganisation.staff.map { ($0.staffId.value, $0) })
        for request in requests {
            guard let key = request.clientKey, let client = clientsByKey[key] else { continue }
            let creator = try #require(staff[request.creator])
            let someRoleMaySee = creator.roles.contains { role in
                Visibility.decide(contactId: key, sensitive: client.sensitive, action: .link, viewer: creator.staffId,
                                  role: role, grants: [], at: Self.today).isAllowed
            }
            #expect(someRoleMaySee, "\(creator.label) raised a request about \(key)")
        }
    }

    @Test func someDemoRequestsRouteAndSomeStayOpen() {
        #expect(requests.contains { $0.route })
        #expect(requests.contains { !$0.route })
    }
}
