import Foundation
import Testing
@testable import CaseworkCore

@Test func probe() {
    for s in ["2026-11-22T09:30:00Z", "2026-11-22T09:30:00.123Z", "2026-11-22", "2026-11-22junk", "2026-13-45", "2026-02-30", "22/11/2026", "", "2026-11-22T09:30:00", "2026-11-22T09:30:00+01:00", " 2026-11-22 ", "2026-11-22T25:00:00Z", "2026-11-22T09:30Z"] {
        print("PROBE parse", s.debugDescription, CaseworkTime.parse(s).map { CaseworkTime.iso8601Millis($0) } ?? "nil")
    }
    var bad = 0
    for ms in 0..<1000 {
        let s = String(format: "2026-11-22T09:30:00.%03dZ", ms)
        if let d = CaseworkTime.parse(s), CaseworkTime.iso8601Millis(d) != s { bad += 1; if bad < 5 { print("PROBE roundtrip", s, CaseworkTime.iso8601Millis(d)) } }
    }
    print("PROBE bad roundtrips", bad)
    var bad2 = 0
    for ms in 0..<1000 {
        let d = Date(timeIntervalSince1970: 1_795_000_000 + Double(ms) / 1000)
        let s = CaseworkTime.iso8601Millis(d)
        if !s.hasSuffix(String(format: ".%03dZ", ms)) { bad2 += 1; if bad2 < 5 { print("PROBE millis", ms, s) } }
    }
    print("PROBE bad2", bad2)
    let header = "staffId,name,email,phone,team,grade,area,teamLeaderStaffId,roles"
    print("PROBE bom", StaffImport.check(csv: "\u{FEFF}" + header + "\n1,A,a@b.co,,T,,,,caseworker\n", existing: { _ in false }))
    print("PROBE bom data", String(decoding: Data([0xEF,0xBB,0xBF,0x61]), as: UTF8.self).unicodeScalars.count, String(data: Data([0xEF,0xBB,0xBF,0x61]), encoding: .utf8)!.unicodeScalars.count)
    print("PROBE longDate", CaseworkTime.longDate(CaseworkTime.parse("2026-06-21T23:30:00Z")!), CaseworkTime.longDate(CaseworkTime.parse("2026-11-22T12:00:00Z")!))
}
