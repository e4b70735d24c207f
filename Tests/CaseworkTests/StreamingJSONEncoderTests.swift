@testable import Casework
import CaseworkCore
import Foundation
import Testing
import Vapor
import VaporTesting

/// The API's JSON is written as it encodes (`StreamingJSONEncoder`). A client must read exactly what Foundation's
/// encoder, with Vapor's settings, would have sent: the same values under the same keys, whatever the value.
@Suite("The API's streaming JSON encoder")
struct StreamingJSONEncoderTests {
    /// JSON as a client reads it: members unordered, numbers as numbers.
    indirect enum JSON: Decodable, Equatable {
        case null, bool(Bool), number(Double), string(String), array([JSON]), object([String: JSON])
        init(from decoder: any Decoder) throws {
            let single = try decoder.singleValueContainer()
            if single.decodeNil() { self = .null }
            else if let flag = try? single.decode(Bool.self) { self = .bool(flag) }
            else if let number = try? single.decode(Double.self) { self = .number(number) }
            else if let text = try? single.decode(String.self) { self = .string(text) }
            else if let items = try? single.decode([JSON].self) { self = .array(items) }
            else { self = .object(try single.decode([String: JSON].self)) }
        }
    }

    private func read(_ bytes: some Sequence<UInt8>) throws -> JSON { try JSONDecoder().decode(JSON.self, from: Data(bytes)) }

