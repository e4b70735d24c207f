@testable import Casework
import CaseworkCore
import Fluent
import SQLKit
import FluentSQLiteDriver
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

    @Test func anIdIsReadDigitByDigitExactlyAsFoundationReadsIt() {
        for _ in 0..<200 {
            let id = UUID()
            #expect(UUID(storedText: id.uuidString) == id)
            #expect(UUID(storedText: id.uuidString.lowercased()) == id)
        }
        for text in ["", "5CA1E000-0500-4000-8000-00000000000", "5CA1E000-0500-4000-8000-0000000000000", "5CA1E000X0500-4000-8000-000000000000",
                     "5CA1E000-0500-4000-8000-00000000000G", "5CA1E0000-500-4000-8000-000000000000", "5ca1e000-0500-4000-8000-00000000000é"] {
            #expect(UUID(storedText: text) == nil && UUID(uuidString: text) == nil, "\(text)")
        }
    }

    @Test func anIdIsWrittenExactlyAsFoundationWritesIt() {
        var ids = (0..<500).map { _ in UUID() }
        ids.append(UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)))
        ids.append(UUID(uuid: (255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255)))
        ids.append(UUID(uuid: (0x0A, 0xB1, 0x2C, 0xD3, 0x4E, 0xF5, 0x60, 0x07, 0x89, 0x9A, 0xAB, 0xBC, 0xCD, 0xDE, 0xEF, 0xF0)))
        for id in ids {
            #expect(id.text == id.uuidString)
            #expect(UUID(storedText: id.text) == id)
        }
    }

    /// `PointRow` reads text, ids, instants and counts itself, without SQLiteKit's decoder. For every kind of stored
    /// value, NULL included, it must answer as that decoder does, and refuse what it refuses.
    @Test func aPointRowReadsWhatSQLiteKitsDecoderReads() throws {
        let id = UUID()
        let values: [SQLiteData] = [.text("Ada"), .text(id.uuidString), .text(id.uuidString.lowercased()), .float(1_796_412_684.123_456_7),
                                    .float(2.5), .integer(1_796_412_684), .integer(42), .integer(1), .null]
        let row = PointRow(columns: ColumnNames(values.indices.map { "c\($0)" }, sameName: .firstWins), values: values)
        let kit = SQLiteDataDecoder()
        func same<D: Decodable & Equatable>(_ type: D.Type) {
            for (index, value) in values.enumerated() {
                let ours = Result { try row.decode(column: "c\(index)", as: D.self) }
                let theirs = Result { try kit.decode(D.self, from: value) }
                switch (ours, theirs) {
                case (.success(let a), .success(let b)): #expect(a == b, "\(D.self) from \(value)")
                case (.failure, .failure): break
                default: Issue.record("\(D.self) from \(value): ours \(ours), SQLiteKit's \(theirs)")
                }
            }
        }
        same(String.self); same(String?.self); same(UUID.self); same(UUID?.self); same(Date.self); same(Date?.self)
        same(Int.self); same(Int?.self); same(Double.self); same(Bool.self)
        #expect(try row.decode(column: "c1", as: UUID.self) == id)
        #expect(try row.decode(column: "c8", as: Date?.self) == nil)
    }
}
