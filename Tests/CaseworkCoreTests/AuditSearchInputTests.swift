import Foundation
import Testing
@testable import CaseworkCore

@Suite("Searching the audit trail: what may be typed")
struct AuditSearchInputTests {
    @Test func aDayGivenAsToIncludesThatWholeDay() throws {
        let valid = try AuditSearchInput(from: "2030-01-15", to: "2030-01-15").validated()
        #expect(valid.from == utcInstant(2030, 1, 15))
        #expect(valid.to == utcInstant(2030, 1, 16))
    }

    @Test func blankFiltersSearchEverything() throws {
        let valid = try AuditSearchInput(actor: "  ", subject: "", cursor: "").validated()
        #expect(valid == AuditSearchInput.Valid(actor: nil, subject: nil, from: nil, to: nil, beforeSeq: nil))
    }

    @Test(arguments: [
        (AuditSearchInput(actor: "ten digits0"), "actor"),
        (AuditSearchInput(from: "yesterday"), "from"),
        (AuditSearchInput(to: "22/11/2026"), "to"),
        (AuditSearchInput(from: "2026-11-22T10:00:00Z", to: "2026-11-22T09:00:00Z"), "to"),
        (AuditSearchInput(cursor: "-3"), "cursor"),
    ])
    func eachWrongFieldIsNamed(input: AuditSearchInput, field: String) {
        #expect(throws: ValidationFailure.self) { try input.validated() }
        do {
            _ = try input.validated()
        } catch {
            #expect(error.fields.map(\.name).contains(field), "\(error.fields)")
        }
    }
}