    /// Ours and Foundation's, read back as a client reads them; and ours as text, for the checks that need it.
    @discardableResult
    private func sameAsFoundation<T: Encodable>(_ value: T, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let ours = try StreamingJSONEncoder.bytes(value)
        let theirs = try StreamingJSONEncoder.foundation.encode(value)
        #expect(try read(ours) == (try read(theirs)), "ours: \(String(decoding: ours, as: UTF8.self))\nFoundation's: \(String(decoding: theirs, as: UTF8.self))",
                sourceLocation: sourceLocation)
        return String(decoding: ours, as: UTF8.self)
    }

    struct Person: Codable { let name: String; let phone: String?; let team: Int? }
    enum Status: String, Codable { case open, closed }
    enum Outcome: Codable { case granted(minutes: Int), refused(String), pending }
    struct Everything: Encodable {
        let text = "quote \" backslash \\ slash / newline \n tab \t return \r bell \u{7} nul \u{0} pound £ emoji 👩‍💻"
        let empty = ""
        let whole = Int.min, big = UInt64.max, small = Int8(-3), flag = false
        let fraction = 0.1, integral = 2.0, huge = 1e20, tiny = 5e-324, single = Float(1.5)
        let when = Date(timeIntervalSince1970: 1_796_412_684.75)
        let bytes = Data([0, 1, 2, 250])
        let link = URL(string: "https://casework.example/access-requests/1?x=y")!
        let money = Decimal(string: "1234.56")!
        let missing: String? = nil
        let present: String? = "here"
        let people = [Person(name: "Ada", phone: nil, team: 3), Person(name: "Grace", phone: "01234", team: nil)]
        let nested = [[1, 2], [], [3]]
        let optionals: [Int?] = [1, nil, 3]
        let byName = ["b": 2, "a": 1]
        let byNumber = [2: "two", 1: "one"]
        let statuses: [Status] = [.open, .closed]
        let outcomes: [Outcome] = [.granted(minutes: 30), .refused("not needed"), .pending]
        let nothing = Nothing()
        let set: Set<String> = ["only"]
    }
    struct Nothing: Encodable { func encode(to encoder: any Encoder) throws {} }

    @Test func everyKindOfValueReadsAsFoundationsDoes() throws {
        let text = try sameAsFoundation(Everything())
        // Strings are escaped as Foundation escapes them (the slash too), and an explicit nil is omitted.
        #expect(text.contains(#""quote \" backslash \\ slash \/ newline \n tab \t return \r bell \u0007 nul \u0000 pound £ emoji 👩‍💻""#))
        #expect(!text.contains("missing"))
        try sameAsFoundation("a top-level string")
        try sameAsFoundation(42)
        try sameAsFoundation([String]())
        // A whole answer that encodes nothing is refused, as Foundation refuses it; nested, it is an empty object.
        #expect(throws: EncodingError.self) { try StreamingJSONEncoder.bytes(Nothing()) }
        try sameAsFoundation(Optional<Int>.none)
    }

    /// Text is looked at eight bytes at a time for what must be escaped (`ByteScan`); a character needing an escape
    /// anywhere in a word, or in the bytes after the last whole word, is escaped as Foundation escapes it, and
    /// characters beside those that need one (`!`, `#`, `.`, `0`, `[`, `]`, space, DEL, and bytes of a longer
    /// character) are written as they are.
    @Test func everyPlaceInTextIsLookedAtForEscapes() throws {
        for length in 1...19 {
            for position in 0..<length {
                for special in ["\"", "\\", "/", "\n", "\u{1F}", "\u{0}", "!", "#", ".", "0", "[", "]", " ", "\u{7F}", "é"] {
                    var characters = Array(repeating: "a", count: length)
                    characters[position] = special
                    let text = characters.joined()
                    let ours = String(decoding: try StreamingJSONEncoder.bytes([text]), as: UTF8.self)
                    let theirs = String(decoding: try StreamingJSONEncoder.foundation.encode([text]), as: UTF8.self)
                    #expect(ours == theirs, "\(length) characters, \(special.debugDescription) at \(position)")
                }
            }
        }
    }

    /// Whole numbers are written digit by digit from the number: each width's extremes, and the numbers either side
    /// of each power of ten, as Foundation writes them.
    @Test func wholeNumbersAreWrittenAsFoundationWritesThem() throws {
        var numbers: [Int] = [0, 1, -1, Int.max, Int.min, Int.max - 1, Int.min + 1]
        var power = 1
        for _ in 1...18 {
            power *= 10
            numbers += [power - 1, power, power + 1, -power + 1, -power, -power - 1]
        }
        for number in numbers {
            #expect(try StreamingJSONEncoder.bytes([number]) == Array(try StreamingJSONEncoder.foundation.encode([number])), "\(number)")
        }
        struct Widths: Encodable {
            let int8 = Int8.min, int16 = Int16.min, int32 = Int32.min, int64 = Int64.min
            let uint8 = UInt8.max, uint16 = UInt16.max, uint32 = UInt32.max, uint64 = UInt64.max, uint = UInt.max
        }
        let text = try sameAsFoundation(Widths())
        #expect(text.contains("\"uint64\":18446744073709551615") && text.contains("\"int64\":-9223372036854775808"))
    }

    /// Two parts of one value written into one object, as the access request's answer is (its standing, then the
    /// form's fields), with a nested container and an explicit null.
    struct TwoParts: Encodable {
        enum Standing: String, CodingKey { case id, status, history }
        enum Details: String, CodingKey { case purpose, minutes, note, contact }
        enum Contact: String, CodingKey { case name, phone }
        func encode(to encoder: any Encoder) throws {
            var standing = encoder.container(keyedBy: Standing.self)
            try standing.encode("R-1", forKey: .id)
            try standing.encode(Status.open, forKey: .status)
            var history = standing.nestedUnkeyedContainer(forKey: .history)
            try history.encode("sent")
            var step = history.nestedContainer(keyedBy: Contact.self)
            try step.encode("Ada", forKey: .name)
            var details = encoder.container(keyedBy: Details.self)
            try details.encode("investigation", forKey: .purpose)
            try details.encode(60, forKey: .minutes)
            try details.encodeNil(forKey: .note)
            var contact = details.nestedContainer(keyedBy: Contact.self, forKey: .contact)
            try contact.encode("Grace", forKey: .name)
            try contact.encodeIfPresent(String?.none, forKey: .phone)
        }
    }

    @Test func twoPartsOfAValueShareOneObject() throws {
        let text = try sameAsFoundation(TwoParts())
        #expect(text == #"{"id":"R-1","status":"open","history":["sent",{"name":"Ada"}],"purpose":"investigation","minutes":60,"note":null,"contact":{"name":"Grace"}}"#)
    }

    /// What a stream cannot follow (writing into a container after its parent has moved on; a super encoder) is
    /// encoded by Foundation, whole: the answer is the same either way.
    struct GoesBack: Encodable {
        enum Keys: String, CodingKey { case first, second }
        func encode(to encoder: any Encoder) throws {
            var outer = encoder.container(keyedBy: Keys.self)
            var first = outer.nestedUnkeyedContainer(forKey: .first)
            try outer.encode("two", forKey: .second)
            try first.encode("late")
        }
    }
    class Base: Encodable { var base = 1 }
    final class Derived: Base {
        enum Keys: String, CodingKey { case own }
        override func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(2, forKey: .own)
            try super.encode(to: container.superEncoder())
        }
    }

    @Test func whatAStreamCannotFollowIsEncodedByFoundation() throws {
        let late = try sameAsFoundation(GoesBack())
        #expect(late.contains("late"))
        let derived = try sameAsFoundation(Derived())
        #expect(derived.contains("super"))
        #expect(throws: EncodingError.self) { try StreamingJSONEncoder.bytes(Double.nan) }
    }

    /// The server answers with it: a signed-in person's JSON is the stream's, and reads as every client expects.
    @Test func theAPIAnswersThroughIt() async throws {
        try await withCasework { app in
            let token = try await app.token("20010002")
            let answer = try await app.sendJSON(.GET, "/api/v1/home", token: token)
            #expect(answer.status == .ok)
            #expect(answer.headers.contentType == .json)
            #expect(try read(answer.body.readableBytesView) != .null)
            #expect(try ContentConfiguration.global.requireEncoder(for: .json) is StreamingJSONEncoder)
        }
    }

    /// The objects that write themselves (`JSONObjectWritable`: the lists people open all day) write exactly what
    /// they encode through `Encodable`, which stays their one definition: every member, in order, absent optionals
    /// left out or written as null as `encode(to:)` does, text escaped. Each with its optionals absent and present.
    @Test func objectsThatWriteThemselvesWriteWhatTheyEncode() throws {
        func same<T: Encodable>(_ value: T, sourceLocation: SourceLocation = #_sourceLocation) throws {
            #expect(value is any JSONObjectWritable, sourceLocation: sourceLocation)
            let written = String(decoding: try StreamingJSONEncoder.bytes(value), as: UTF8.self)
            let encoded = String(decoding: try StreamingJSONEncoder.encodedBytes(value), as: UTF8.self)
            #expect(written == encoded, sourceLocation: sourceLocation)
            try sameAsFoundation(value, sourceLocation: sourceLocation)
        }
        let awkward = "O'Brien \"Jr\" / <b>&\n\t\u{1} é"
        let leader = StaffDTO(StaffProfile(staffId: StaffID("20010001")!, name: "Tina \(awkward)", email: "tina@example.gov.uk", phone: "0191 000 0001",
                                           team: "Team 1", grade: "HEO", area: "North East", teamLeaderStaffId: nil, roles: [.teamLeader, .caseworker]))
        let requester = StaffDTO(StaffProfile(staffId: StaffID("20010002")!, name: "Tom", email: "tom@example.gov.uk", phone: "", team: "Team 1",
                                              grade: "EO", area: "North East", teamLeaderStaffId: StaffID("20010001")!, roles: [], active: false))
        try same(leader)
        try same(requester)
        let history = [AccessHistoryDTO(at: "2026-12-06T09:00:00Z", by: "20010002", action: .submitted, reason: nil),
                       AccessHistoryDTO(at: "2026-12-06T09:05:00Z", by: nil, action: .decided(.teamLeader, .return), reason: awkward)]
        for item in history { try same(item) }
        func request(teamLeader: StaffDTO?, history: [AccessHistoryDTO], optionals: Bool) -> AccessRequestDTO {
            AccessRequestDTO(
                standing: .init(id: UUID().text, reference: "CSUA150-000001", status: .awaitingScrManager, statusName: "Awaiting SCR manager",
                                purposeName: "View a sensitive contact", requester: requester, teamLeader: teamLeader,
                                serviceRequestId: optionals ? UUID().text : nil, contactId: optionals ? UUID().text : nil,
                                history: history, grantId: optionals ? UUID().text : nil),
                details: .init(purpose: .viewContact, minutes: 60, justification: awkward, furtherDetails: "", phone: "0191 000 0002", team: "Team 1",
                               grade: "EO", area: "North East", clientName: optionals ? awkward : nil, scin: optionals ? "SCIN1234" : nil,
                               nino: optionals ? "QQ123456C" : nil))
        }
        let requests = [request(teamLeader: leader, history: history, optionals: true), request(teamLeader: nil, history: [], optionals: false)]
        for item in requests { try same(item) }
        try same(ListDTO(items: requests, nextCursor: "next"))
        try same(ListDTO(items: [AccessRequestDTO](), nextCursor: nil))

        let hopper = [HopperItemDTO(id: UUID().text, reference: "SR-1", type: .changeOfCircumstances, typeName: "Change of circumstances",
                                    routedAt: "2026-12-06T09:00:00Z", ageMinutes: 125, age: "2 hours", owningTeam: awkward, routingRule: nil),
                      HopperItemDTO(id: UUID().text, reference: "SR-2", type: .paymentReassign, typeName: "Payment reassign",
                                    routedAt: "2026-12-06T09:00:00Z", ageMinutes: -1, age: "", owningTeam: "", routingRule: "sensitive contact")]
        try same(ListDTO(items: hopper, nextCursor: nil))

        let events = [AuditEventDTO(id: UUID().text, seq: 9_007_199_254_740_993, at: "2026-12-06T09:00:00.123Z", actorStaffId: nil, actorRole: nil,
                                    action: "signIn", subjectType: "staff", subjectId: "20010002", outcome: "refused", detail: awkward),
                      AuditEventDTO(id: UUID().text, seq: 0, at: "", actorStaffId: "20010002", actorRole: "caseworker",
                                    action: "contact.view", subjectType: "contact", subjectId: UUID().text, outcome: "success", detail: "")]
        try same(ListDTO(items: events, nextCursor: "42"))

        try same(Self.monitoring(awkward))
        try same(ListDTO(items: PageContextTests.contactListings(awkward), nextCursor: nil))
    }

    /// A monitoring answer with a row of every kind, optionals absent and present.
    static func monitoring(_ awkward: String) -> MonitoringDTO {
        let grants = [MonitoredGrantDTO(grantId: UUID().text, requestId: UUID().text, reference: "CSUA150-000001", staffId: "20010002", name: awkward,
                                        team: "Team 1", purpose: "viewContact", grantedAt: "2026-12-06T09:00:00Z", expiresAt: "2026-12-06T17:00:00Z",
                                        endedAt: nil, teamLeaderStaffId: "20010001"),
                      MonitoredGrantDTO(grantId: "", requestId: "", reference: "", staffId: "", name: "", team: "", purpose: "", grantedAt: "",
                                        expiresAt: "", endedAt: "2026-12-06T10:00:00Z", teamLeaderStaffId: nil)]
        let decisions = [DecisionDTO(reference: "CSUA150-000001", team: awkward, stage: .scrManager, decision: .reject, at: "2026-12-06T09:00:00Z",
                                     minutesToDecide: 0, reason: awkward),
                         DecisionDTO(reference: "", team: "", stage: .teamLeader, decision: .approve, at: "", minutesToDecide: 1_440, reason: nil)]
        return MonitoringDTO(
            at: "2026-12-06T09:00:00Z", from: "2026-11-06", to: "2026-12-06",
            counts: MonitoringCountsDTO(activeGrants: 100_000, endingToday: 0, overdueLogOffs: 3, refusals: 4, decisions: 5, teams: -1),
            activeGrants: grants, endingToday: [], overdueLogOffs: Array(grants.reversed()),
            stages: [StageFiguresDTO(stage: .teamLeader, decisions: 3, approved: 1, rejected: 1, returned: 1, medianMinutesToDecide: 12, longestMinutesToDecide: nil),
                     StageFiguresDTO(stage: .provisioning, decisions: 0, approved: 0, rejected: 0, returned: 0, medianMinutesToDecide: nil, longestMinutesToDecide: 9)],
            refusals: decisions, decisions: decisions,
            teams: [TeamFiguresDTO(team: awkward, requests: 9, inProgress: 1, granted: 2, rejected: 3, returned: 2, withdrawn: 1)],
            requestsPerDay: [DayFiguresDTO(day: "2026-12-06", requests: 9, inProgress: 1, granted: 2, rejected: 3, returned: 2, withdrawn: 1)],
            liveGrantsByTeam: [TeamCountDTO(team: awkward, n: 7), TeamCountDTO(team: "", n: 0)], overdueLogOffsByTeam: [],
            downloads: [MonitoringDownloadDTO(table: .teams, rows: 3, partRows: 2, parts: [
                CSVPartDTO(part: 1, after: nil, through: awkward, href: "/monitoring/teams.csv?part=1"),
                CSVPartDTO(part: 2, after: awkward, through: nil, href: "/monitoring/teams.csv?part=2")])])
    }
}
