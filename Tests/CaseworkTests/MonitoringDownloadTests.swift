@testable import Casework
import CaseworkCore
import Foundation
import Testing
import Vapor
import VaporTesting

/// Monitoring's CSVs in parts (`TablePart`): a table of more rows than a part holds downloads in several, which
/// together hold every row once, and which still join up when the table changes between downloads.
@Suite("Monitoring downloads in parts")
struct MonitoringDownloadTests {
    /// Parts of two rows, so that a handful of grants makes several.
    private func partsOfTwo() throws -> Settings {
        var settings = try freshSettings()
        settings.csvPartRows = 2
        return settings
    }

    private func scrManager(_ app: Application) async throws -> Browser {
        let browser = Browser(app)
        try await browser.signIn("30000002")
        try await browser.post("/choose-role", form: ["role": "scrManager"])
        return browser
    }

    /// A CSV's lines after its header.
    private func rows(_ response: TestingHTTPResponse) -> [String] {
        Array(response.body.string.split(separator: "\r\n").map(String.init).dropFirst())
    }

    /// A grant's line as the CSV writes it.
    private func line(_ g: MonitoredGrantDTO) -> String {
        [g.reference, g.staffId, g.name, g.team, g.purpose, g.grantedAt, g.expiresAt, g.endedAt ?? "", g.teamLeaderStaffId ?? ""].joined(separator: ",")
    }

    @Test func aTableOfMoreRowsThanAPartDownloadsInPartsThatHoldEveryRowOnce() async throws {
        try await withCasework(settings: try partsOfTwo(), records: true) { app in
            for minutes in [30, 60, 90, 120, 150] { _ = try await app.grantAccess(minutes: minutes) }
            let robert = try await app.token("30000002", role: .scrManager)
            let summary = try await app.sendJSON(.GET, "/api/v1/monitoring", token: robert).content.decode(MonitoringDTO.self)
            let active = try #require(summary.downloads.first { $0.table == .activeGrants })
            #expect(active.rows == 5 && active.partRows == 2 && active.parts.map(\.part) == [1, 2, 3])
            #expect(active.parts.first?.after == nil && active.parts.last?.through == nil)
            #expect(active.parts[1].after == active.parts[0].through && active.parts[2].after == active.parts[1].through)

            // Each part as the page links it: its rows in the table's order, its file named as a part, and a link to
            // the next part; together, every live grant once.
            let browser = try await scrManager(app)
            var lines: [String] = []
            for part in active.parts {
                let response = try await browser.get(part.href)
                #expect(response.status == .ok)
                #expect(response.headers.first(name: .contentDisposition)?.contains("active-grants-\(summary.from)-to-\(summary.to)-part-\(part.part)-of-3.csv") == true)
                let next = part.part < 3 ? "<\(active.parts[part.part].href)>; rel=\"next\"" : nil
                #expect(response.headers.first(name: .link) == next, "part \(part.part) links the next")
                let partLines = rows(response)
                #expect(partLines.count == (part.part < 3 ? 2 : 1))
                lines += partLines
            }
            #expect(lines == summary.activeGrants.map(line))

            // The table's own link is its first part; a part may be asked for by its number alone.
            #expect(try await browser.get("/monitoring/active-grants.csv").body.string == (try await browser.get(active.parts[0].href)).body.string)
            #expect(rows(try await browser.get("/monitoring/active-grants.csv?part=3")) == [line(summary.activeGrants[4])])

            // The decisions too: three a grant, newest request first.
            let decisions = try #require(summary.downloads.first { $0.table == .decisions })
            #expect(decisions.rows == 15 && decisions.parts.count == 8)
            var decided: [String] = []
            for part in decisions.parts { decided += rows(try await browser.get(part.href)) }
            #expect(decided == summary.decisions.map {
                [$0.reference, $0.team, $0.stage.rawValue, $0.decision.rawValue, $0.at, String($0.minutesToDecide), $0.reason ?? ""].joined(separator: ",")
            })
            // A table of no more rows than a part is one download, as before.
            let teams = try #require(summary.downloads.first { $0.table == .teams })
            #expect(teams.parts.count == 1 && teams.parts[0].href == "/monitoring/teams.csv?from=\(summary.from)&to=\(summary.to)")

