@testable import Casework
import CaseworkCore
import Fluent
import Testing
import Vapor
import VaporTesting

@Suite("The staff directory and its administration")
struct DirectoryTests {
    struct NewStaff: Encodable {
        var staffId = "00012345"
        var name = "Zara Ahmed"
        var email = "Zara.Ahmed@childmaintenance.gov.uk"
        var phone = "0191 496 0999"
        var team = "Newcastle Casework 1"
        var grade = "AO"
        var area = "North East"
        var teamLeaderStaffId = "20010001"
        var roles = ["caseworker"]
        var password: String? = "a long enough passphrase"
    }

    @Test func administratorAddsAPersonWhoCanThenSignIn() async throws {
        try await withCasework { app in
            let admin = try await app.token("90000001")
            let created = try await app.sendJSON(.POST, "/api/v1/staff", body: NewStaff(), token: admin)
            #expect(created.status == .created)
            let staff = try created.content.decode(StaffDTO.self)
            #expect(staff.staffId == "00012345")
            #expect(staff.email == "zara.ahmed@childmaintenance.gov.uk")
            #expect(staff.teamLeaderStaffId == "20010001")
            _ = try await app.token("00012345", password: "a long enough passphrase")
            let event = try #require(try await app.auditEvents().last { $0.action == "staff.create" })
            #expect(event.actorStaffId == "90000001")
            #expect(event.actorRole == "administrator")
            #expect(event.subjectId == "00012345")
        }
    }

    @Test func invalidNewPersonNamesEveryFieldAndSavesNothing() async throws {
        try await withCasework { app in
            let admin = try await app.token("90000001")
            var bad = NewStaff()
            bad.staffId = "1234567890"
            bad.name = ""
            bad.email = "not-an-email"
            bad.teamLeaderStaffId = "99999999"
            bad.roles = ["wizard"]
            bad.password = "short"
            let before = try await StaffModel.query(on: app.db).count()
            let response = try await app.sendJSON(.POST, "/api/v1/staff", body: bad, token: admin)
            #expect(response.status == .unprocessableEntity)
            let problem = try response.content.decode(Problem.self)
            for field in ["staffId", "name", "email", "teamLeaderStaffId", "roles", "password"] {
                #expect(problem.errors?[field] != nil, "no message for \(field)")
            }
            #expect(problem.errors?["teamLeaderStaffId"]?.contains("99999999") == true)
            #expect(try await StaffModel.query(on: app.db).count() == before)
        }
    }

    @Test func duplicateStaffIdIsAConflict() async throws {
        try await withCasework { app in
            let admin = try await app.token("90000001")
            var duplicate = NewStaff()
            duplicate.staffId = "20010002"
            let response = try await app.sendJSON(.POST, "/api/v1/staff", body: duplicate, token: admin)
            #expect(response.status == .conflict)
            #expect(try await StaffModel.find("20010002", on: app.db)?.name == "Tom Baxter")
        }
    }

    @Test func onlyAdministratorsChangeTheDirectory() async throws {
        try await withCasework { app in
            let teamLeader = try await app.token("20020001")
            #expect(try await app.sendJSON(.POST, "/api/v1/staff", body: NewStaff(), token: teamLeader).status == .forbidden)
            #expect(try await app.sendJSON(.POST, "/api/v1/staff/20020002/deactivate", token: teamLeader).status == .forbidden)
            #expect(try await app.sendJSON(.POST, "/api/v1/staff/20020002/password-reset", token: teamLeader).status == .forbidden)
            let browser = Browser(app)
            try await browser.signIn("20020001")
            #expect(try await browser.get("/staff/new").status == .forbidden)
            #expect(try await browser.post("/staff/20020002/deactivate", form: [:]).status == .forbidden)
            #expect(try await StaffModel.find("20020002", on: app.db)?.active == true)
        }
    }

    @Test func deactivationEndsEverySessionAtOnce() async throws {
        try await withCasework { app in
            let victimToken = try await app.token("20020002")
            let browser = Browser(app)
            try await browser.signIn("20020002")
            #expect(try await browser.get("/").status == .ok)
            let admin = try await app.token("90000001")
            let response = try await app.sendJSON(.POST, "/api/v1/staff/20020002/deactivate", token: admin)
            #expect(response.status == .ok)
            #expect(try response.content.decode(StaffDTO.self).active == false)
            #expect(try await app.sendJSON(.GET, "/api/v1/home", token: victimToken).status == .unauthorized)
            #expect(try await browser.get("/").headers.first(name: .location) == "/sign-in")
            let again = try await app.sendJSON(.POST, "/api/v1/auth/tokens", ["staffId": "20020002", "password": DemoOrganisation.defaultPassword])
            #expect(again.status == .unauthorized)
            #expect(try await app.sendJSON(.POST, "/api/v1/staff/20020002/deactivate", token: admin).status == .conflict)
            #expect(try await app.sendJSON(.POST, "/api/v1/staff/90000001/deactivate", token: admin).status == .conflict)
        }
    }

