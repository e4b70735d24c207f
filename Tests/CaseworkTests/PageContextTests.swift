@testable import Casework
import CaseworkCore
import Foundation
import Leaf
import LeafKit
import NIOCore
import NIOPosix
import Testing

/// Pages reach Leaf through `LeafContextEncoder`, not Leaf's own encoder. A template must read exactly the same
/// context either way: here one template reads every kind of value both ways and the two renders are compared.
@Suite("Page content as Leaf reads it")
struct PageContextTests {
    struct Template: LeafSource {
        let text: String
        func file(template: String, escape: Bool, on eventLoop: any EventLoop) throws -> EventLoopFuture<ByteBuffer> {
            eventLoop.makeSucceededFuture(ByteBuffer(string: text))
        }
    }

    enum Status: String, Encodable { case open, closed }
    struct Person: Encodable { let name: String; let phone: String?; let id: UUID }
    /// Two parts written into one object, as the access request's answer is.
    struct TwoParts: Encodable {
        enum First: String, CodingKey { case reference, history, steps }
        enum Step: String, CodingKey { case name }
        enum Second: String, CodingKey { case purpose, minutes, missing }
        func encode(to encoder: any Encoder) throws {
            var first = encoder.container(keyedBy: First.self)
            try first.encode("R-1", forKey: .reference)
            var history = first.nestedUnkeyedContainer(forKey: .history)
            try history.encode("sent")
            try history.encodeNil()
            try history.encode("countersigned")
            // An array with a nested object among whole values: written in place, in order.
            var steps = first.nestedUnkeyedContainer(forKey: .steps)
            try steps.encode("asked")
            var step = steps.nestedContainer(keyedBy: Step.self)
            try step.encode("decided", forKey: .name)
            try steps.encode("granted")
            var second = encoder.container(keyedBy: Second.self)
            try second.encode("investigation", forKey: .purpose)
            try second.encode(60, forKey: .minutes)
            try second.encodeNil(forKey: .missing)
        }
    }
    struct Content: Encodable {
        let title = "Temporary <SCR> access & more"
        let count = 3, big = UInt64.max, ratio = 0.25, flag = true, off = false
        let id = UUID(uuidString: "5CA1E000-0500-4000-8000-000000000001")!
        let when = Date(timeIntervalSince1970: 1_796_412_684.5)
        let nothing: String? = nil
        let something: String? = "here"
        let status = Status.closed
        let people = [Person(name: "Ada", phone: nil, id: UUID(uuidString: "5CA1E000-0500-4000-8000-000000000002")!),
                      Person(name: "Grace", phone: "01234", id: UUID(uuidString: "5CA1E000-0500-4000-8000-000000000003")!)]
        let maybe: [Int?] = [1, nil, 3]
        let names = ["b": "Bee", "a": "Ay"]
        let request = TwoParts()
        let empty: [String] = []
    }

    static let template = """
        #(title)|#(count)|#(big)|#(ratio)|#(flag)|#(off)|#(id)|#(when)|#(status)|#(something)
        #if(nothing):has nothing#else:no nothing#endif #if(something):has something#endif
        #for(person in people):[#(index) #(person.name) #(person.id) #if(person.phone):#(person.phone)#else:no phone#endif]#endfor
        #count(maybe) #for(n in maybe):#(n),#endfor #(names.a) #(names.b) #count(empty) #if(isFirst):x#endif
        #(request.reference) #(request.purpose) #(request.minutes) #count(request.history) #for(step in request.history):#(step);#endfor
        #if(request.missing):missing shown#else:missing left out#endif
        #for(step in request.steps):#if(step.name):#(step.name)#else:#(step)#endif>#endfor
        #if(count > 2):more#else:fewer#endif #if(count == 3):three#endif #if(count == 4):four#endif #if(ratio < 1):part#endif #if(request.minutes >= 60):hour#endif #if(count != 4):not four#endif #if(count > count(people)):more than people#endif #if(count):counted#endif
        """

