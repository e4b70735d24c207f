import Testing
@testable import CaseworkCore

struct StaffImportTests {
    static let header = "staffId,name,email,phone,team,grade,area,teamLeaderStaffId,roles"
    static let emptyDirectory: @Sendable (StaffID) -> Bool = { _ in false }

    static func profiles(_ outcome: StaffImport.Outcome) -> [StaffProfile]? {
        if case .valid(let profiles) = outcome { return profiles }
        return nil
    }

    static func problems(_ outcome: StaffImport.Outcome) -> [StaffImport.RowProblem]? {
        if case .invalid(let problems) = outcome { return problems }
        return nil
    }

    static func row(_ id: String, leader: String = "", roles: String = "caseworker", email: String? = nil) -> String {
        "\(id),Person \(id),\(email ?? "p\(id)@example.gov.uk"),,Team,AO,North East,\(leader),\(roles)"
    }

    // MARK: Valid files

    @Test func validFileGivesProfilesEvenWhenTheTeamLeaderComesAfterTheirTeam() throws {
        let csv = """
        \(Self.header)
        000123,"Okafor, Margaret",M.Okafor@Example.GOV.uk,0191 496 0001,"Team ""A"", North",EO,North East,000456,caseworker;teamLeader
        000456,Sarah Whitfield,sarah@example.gov.uk,,Team A,SEO,North East,,teamLeader|scrManager

        """
        let profiles = try #require(Self.profiles(StaffImport.check(csv: csv, existing: Self.emptyDirectory)))
        #expect(profiles.count == 2)
        let member = profiles[0]
        #expect(member.staffId.value == "000123")
        #expect(member.name == "Okafor, Margaret")
        #expect(member.email == "m.okafor@example.gov.uk")
        #expect(member.team == "Team \"A\", North")
        #expect(member.teamLeaderStaffId?.value == "000456")
        #expect(member.roles == [.caseworker, .teamLeader])
        let leader = profiles[1]
        #expect(leader.staffId.value == "000456")
        #expect(leader.teamLeaderStaffId == nil)
        #expect(leader.roles == [.teamLeader, .scrManager])
    }

    @Test func teamLeaderAlreadyInTheDirectoryIsAccepted() throws {
        let csv = "\(Self.header)\n\(Self.row("101", leader: "777"))\n"
        let profiles = try #require(Self.profiles(StaffImport.check(csv: csv, existing: { $0.value == "777" })))
        #expect(profiles.map(\.teamLeaderStaffId?.value) == ["777"])
    }

    @Test func columnsMayComeInAnyOrderWithExtraColumns() throws {
        let csv = """
        roles,notes,teamLeaderStaffId,area,grade,team,phone,email,name,staffId
        cfat,"ignored, entirely",,National,AO,CFAT,0121 496 0502,samuel@example.gov.uk,Samuel Adeyemi,50000002
        """
        let profiles = try #require(Self.profiles(StaffImport.check(csv: csv, existing: Self.emptyDirectory)))
        #expect(profiles.count == 1)
        #expect(profiles[0].staffId.value == "50000002")
        #expect(profiles[0].name == "Samuel Adeyemi")
        #expect(profiles[0].roles == [.cfat])
        #expect(profiles[0].area == "National")
    }

    @Test func windowsLineEndingsAndBlankLinesAreFine() throws {
        let csv = "\(Self.header)\r\n\(Self.row("1"))\r\n\r\n\(Self.row("2"))\r\n"
        let profiles = try #require(Self.profiles(StaffImport.check(csv: csv, existing: Self.emptyDirectory)))
        #expect(profiles.map(\.staffId.value) == ["1", "2"])
        #expect(profiles[1].roles == [.caseworker])
    }

    @Test func quotedFieldMayHoldALineBreak() throws {
        let csv = "\(Self.header)\n1,Ann,ann@example.gov.uk,,Team,AO,\"Floor 2\nBlock B\",,caseworker\n"
        let profiles = try #require(Self.profiles(StaffImport.check(csv: csv, existing: Self.emptyDirectory)))
        #expect(profiles.map(\.area) == ["Floor 2\nBlock B"])
    }

    // MARK: Bad rows