    @Test func removingARoleStopsSessionsActingInIt() async throws {
        try await withCasework { app in
            let asLeader = try await app.token("20010001", role: .teamLeader)
            let admin = try await app.token("90000001")
            let patched = try await app.sendJSON(.PATCH, "/api/v1/staff/20010001", body: ["roles": ["caseworker"]], token: admin)
            #expect(patched.status == .ok)
            #expect(try patched.content.decode(StaffDTO.self).roles == ["caseworker"])
            #expect(try await app.sendJSON(.GET, "/api/v1/home", token: asLeader).status == .unauthorized)
            let event = try #require(try await app.auditEvents().last { $0.action == "staff.update" })
            #expect(event.detail.contains("roles: caseworker,teamLeader -> caseworker"))
        }
    }

    @Test func teamLeaderCannotReportToTheirOwnTeamMember() async throws {
        try await withCasework { app in
            let admin = try await app.token("90000001")
            let response = try await app.sendJSON(.PATCH, "/api/v1/staff/20010001", body: ["teamLeaderStaffId": "20010002"], token: admin)
            #expect(response.status == .unprocessableEntity)
            #expect(try await StaffModel.find("20010001", on: app.db)?.teamLeaderStaffId == "10000001")
        }
    }

    @Test func directorySearchFindsByNameAndStaffIdPrefix() async throws {
        try await withCasework { app in
            let token = try await app.token("20010002")
            let byName = try await app.sendJSON(.GET, "/api/v1/staff?q=cox", token: token).content.decode(ListDTO<StaffDTO>.self)
            #expect(byName.items.map(\.staffId) == ["35220900"])
            let byId = try await app.sendJSON(.GET, "/api/v1/staff?q=2001", token: token).content.decode(ListDTO<StaffDTO>.self)
            #expect(byId.items.map(\.staffId) == ["20010001", "20010002", "20010003", "20010004"])
            let page = try await app.sendJSON(.GET, "/api/v1/staff?q=2001&limit=3", token: token).content.decode(ListDTO<StaffDTO>.self)
            #expect(page.items.count == 3)
            let cursor = try #require(page.nextCursor)
            let rest = try await app.sendJSON(.GET, "/api/v1/staff?q=2001&limit=3&cursor=\(cursor)", token: token).content.decode(ListDTO<StaffDTO>.self)
            #expect(rest.items.map(\.staffId) == ["20010004"])
            #expect(rest.nextCursor == nil)
            #expect(try await app.sendJSON(.GET, "/api/v1/staff?limit=0", token: token).status == .unprocessableEntity)
            let one = try await app.sendJSON(.GET, "/api/v1/staff/20010002", token: token).content.decode(StaffDTO.self)
            #expect(one.teamLeaderStaffId == "20010001")
            #expect(one.team == "Newcastle Casework 1")
            #expect(try await app.sendJSON(.GET, "/api/v1/staff/77777777", token: token).status == .notFound)
            let browser = Browser(app)
            try await browser.signIn("20010002")
            let html = try await browser.get("/staff?q=shepherd").body.string
            #expect(html.contains("Andrew Shepherd"))
            #expect(!html.contains("Paul Cox"))
        }
    }

    @Test func staffFormWithErrorsKeepsWhatWasTyped() async throws {
        try await withCasework { app in
            let browser = Browser(app)
            try await browser.signIn("90000001")
            let page = try await browser.post("/staff/new", form: [
                "staffId": "555", "name": "Keep Me", "email": "nope", "phone": "", "team": "Some Team", "grade": "", "area": "",
                "teamLeaderStaffId": "", "roles[]": "caseworker",
            ])
            #expect(page.status == .unprocessableEntity)
            let html = page.body.string
            #expect(html.contains("govuk-error-summary"))
            #expect(html.contains(##"href="#email""##))
            #expect(html.contains(#"value="Keep Me""#))
            #expect(html.contains(#"value="Some Team""#))
            #expect(try await StaffModel.find("555", on: app.db) == nil)
        }
    }