    /// Rows that build their own Leaf data (`LeafObjectWritable`) build exactly what encoding them builds: every
    /// member, an absent optional left out, an enum by its raw value, a number as its text, nested rows and lists.
    @Test func rowsThatBuildTheirOwnDataBuildWhatTheyEncode() throws {
        struct Holder<Row: Encodable>: Encodable { let row: Row; let rows: [Row] }
        func agree<Content: Encodable>(_ content: Content, sourceLocation: SourceLocation = #_sourceLocation) throws {
            let written = LeafData.dictionary(try LeafContextEncoder.encode(content))
            let encoded = LeafData.dictionary(try LeafContextEncoder.encode(content, usingWriters: false))
            #expect(Self.identical(written, encoded), "\(written) against \(encoded)", sourceLocation: sourceLocation)
        }
        func same<Row: Encodable>(_ row: Row, _ other: Row, sourceLocation: SourceLocation = #_sourceLocation) throws {
            #expect(row is any LeafObjectWritable, sourceLocation: sourceLocation)
            try agree(Holder(row: row, rows: [row, other]), sourceLocation: sourceLocation)
        }
        let awkward = "O'Brien <b>&"
        try same(HopperItemDTO(id: UUID().text, reference: "SR-1", type: .changeOfCircumstances, typeName: "Change of circumstances",
                               routedAt: "2026-12-06T09:00:00Z", ageMinutes: 125, age: "2 hours", owningTeam: awkward, routingRule: nil),
                 HopperItemDTO(id: UUID().text, reference: "SR-2", type: .paymentReassign, typeName: "Payment reassign",
                               routedAt: "", ageMinutes: -1, age: "", owningTeam: "", routingRule: "sensitive contact"))
        try same(AccessPages.RequestRow(id: UUID().text, reference: "CSUA150-000001", status: .awaitingScrManager, statusName: "Awaiting SCR manager",
                                        purposeName: "View a sensitive contact", requestedDurationMinutes: 480,
                                        requester: .init(staffId: "20010002", name: awkward)),
                 AccessPages.RequestRow(id: "", reference: "", status: .granted, statusName: "", purposeName: "", requestedDurationMinutes: 0,
                                        requester: .init(staffId: "", name: "")))
        let items = [HomeItem(text: awkward, href: "/grants/1", at: "2026-12-06T09:00:00Z"), HomeItem(text: "", href: nil, at: nil)]
        try same(items[0], items[1])
        try same(HomeSection(id: "hoppers", title: "Hoppers", emptyText: "None.", items: items),
                 HomeSection(id: "", title: "", emptyText: "", items: []))
        let monitoring = StreamingJSONEncoderTests.monitoring(awkward)
        try same(monitoring.activeGrants[0], monitoring.activeGrants[1])
        try same(monitoring.stages[0], monitoring.stages[1])
        try same(monitoring.decisions[0], monitoring.decisions[1])
        try same(monitoring.teams[0], monitoring.teams[0])
        try same(monitoring.requestsPerDay[0], monitoring.requestsPerDay[0])
        try same(monitoring.liveGrantsByTeam[0], monitoring.liveGrantsByTeam[1])
        try same(Self.contactListings(awkward)[0], Self.contactListings(awkward)[1])
        // Every page's layout: navigation, a message, a form's errors and its message for each field, and none.
        try same(Layout(title: awkward, template: "contacts-search", signedIn: true, userLabel: "Tom Baker (20010002)", roleName: "Caseworker",
                        systemName: "Casework", today: "Monday 7 December 2026", csrfToken: "abc", canSwitchRole: true,
                        nav: [NavItem(href: "/", label: "Home", current: false), NavItem(href: "/contacts", label: awkward, current: true)],
                        flash: awkward, errors: [FieldError(field: "reason", message: awkward)], fieldErrors: ["reason": awkward, "q": ""]),
                 Layout(title: "", signedIn: false, userLabel: "", roleName: "", systemName: "", today: "", csrfToken: "", canSwitchRole: false,
                        nav: [], flash: nil, errors: [], fieldErrors: [:]))
        try same(Chart.Rect(x: 0.5, y: 10, width: 33.333333333333336, height: 0, series: 2, tooltip: awkward),
                 Chart.Rect(x: -1, y: 1e-7, width: 680, height: 220.25, series: 0, tooltip: ""))
        try same(Chart.Label(x: 12.5, y: 0, text: awkward, anchor: "end"), Chart.Label(x: 0, y: 240, text: "", anchor: "middle"))
        try same(Chart.Line(x1: 0, y1: 0.1, x2: 680, y2: 0.1, kind: "grid"), Chart.Line(x1: 40.5, y1: 12, x2: 40.5, y2: 232, kind: "axis"))
        // And the whole of the monitoring figures, as the page draws them.
        try agree(MonitoringPages.FiguresContent(summary: monitoring))
    }

