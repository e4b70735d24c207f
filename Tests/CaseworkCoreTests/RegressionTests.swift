@testable import CaseworkCore
import Foundation
import Testing

/// Bugs found by reading the domain code, each pinned by a test.
@Suite("Regressions")
struct RegressionTests {
    @Test func parseRefusesADateFollowedByAnythingElse() {
        #expect(CaseworkTime.parse("2026-11-22T09:30:00") == nil)
        #expect(CaseworkTime.parse("2026-11-22junk") == nil)
        #expect(CaseworkTime.parse("2026-11-22T25:00:00Z") == nil)
        #expect(CaseworkTime.parse("2026-02-30") == nil)
        #expect(CaseworkTime.parse("2026-11-22") == utcInstant(2026, 11, 22))
    }

    @Test func aDuplicateRowWithAnotherErrorStillSaysItIsADuplicate() {
        let csv = """
        staffId,name,email,phone,team,grade,area,teamLeaderStaffId,roles
        70000001,First,first@example.gov.uk,1,Team,AO,Wales,,caseworker
        70000001,Second,not-an-email,1,Team,AO,Wales,,caseworker
        20010002,Third,also-bad,1,Team,AO,Wales,,caseworker
        """
        guard case .invalid(let problems) = StaffImport.check(csv: csv, existing: { $0.value == "20010002" }) else {
            Issue.record("the file has bad rows")
            return
        }
        let line3 = problems.first { $0.line == 3 }?.description ?? ""
        #expect(line3.contains("duplicate staff ID 70000001: already on line 2"))
        #expect(line3.contains("email"))
        let line4 = problems.first { $0.line == 4 }?.description ?? ""
        #expect(line4.contains("already in the directory"))
        #expect(line4.contains("email"))
    }

    @Test func anAbsentActorAndANulCharacterActorHashDifferently() {
        func record(_ actor: String?) -> AuditRecord {
            AuditRecord(seq: 1, id: "e", at: "2026-11-22T09:30:00.000Z", actorStaffId: actor, actorRole: nil, action: "a",
                        subjectType: "s", subjectId: "1", outcome: .success, detail: "")
        }
        #expect(AuditChain.hash(record(nil), previousHash: AuditChain.genesisHash)
            != AuditChain.hash(record("\u{0}"), previousHash: AuditChain.genesisHash))
    }

    @Test func millisecondsSurviveARoundTripAfter2038() throws {
        let date = Date(timeIntervalSince1970: 2158202864.753)
        let text = CaseworkTime.iso8601Millis(date)
        #expect(text.hasSuffix(".753Z"))
        let back = try #require(CaseworkTime.parse(text))
        #expect(CaseworkTime.iso8601Millis(back) == text)
    }

    @Test func lockMessageNamesAMinuteAtWhichATryIsLetThrough() throws {
        let throttle = SignInThrottle()
        let last = utcInstant(2026, 11, 22, 9, 30, 40)
        let now = last.addingTimeInterval(60)
        let refusal = try #require(throttle.refusal(for: throttle.decide(failures: 6, lastFailureAt: last, now: now), failures: 6, now: now))
        // Locked until 09:45:40, so 09:45 would be too early.
        #expect(refusal.message.contains("Try again after 09:46 UTC"))
    }

    @Test func everyCaseworkerInTheDemoHasATeamLeaderWhoCanCountersign() {
        let byId = Dictionary(uniqueKeysWithValues: DemoOrganisation.staff.map { ($0.staffId, $0) })
        for person in DemoOrganisation.staff where person.roles.contains(.caseworker) {
            let leader = person.teamLeaderStaffId.flatMap { byId[$0] }
            #expect(leader?.roles.contains(.teamLeader) == true, "\(person.name)'s team leader cannot countersign")
        }
    }
}

@Suite("Regressions in records")
struct RecordRegressionTests {
    @Test func missingIdentifierIsReportedAlongsideOtherErrors() {
        do {
            _ = try ContactInput(name: "", dateOfBirth: "2030-01-01").validated(today: utcInstant(2026, 11, 22))
            Issue.record("an empty contact must be refused")
        } catch {
            #expect(error["name"] != nil)
            #expect(error["dateOfBirth"] != nil)
            #expect(error["nino"]?.contains("at least one identifier") == true)
        }
    }

    @Test func ninoRefusesCharactersThatOnlyBecomeASCIIWhenUpperCased() {
        #expect(NINO("ß123456C") == nil)
        #expect(NINO("AB123456\tC") == nil)
        #expect(NINO("AB 12 34 56 C")?.value == "AB123456C")
    }

    @Test func aDemoCaseMixesSensitiveAndOrdinaryParticipants() {
        let sensitive = Dictionary(uniqueKeysWithValues: DemoRecords.clients.map { ($0.key, $0.sensitive) })
        #expect(DemoRecords.cases.contains { demo in
            let flags = Set(demo.participants.map { sensitive[$0.clientKey]! })
            return flags == [true, false]
        })
    }
}

@Suite("Regressions in the receipts tool")
struct ReceiptsRegressionTests {
    @Test func aDecimalCommaIsRefusedNotMultipliedByAHundred() throws {
        #expect(throws: ValidationFailure.self) { try Pence.parsePounds("12,50", field: "amount") }
        #expect(throws: ValidationFailure.self) { try Pence.parsePounds("1,2,3", field: "amount") }
        #expect(try Pence.parsePounds("1,234.56", field: "amount") == Pence(123_456))
        #expect(try Pence.parsePounds("123,456", field: "amount") == Pence(12_345_600))
    }

    @Test func todayIsTheUKDayDuringSummerTime() throws {
        // 23:30 UTC on 1 July is 00:30 on 2 July in London: the 2nd is today, not the future.
        let lateEvening = utcInstant(2026, 7, 1, 23, 30)
        let entry = try EntryInput(amountPence: 100, on: "2026-07-02", method: "cash", reference: "R").validated(kind: .receipt, today: lateEvening, id: "e")
        #expect(entry.on == "2026-07-02")
        #expect(throws: ValidationFailure.self) {
            try EntryInput(amountPence: 100, on: "2026-07-03", method: "cash", reference: "R").validated(kind: .receipt, today: lateEvening, id: "e")
        }
    }
}
