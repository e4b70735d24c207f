@testable import Casework
import CaseworkCore
import Fluent
import SQLKit
import Testing
import Vapor
import VaporTesting

/// A value in the database the domain cannot read (edited by hand) is a 500 that names it in the log, never a
/// crash and never a guess: a status read as "Open", a requester read as nobody.
@Suite("Stored values the domain cannot read")
struct StoredValueTests {
    @Test func anSRWithAStatusNoOneKnowsIsNotShownAsOpen() async throws {
        try await withCasework(records: true) { app in
            let token = try await app.token("20010002")
            let sr = try await app.newServiceRequest(token)
            #expect(try await app.sendJSON(.GET, "/api/v1/service-requests/\(sr.id)", token: token).status == .ok)
            try await (app.db as! any SQLDatabase).raw("UPDATE service_requests SET status = 'halfDone' WHERE id = \(bind: UUID(uuidString: sr.id)!)").run()
            let answer = try await app.sendJSON(.GET, "/api/v1/service-requests/\(sr.id)", token: token)
            #expect(answer.status == .internalServerError)
            #expect(!answer.body.string.contains("open"))
            // The rule that asks for the SR's facts refuses too, rather than moving a record it cannot read.
            let moved = try await app.sendJSON(.POST, "/api/v1/service-requests/\(sr.id)/status", ["status": "closed"], token: token)
            #expect(moved.status == .internalServerError)
        }
    }

    @Test func aStaffIDTheDomainCannotReadIsRefusedByName() throws {
        #expect(throws: StoredValueInvalid.self) { try StaffID.stored("12AB") }
        #expect(try StaffID.stored("20010002").value == "20010002")
        let error = #expect(throws: StoredValueInvalid.self) { try ServiceRequestStatus.stored("halfDone") }
        #expect(error?.description == "The database holds a ServiceRequestStatus the domain cannot read: halfDone")
        #expect(try AccessRequestStatus.stored("granted") == .granted)
    }
}