    /// Strictly the same data: LeafData's own `==` also calls a number and its text equal.
    static func identical(_ a: LeafData, _ b: LeafData) -> Bool {
        guard a.celf == b.celf, a.isNil == b.isNil else { return false }
        switch a.celf {
        case .dictionary:
            guard let x = a.dictionary, let y = b.dictionary, Set(x.keys) == Set(y.keys) else { return false }
            return x.allSatisfy { key, value in identical(value, y[key]!) }
        case .array:
            guard let x = a.array, let y = b.array, x.count == y.count else { return false }
            return zip(x, y).allSatisfy { identical($0, $1) }
        default:
            return a == b
        }
    }

    @Test func aTemplateReadsTheSameContextFromEitherEncoder() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let renderer = LeafRenderer(configuration: LeafConfiguration(rootDirectory: "/"), sources: .singleSource(Template(text: Self.template)),
                                    eventLoop: group.next())
        let theirs = try await renderer.render(path: "page", context: Content()).get()
        let ours = try await renderer.render(path: "page", context: try LeafContextEncoder.encode(Content())).get()
        let text = String(buffer: ours)
        #expect(text == String(buffer: theirs))
        // And what it says is what the content holds (so the comparison is not of two empty pages).
        #expect(text.contains("[0 Ada 5CA1E000-0500-4000-8000-000000000002 no phone][1 Grace"))
        #expect(text.contains("R-1 investigation 60 2 sent;countersigned;"))
        #expect(text.contains("no nothing has something"))
        #expect(text.contains("missing left out"))
        #expect(text.contains("asked>decided>granted>"))
        // Numbers reach Leaf as text (`LeafNumber`); they print and compare as the numbers did.
        #expect(text.contains("more three  part hour not four more than people counted"))
        #expect(text.contains("Temporary &lt;SCR&gt; access &amp; more|3|"))
        #expect(text.contains("|0.25|true|false|"))
        try await group.shutdownGracefully()
    }

    /// A hopper's assignee options are written once in Swift (`AssigneeChoices`), not by a Leaf loop on every view:
    /// they must be what the loop wrote, escaping included, for names with every character HTML gives a meaning.
    @Test func theAssigneeOptionsAreWhatTheLoopWrote() async throws {
        struct Member: Encodable { let staffId: String; let name: String }
        struct Page: Encodable { let members: [Member]; let options: String }
        let members = [RecordQueries.SegmentMember(staffId: "20010002", name: "Ada O'Neil"),
                       RecordQueries.SegmentMember(staffId: "20010003", name: "Grace <b>\"Amazing\"</b> & Co"),
                       RecordQueries.SegmentMember(staffId: "20010004", name: "Zoë Ærø")]
        let page = Page(members: members.map { Member(staffId: $0.staffId, name: $0.name) }, options: AssigneeChoices(members).options)
        let loop = ##"#for(member in members):<option value="#(member.staffId)">#(member.staffId) - #(member.name)</option>#endfor"##
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        func render(_ text: String) async throws -> String {
            var tags = defaultTags
            tags["trustedHTML"] = TrustedHTMLTag()
            let renderer = LeafRenderer(configuration: LeafConfiguration(rootDirectory: "/"), tags: tags,
                                        sources: .singleSource(Template(text: text)), eventLoop: group.next())
            return String(buffer: try await renderer.render(path: "page", context: try LeafContextEncoder.encode(page)).get())
        }
        let written = try await render("#trustedHTML(options)")
        #expect(written == (try await render(loop)))
        #expect(written.contains(#"<option value="20010003">20010003 - Grace &lt;b&gt;&quot;Amazing&quot;&lt;/b&gt; &amp; Co</option>"#))
        #expect(written.contains("Ada O&#39;Neil") && written.contains("Zoë Ærø"))
        #expect(AssigneeChoices([]).options.isEmpty)
        await #expect(throws: (any Error).self) { _ = try await render("#trustedHTML(members)") }
        try await group.shutdownGracefully()
    }

    /// `#ukTime` writes its own words unescaped; anything that is not a time is escaped as Leaf would escape it.
    @Test func theTimeTagShowsUkTimeAndEscapesWhatIsNotATime() async throws {
        struct Page: Encodable { let at: String; let day: String; let junk: String; let blank: String }
        let page = Page(at: "2026-06-21T16:15:00Z", day: "2026-12-02", junk: "<b>soon</b> & \"later\"", blank: "")
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var tags = defaultTags
        tags["ukTime"] = UKTimeTag()
        let renderer = LeafRenderer(configuration: LeafConfiguration(rootDirectory: "/"), tags: tags,
                                    sources: .singleSource(Template(text: "#ukTime(at)|#ukTime(day)|#ukTime(junk)|#ukTime(blank)|#ukTime(missing)")),
                                    eventLoop: group.next())
        let written = String(buffer: try await renderer.render(path: "page", context: try LeafContextEncoder.encode(page)).get())
        #expect(written == "21 June 2026 at 5:15pm|2 December 2026|&lt;b&gt;soon&lt;/b&gt; &amp; &quot;later&quot;||")
        try await group.shutdownGracefully()
    }

    /// `LeafWriter` answers `!`, `&&`, `||`, `==`, `!=` and `in` for text and collections itself (LeafKit's way
    /// builds its table of conversions each time): each must decide as LeafKit's serializer does.
    @Test func theWriterDecidesConditionsAsLeafKitDoes() async throws {
        struct Page: Encodable {
            let agreed = "true", refused = "false", word = "open", other = "closed", blank = ""
            let flag = true, off = false
            let words = ["open", "pending"], none: [String] = []
            let person = ["name": "Ada"]
            let number = 3
        }
        let conditions = [
            "agreed", "refused", "word", "blank", "!agreed", "!refused", "!word", "!blank", "!missing", "!words", "!none", "!person",
            "agreed && word", "refused && word", "refused || word", "refused || blank", "refused || refused", "missing || refused", "missing && agreed",
            "word && words", "none && person", "off || none", "flag && refused", "flag && agreed",
            "word == \"open\"", "word == other", "word != other", "word != \"open\"", "word == missing", "missing == missing",
            "number == \"3\"", "number != 3", "number == 4", "flag == agreed", "off == refused", "flag == word", "blank == missing",
            "word in words", "other in words", "\"pending\" in words", "word in none", "number in words",
            "number == 3", "number != 4", "count(words) == 2", "count(words) == 3", "count(words) != 1", "count(none) == 0", "count(none) < 1", "count(words) == 0", "count(words) != 0",
            "count(words) > 0", "count(none) > 0", "number < 10", "number >= 3", "number > 3", "number <= \"3\"", "number < word",
            "count(words) == number", "flag == off", "flag == flag", "off == off", "off != flag", "number == word", "number == flag",
        ]
        let body = conditions.map { "[\($0): #if(\($0)):held#else:not#endif]" }.joined(separator: "\n")
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        func render(_ text: String) async throws -> String {
            var tags = defaultTags
            tags["swiftRendered"] = SwiftRenderedTag(tags: ["count": CountTag()], ignoresUnfoundImports: true)
            let renderer = LeafRenderer(configuration: LeafConfiguration(rootDirectory: "/"), tags: tags,
                                        sources: .singleSource(Template(text: text)), eventLoop: group.next())
            return String(buffer: try await renderer.render(path: "page", context: try LeafContextEncoder.encode(Page())).get())
        }
        let written = try await render("#swiftRendered():\(body)#endswiftRendered")
        #expect(written == (try await render(body)))
        // Both say what the conditions mean (so the comparison is not of two blank pages).
        #expect(written.contains("[!refused: held]") && written.contains("[!agreed: not]") && written.contains("[refused || refused: not]"))
        #expect(written.contains("[word == other: not]") && written.contains("[word != other: held]") && written.contains("[other in words: not]"))
        #expect(written.contains("[count(none) == 0: held]") && written.contains("[count(words) == 0: not]") && written.contains("[count(words) == 3: not]"))
        #expect(written.contains("[flag == off: not]") && written.contains("[off == off: held]") && written.contains("[number >= 3: held]"))
        try await group.shutdownGracefully()
    }

    /// A page's syntax is compiled once and its program kept: later renders with other values write what LeafKit
    /// writes for them, names in nested loops (items, indexes, flags, and a loop's names hiding the context's) included.
    @Test func aKeptProgramWritesEachRenderAsLeafKitDoes() async throws {
        struct Row: Encodable { let name: String; let tags: [String] }
        struct Page: Encodable { let rows: [Row]; let row: String; let index: String; let title: String; let flag: Bool }
        let body = """
            <h1>#(title)</h1>#for(row in rows):<p data-i="#(index)">#(row.name)#if(isFirst): first#endif#if(isLast): last#endif \
            #for(tag in row.tags):[#(index):#(tag)#if(isLast):.#endif#if(flag):+#endif]#endfor #(row.name)</p>#endfor\
            <p>#(row) #(index)#if(count(rows) > 1): many#else: few#endif</p>
            """
        let pages = [
            Page(rows: [Row(name: "Ada <A>", tags: ["x", "y"]), Row(name: "Bo", tags: []), Row(name: "Cy", tags: ["z"])], row: "outer row", index: "outer index", title: "One", flag: true),
            Page(rows: [Row(name: "Di & Co", tags: ["p", "q", "r"])], row: "another", index: "idx", title: "Two", flag: false),
        ]
        let programs = LeafPrograms()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let cache = DefaultLeafCache()
        func render(_ text: String, _ page: Page, cached: Bool) async throws -> String {
            var tags = defaultTags
            tags["swiftRendered"] = SwiftRenderedTag(tags: ["count": CountTag()], ignoresUnfoundImports: true, programs: programs)
            let renderer = LeafRenderer(configuration: LeafConfiguration(rootDirectory: "/"), tags: tags, cache: cached ? cache : DefaultLeafCache(),
                                        sources: .singleSource(Template(text: text)), eventLoop: group.next())
            return String(buffer: try await renderer.render(path: "page", context: try LeafContextEncoder.encode(page)).get())
        }
        for page in pages + pages {
            let written = try await render("#swiftRendered():\(body)#endswiftRendered", page, cached: true)
            #expect(written == (try await render(body, page, cached: false)))
        }
        #expect(programs.count == 1)
        let first = try await render("#swiftRendered():\(body)#endswiftRendered", pages[0], cached: true)
        #expect(first.contains(#"<p data-i="0">Ada &lt;A&gt; first [0:x+][1:y.+] Ada &lt;A&gt;</p>"#))
        #expect(first.contains(#"<p data-i="2">Cy last [0:z.+] Cy</p><p>outer row outer index many</p>"#))
        try await group.shutdownGracefully()
    }

    @Test func aPageMustBeAnObject() throws {
        #expect(throws: (any Error).self) { try LeafContextEncoder.encode(["a list"]) }
        #expect(try LeafContextEncoder.encode(Optional<String>.none).isEmpty)
    }

    /// A contact as search lists it when the caller may see it, and as a restricted record.
    static func contactListings(_ awkward: String) -> [ContactListingDTO] {
        [ContactListingDTO(MadeUpContact(name: awkward, nino: "QQ123456C", scin: nil, crn: "CRN1", sensitive: true), visible: true),
         ContactListingDTO(MadeUpContact(name: "Hidden", nino: nil, scin: "SCIN1", crn: nil, sensitive: true), visible: false)]
    }
}

/// Contact facts made up for tests of how a listing is written.
struct MadeUpContact: ContactFacts {
    let contactId = UUID()
    let name: String
    let nino: String?
    let scin: String?
    let crn: String?
    let sensitive: Bool
}
