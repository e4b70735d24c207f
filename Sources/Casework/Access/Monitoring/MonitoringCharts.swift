import CaseworkCore
import Foundation

/// The monitoring page's charts, drawn from the same summary the JSON answers: requests per day by outcome, time to
/// decide at each stage, live grants by team, and overdue log-off confirmations by team.
enum MonitoringCharts {
    static func all(_ summary: MonitoringDTO) -> [Chart] {
        [requestsPerDay(summary), timeToDecide(summary), liveGrantsByTeam(summary), overdueLogOffsByTeam(summary)]
    }

    static func requestsPerDay(_ summary: MonitoringDTO) -> Chart {
        let days = summary.requestsPerDay
        let outcomes: [(String, KeyPath<DayFiguresDTO, Int>)] = [
            ("Granted", \.granted), ("In progress", \.inProgress), ("Rejected", \.rejected), ("Returned", \.returned), ("Withdrawn", \.withdrawn),
        ]
        let total = days.reduce(0) { $0 + $1.requests }
        let parts = outcomes.map { name, path in "\(days.reduce(0) { $0 + $1[keyPath: path] }) \(name.lowercased())" }
        let busiest = days.max { $0.requests < $1.requests }
        var description = "Requests made each day from \(Chart.dayName(summary.from)) to \(Chart.dayName(summary.to)), by where they stand now: "
            + "\(total) in all; " + parts.joined(separator: ", ") + "."
        if let busiest, busiest.requests > 0 { description += " The busiest day was \(Chart.dayName(busiest.day)), with \(busiest.requests)." }
        return Chart.columns(
            id: "chart-requests-per-day", title: "Requests per day by outcome", description: description,
            categories: days.map { Chart.shortDayName($0.day) }, categoryNames: days.map { Chart.dayName($0.day) },
            series: outcomes.map { name, path in Chart.Series(name: name, values: days.map { Double($0[keyPath: path]) }) })
    }

    static func timeToDecide(_ summary: MonitoringDTO) -> Chart {
        let stages = summary.stages
        let described = stages.map { s in
            s.medianMinutesToDecide.map { "\(s.stage.displayName): median \($0) minutes, longest \(s.longestMinutesToDecide ?? $0) minutes" }
                ?? "\(s.stage.displayName): no decisions"
        }
        return Chart.bars(
            id: "chart-time-to-decide", title: "Time to decide at each stage, in minutes",
            description: "Minutes from a request reaching each stage to its decision, for requests made in the period. " + described.joined(separator: "; ") + ".",
            categories: stages.map { $0.stage.displayName },
            series: [Chart.Series(name: "Median", values: stages.map { Double($0.medianMinutesToDecide ?? 0) }),
                     Chart.Series(name: "Longest", values: stages.map { Double($0.longestMinutesToDecide ?? 0) })],
            unit: "minutes", headers: ["Stage", "Median minutes", "Longest minutes"], isEmpty: stages.allSatisfy { $0.decisions == 0 })
    }

    static func liveGrantsByTeam(_ summary: MonitoringDTO) -> Chart {
        teams(summary.liveGrantsByTeam, id: "chart-live-grants-by-team", title: "Live grants by team", what: "live grants",
              total: summary.counts.activeGrants)
    }

    static func overdueLogOffsByTeam(_ summary: MonitoringDTO) -> Chart {
        teams(summary.overdueLogOffsByTeam, id: "chart-overdue-log-offs", title: "Log-off confirmations overdue, by team",
              what: "overdue log-off confirmations", total: summary.counts.overdueLogOffs)
    }

    private static func teams(_ rows: [TeamCountDTO], id: String, title: String, what: String, total: Int) -> Chart {
        let shown = rows.reduce(0) { $0 + $1.n }
        let name = what.prefix(1).uppercased() + what.dropFirst()
        var description = rows.isEmpty ? "There are no \(what)." : "\(name): \(total). By team: " + rows.map { "\($0.team), \($0.n)" }.joined(separator: "; ") + "."
        if shown < total { description += " Other teams have the remaining \(total - shown)." }
        return Chart.bars(id: id, title: title, description: description, categories: rows.map(\.team),
                          series: [Chart.Series(name: name, values: rows.map { Double($0.n) })], unit: what, headers: ["Team", name])
    }
}