    @Test func eachBadRowIsReportedWithItsLineNumberAndReason() throws {
        let csv = [
            Self.header,                              // line 1
            Self.row("100"),                          // line 2: fine
            Self.row("12ab"),                         // line 3: bad staff ID
            Self.row("101", leader: "999"),           // line 4: unknown team leader
            Self.row("100"),                          // line 5: duplicate of line 2
            Self.row("555"),                          // line 6: already in the directory
            Self.row("102", roles: "caseworker;wizard"), // line 7: unknown role
            Self.row("103", leader: "100"),           // line 8: fine
        ].joined(separator: "\n")
        let problems = try #require(Self.problems(StaffImport.check(csv: csv, existing: { $0.value == "555" })))
        #expect(problems.map(\.line) == [3, 4, 5, 6, 7])
        #expect(problems.allSatisfy { $0.reasons.count == 1 })
        let reasons = Dictionary(uniqueKeysWithValues: problems.map { ($0.line, $0.reasons.joined()) })
        #expect(reasons[3]?.hasPrefix("bad staff ID") == true)
        #expect(reasons[4]?.hasPrefix("unknown team leader") == true)
        #expect(reasons[4]?.contains("999") == true)
        #expect(reasons[5] == "duplicate staff ID 100: already on line 2")
        #expect(reasons[6] == "duplicate staff ID 555: already in the directory")
        #expect(reasons[7]?.hasPrefix("unknown role") == true)
        #expect(reasons[7]?.contains("wizard") == true)
    }

    @Test func rowProblemDescriptionStartsWithTheLine() throws {
        let csv = "\(Self.header)\n\(Self.row("12ab"))"
        let problem = try #require(Self.problems(StaffImport.check(csv: csv, existing: Self.emptyDirectory))?.first)
        #expect(problem.description.hasPrefix("line 2: bad staff ID"))
    }

    @Test func everyProblemWithOneRowIsListedTogether() throws {
        let csv = "\(Self.header)\n\(Self.row("1", leader: "1", roles: "wizard", email: "nope"))"
        let problems = try #require(Self.problems(StaffImport.check(csv: csv, existing: Self.emptyDirectory)))
        #expect(problems.count == 1)
        #expect(problems[0].line == 2)
        #expect(problems[0].reasons.count == 3)
        #expect(problems[0].reasons[0].hasPrefix("email: "))
        #expect(problems[0].reasons[1] == "bad team leader: A person cannot be their own team leader")
        #expect(problems[0].reasons[2].hasPrefix("unknown role"))
    }

    @Test func rowWithoutRolesSaysToChooseOne() throws {
        let csv = "\(Self.header)\n\(Self.row("1", roles: ""))"
        let problems = try #require(Self.problems(StaffImport.check(csv: csv, existing: Self.emptyDirectory)))
        #expect(problems == [.init(line: 2, reasons: ["Choose at least one role"])])
    }

    @Test func oneBadRowMeansNothingIsImported() throws {
        let csv = [Self.header, Self.row("1"), Self.row("2"), Self.row("bad"), Self.row("3")].joined(separator: "\n")
        let problems = try #require(Self.problems(StaffImport.check(csv: csv, existing: Self.emptyDirectory)))
        #expect(problems.map(\.line) == [4])
    }

    @Test func lineNumbersCountBlankLines() throws {
        let csv = "\(Self.header)\n\(Self.row("1"))\n\n\n\(Self.row("x"))\n"
        let problems = try #require(Self.problems(StaffImport.check(csv: csv, existing: Self.emptyDirectory)))
        #expect(problems.map(\.line) == [5])
    }

    @Test func lineNumbersCountLineBreaksInsideQuotedFields() throws {
        let csv = [
            Self.header,                                                        // line 1
            "1,\"Ann\nSmith\",ann@example.gov.uk,,Team,AO,\"Floor 2\nBlock B\",,caseworker", // lines 2-4
            Self.row("x"),                                                      // line 5
            "2,Bob,\"bob\n@example\",,Team,AO,,,caseworker",                    // lines 6-7, bad email
            Self.row("3", leader: "404"),                                       // line 8
        ].joined(separator: "\n")
        let problems = try #require(Self.problems(StaffImport.check(csv: csv, existing: Self.emptyDirectory)))
        #expect(problems.map(\.line) == [5, 6, 8])
        #expect(problems[1].reasons.first?.hasPrefix("email") == true)
        #expect(problems[2].reasons.first?.hasPrefix("unknown team leader") == true)
    }