    @Test func importedStaffAreAllAddedWithTheirLeadersAndAudited() async throws {
        try await withCasework { app in
            let csv = """
            staffId,name,email,phone,team,grade,area,teamLeaderStaffId,roles
            70000002,Ivy Member,ivy@example.gov.uk,1,Import Team,AO,Wales,70000001,caseworker
            70000001,Ian Leader,ian@example.gov.uk,2,Import Team,EO,Wales,10000001,teamLeader;caseworker
            """
            guard case .valid(let profiles) = StaffImport.check(csv: csv, existing: { $0.value == "10000001" }) else {
                Issue.record("the import file should be valid")
                return
            }
            let directory = Directory(db: app.db, lane: app.casework.lane, passwords: app.password.async, clock: app.casework.clock)
            try await directory.importProfiles(profiles, passwordHash: nil, by: .system, source: "staff.csv")
            #expect(try await StaffModel.find("70000002", on: app.db)?.teamLeaderStaffId == "70000001")
            #expect(try await app.auditEvents().filter { $0.action == "staff.import" }.count == 2)
            // No password yet: they cannot sign in until an administrator resets it.
            let response = try await app.sendJSON(.POST, "/api/v1/auth/tokens", ["staffId": "70000001", "password": DemoOrganisation.defaultPassword, "role": "teamLeader"])
            #expect(response.status == .unauthorized)
        }
    }

    @Test func seedingTwiceAddsNothing() async throws {
        try await withCasework { app in
            let staff = try await StaffModel.query(on: app.db).count()
            let roles = try await StaffRoleModel.query(on: app.db).count()
            #expect(staff == DemoOrganisation.staff.count)
            #expect(try await DemoSeeder(app: app).seed() == 0)
            #expect(try await StaffModel.query(on: app.db).count() == staff)
            #expect(try await StaffRoleModel.query(on: app.db).count() == roles)
        }
    }
}

/// The directory's rules run on any `DirectoryRepository`: here one held in memory, with no database.
@Suite("The directory's rules on a repository in memory")
struct DirectoryRepositoryTests {
    /// Who reports to whom, and nothing else a test here needs.
    final class InMemoryDirectory: DirectoryRepository, @unchecked Sendable {
        private let lock = NSLock()
        private var leaders: [String: String?]

        init(leaders: [String: String?]) { self.leaders = leaders }

        func person(_ staffId: String) async throws -> StaffModel? { nil }
        func exists(_ staffId: String) async throws -> Bool { lock.withLock { leaders[staffId] != nil } }
        func people(idPrefix: String?, namePart: String?, after: String?, limit: Int) async throws -> [StaffModel] { [] }
        func teamLeader(of staffId: String) async throws -> String? { lock.withLock { leaders[staffId] ?? nil } }
        func add(_ staff: StaffModel, roles: [Role]) async throws { lock.withLock { leaders[staff.id!] = .some(staff.teamLeaderStaffId) } }
        func save(_ staff: StaffModel) async throws { lock.withLock { leaders[staff.id!] = .some(staff.teamLeaderStaffId) } }
        func replaceRoles(of staffId: String, with roles: [Role]) async throws {}
        func setTeamLeader(of staffId: String, to leader: String) async throws { lock.withLock { leaders[staffId] = .some(leader) } }
        func sessionCount(of staffId: String) async throws -> Int { 0 }
        func endSessions(of staffId: String, actingAs roles: [Role]?) async throws {}
    }

    @Test func aTeamLeaderCannotReportToSomeoneWhoReportsToThem() async throws {
        // 10 leads 20, 20 leads 30; 40 leads no one and reports to no one.
        let rows = InMemoryDirectory(leaders: ["10": String?.none, "20": "10", "30": "20", "40": String?.none])
        #expect(try await Directory.wouldCreateLeaderCycle(staffId: "10", leader: "30", in: rows), "10 would report to their own team's member")
        #expect(try await Directory.wouldCreateLeaderCycle(staffId: "10", leader: "10", in: rows), "no one leads themselves")
        #expect(try await Directory.wouldCreateLeaderCycle(staffId: "10", leader: "40", in: rows) == false)
        #expect(try await Directory.wouldCreateLeaderCycle(staffId: "30", leader: "40", in: rows) == false)
        #expect(try await Directory.wouldCreateLeaderCycle(staffId: "30", leader: nil, in: rows) == false)
    }
}
