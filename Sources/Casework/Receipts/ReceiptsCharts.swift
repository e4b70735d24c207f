import CaseworkCore
import Foundation

/// The reports page's chart: receipts and payments on each day of the period, drawn from the period report the JSON
/// answers (`PeriodReportDTO.days`).
enum ReceiptsCharts {
    static func receiptsAndPayments(_ report: PeriodReportDTO) -> Chart {
        let days = report.days
        let money: (Double) -> String = { Pence(Int(($0 * 100).rounded())).description }
        let busiest = days.max { $0.receiptsPence + $0.paymentsPence < $1.receiptsPence + $1.paymentsPence }
        var description = "Receipts and payments each day from \(Chart.dayName(report.from)) to \(Chart.dayName(report.to)): "
            + "\(Pence(report.receiptsPence)) received and \(Pence(report.paymentsPence)) paid."
        if let busiest, busiest.receiptsPence + busiest.paymentsPence > 0 {
            description += " The busiest day was \(Chart.dayName(busiest.day)): \(Pence(busiest.receiptsPence)) received, \(Pence(busiest.paymentsPence)) paid."
        }
        return Chart.columns(
            id: "chart-receipts-payments", title: "Receipts and payments per day", description: description,
            categories: days.map { Chart.shortDayName($0.day) }, categoryNames: days.map { Chart.dayName($0.day) },
            series: [Chart.Series(name: "Receipts", values: days.map { Double($0.receiptsPence) / 100 }),
                     Chart.Series(name: "Payments", values: days.map { Double($0.paymentsPence) / 100 })],
            stacked: false, valueText: money)
    }
}