    @Test func duplicateIsReportedAgainstTheFirstLineEvenAfterMultiLineFields() throws {
        let csv = [
            Self.header,
            "7,\"A\nB\",a@example.gov.uk,,Team,AO,,,caseworker", // lines 2-3
            Self.row("7"),                                      // line 4
        ].joined(separator: "\n")
        let problems = try #require(Self.problems(StaffImport.check(csv: csv, existing: Self.emptyDirectory)))
        #expect(problems == [.init(line: 4, reasons: ["duplicate staff ID 7: already on line 2"])])
    }

    // MARK: Malformed files

    @Test func missingHeaderColumnsAreNamed() throws {
        let csv = "staffId,name,phone,team,grade,area,teamLeaderStaffId\n1,Ann,,T,,,\n"
        let problems = try #require(Self.problems(StaffImport.check(csv: csv, existing: Self.emptyDirectory)))
        #expect(problems == [.init(line: 1, reasons: ["the header is missing the columns email, roles"])])
    }

    @Test func oneMissingHeaderColumnIsSingular() throws {
        let csv = Self.header.replacingOccurrences(of: ",grade", with: "") + "\n"
        let problems = try #require(Self.problems(StaffImport.check(csv: csv, existing: Self.emptyDirectory)))
        #expect(problems == [.init(line: 1, reasons: ["the header is missing the column grade"])])
    }

    @Test func headerNamesMayHaveSurroundingSpaces() throws {
        let csv = Self.header.replacingOccurrences(of: ",", with: " , ") + "\n" + Self.row("1")
        #expect(Self.profiles(StaffImport.check(csv: csv, existing: Self.emptyDirectory))?.count == 1)
    }

    @Test func rowWithTheWrongNumberOfFieldsIsReported() throws {
        let csv = [
            Self.header,
            Self.row("1"),
            "2,Too Few,two@example.gov.uk,,Team,AO,,caseworker",
            Self.row("3") + ",extra",
        ].joined(separator: "\n")
        let problems = try #require(Self.problems(StaffImport.check(csv: csv, existing: Self.emptyDirectory)))
        #expect(problems == [
            .init(line: 3, reasons: ["has 8 fields but the header has 9"]),
            .init(line: 4, reasons: ["has 10 fields but the header has 9"]),
        ])
    }

    @Test func unclosedQuoteIsReportedAtTheRowWhereItStarts() throws {
        let csv = [Self.header, Self.row("1"), "2,\"Never closed,x@example.gov.uk,,Team,AO,,,caseworker", Self.row("3")]
            .joined(separator: "\n")
        let problems = try #require(Self.problems(StaffImport.check(csv: csv, existing: Self.emptyDirectory)))
        #expect(problems == [.init(line: 3, reasons: ["a quoted field is never closed"])])
    }

    @Test func quoteInsideAnUnquotedFieldIsReported() throws {
        let csv = "\(Self.header)\n\(Self.row("1"))\n2,Ann \"Nan\" Smith,a@example.gov.uk,,T,,,,caseworker\n"
        let problems = try #require(Self.problems(StaffImport.check(csv: csv, existing: Self.emptyDirectory)))
        #expect(problems.map(\.line) == [3])
        #expect(problems.first?.reasons.first?.contains("quote appears inside an unquoted field") == true)
    }

    @Test func textAfterAClosingQuoteIsReported() throws {
        let csv = "\(Self.header)\n2,\"Ann\" Smith,a@example.gov.uk,,T,,,,caseworker\n"
        let problems = try #require(Self.problems(StaffImport.check(csv: csv, existing: Self.emptyDirectory)))
        #expect(problems.map(\.line) == [2])
        #expect(problems.first?.reasons.first?.contains("text follows a closing quote") == true)
    }

    @Test(arguments: ["\n", "\n\n  \n", ""])
    func headerOnlyFileSaysThereAreNoStaffRows(trailer: String) throws {
        let problems = try #require(Self.problems(StaffImport.check(csv: Self.header + trailer, existing: Self.emptyDirectory)))
        #expect(problems == [.init(line: 2, reasons: ["the file has a header but no staff rows"])])
    }

    @Test func emptyFileAsksForAHeader() throws {
        let problems = try #require(Self.problems(StaffImport.check(csv: "", existing: Self.emptyDirectory)))
        #expect(problems.count == 1)
        #expect(problems[0].line == 1)
        #expect(problems[0].reasons.first?.hasPrefix("the file is empty") == true)
        #expect(problems[0].reasons.first?.contains(Self.header) == true)
    }
}