            // The page lists each part under the table's heading.
            let page = try await browser.get("/monitoring").body.string
            #expect(page.contains("Download active grants as CSV, in 3 parts"))
            #expect(page.contains("Each part holds up to 2 rows"))
            for part in active.parts {
                #expect(page.contains("href=\"\(part.href.replacingOccurrences(of: "&", with: "&amp;"))\">Active grants, part \(part.part) of 3</a>"))
            }
            #expect(page.contains("id=\"teams-csv\">Download figures by team as CSV</a>"))

            // A day on, all five are overdue log-offs, in parts the same way.
            app.clockForTests.advance(by: 3 * 3600 + 24 * 3600)
            let nextDay = try await app.token("30000002", role: .scrManager)
            let later = try await app.sendJSON(.GET, "/api/v1/monitoring", token: nextDay).content.decode(MonitoringDTO.self)
            let overdue = try #require(later.downloads.first { $0.table == .overdueLogOffs })
            #expect(overdue.parts.count == 3)
            var overdueLines: [String] = []
            let manager = try await scrManager(app)
            for part in overdue.parts { overdueLines += rows(try await manager.get(part.href)) }
            #expect(overdueLines == later.overdueLogOffs.map(line))
        }
    }

    @Test func partsDownloadedWhileTheTableChangesStillJoinUp() async throws {
        try await withCasework(settings: try partsOfTwo(), records: true) { app in
            for minutes in [30, 60, 90, 120] { _ = try await app.grantAccess(minutes: minutes) }
            let robert = try await app.token("30000002", role: .scrManager)
            let summary = try await app.sendJSON(.GET, "/api/v1/monitoring", token: robert).content.decode(MonitoringDTO.self)
            let parts = try #require(summary.downloads.first { $0.table == .activeGrants }?.parts)
            #expect(parts.count == 2)
            let browser = try await scrManager(app)
            let first = rows(try await browser.get(parts[0].href))
            // Two grants made after the first part was downloaded: they end last, so they fall in the last part, and
            // nothing of the first part moves into the second.
            _ = try await app.grantAccess(minutes: 180)
            _ = try await app.grantAccess(minutes: 10)
            let second = rows(try await browser.get(parts[1].href))
            let now = try await app.sendJSON(.GET, "/api/v1/monitoring", token: robert).content.decode(MonitoringDTO.self)
            let shortest = try #require(now.activeGrants.first)
            #expect(shortest.expiresAt < summary.activeGrants[0].expiresAt, "the ten-minute grant ends first")
            #expect(first == summary.activeGrants.prefix(2).map(line))
            #expect(second.count == 3 && Set(first).isDisjoint(with: second))
            #expect(second == Array(now.activeGrants.dropFirst(3)).map(line), "the last part: the two not in the first, and the new one ending last")
            // The new ten-minute grant ends before the first part's last row: it is in the first part's range now, so
            // the second part, named by its ends, does not take it; the page's parts, counted again, do.
            #expect(!second.contains(line(shortest)))
        }
    }

    @Test func aPartThatCannotBeFoundIsRefusedSayingWhatToDo() async throws {
        try await withCasework(settings: try partsOfTwo(), records: true) { app in
            for minutes in [30, 60, 90] { _ = try await app.grantAccess(minutes: minutes) }
            let browser = try await scrManager(app)
            let beyond = try await browser.get("/monitoring/active-grants.csv?part=3")
            #expect(beyond.status == .notFound && beyond.body.string.contains("active-grants.csv is 2 parts for this period: choose part 1 to 2"))
            #expect(try await browser.get("/monitoring/teams.csv?part=2").body.string.contains("teams.csv is one part for this period: choose part 1"))
            let notANumber = try await browser.get("/monitoring/active-grants.csv?part=second")
            #expect(notANumber.status == .unprocessableEntity && notANumber.body.string.contains("part must be a whole number from 1"))
            let notAnId = try await browser.get("/monitoring/decisions.csv?part=2&after=yesterday")
            #expect(notAnId.status == .unprocessableEntity && notAnId.body.string.contains("after must be a decision&#39;s id")
                    || notAnId.body.string.contains("after must be a decision's id"))
            let unknown = UUID().uuidString
            let gone = try await browser.get("/monitoring/active-grants.csv?part=2&through=\(unknown)")
            #expect(gone.status == .notFound && gone.body.string.contains("There is no grant \(unknown): download the parts from the monitoring page again"))
        }
    }
}
