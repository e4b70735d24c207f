import CaseworkCore
import Vapor

/// The tool's CSV files, one function a file, so the page's download and the API's `Accept: text/csv` answer are
/// the same text.
enum ReceiptsCSV {
    static func statement(_ statement: StatementDTO) -> String {
        CSVWriter.write(
            header: ["case", "entry", "kind", "date", "method", "payer", "reference", "amount", "balance", "reverses", "reason"],
            rows: statement.entries.map {
                [statement.reference, $0.id, $0.kind.rawValue, $0.on, $0.method.rawValue, $0.payer ?? "", $0.reference, Pence($0.amountPence).plain,
                 Pence($0.balancePence ?? 0).plain, $0.reversesEntryId ?? "", $0.reason ?? ""]
            })
    }

    static func period(_ report: PeriodReportDTO) -> String {
        CSVWriter.write(header: ["case", "entry", "kind", "date", "method", "reference", "amount", "reverses"],
                        rows: report.items.map { [$0.caseReference, $0.entryId, $0.kind.rawValue, $0.on, $0.method.rawValue, $0.reference, Pence($0.amountPence).plain, $0.reversesEntryId ?? ""] }
                            + [["TOTAL", "", "receipts", report.from, report.to, "", Pence(report.receiptsPence).plain, ""],
                               ["TOTAL", "", "payments", report.from, report.to, "", Pence(report.paymentsPence).plain, ""]])
    }

    static func balances(_ report: BalanceReportDTO) -> String {
        CSVWriter.write(header: ["case", "receipts", "payments", "balance"],
                        rows: report.items.map { [$0.caseReference, Pence($0.receiptsPence).plain, Pence($0.paymentsPence).plain, Pence($0.balancePence).plain] }
                            + [["TOTAL", "", "", Pence(report.totalPence).plain]])
    }

    static func methods(_ report: MethodReportDTO) -> String {
        CSVWriter.write(header: ["method", "receipts", "payments"],
                        rows: report.items.map { [$0.method, Pence($0.receiptsPence).plain, Pence($0.paymentsPence).plain] }
                            + [["TOTAL", Pence(report.receiptsPence).plain, Pence(report.paymentsPence).plain]])
    }

    // MARK: Downloads (the report pages' links, and the API with Accept: text/csv)

    @Sendable static func periodDownload(_ req: Request) async throws -> Response {
        let report = try await ReceiptsTool(request: req).periodReport(from: try? req.query.get(String.self, at: "from"), to: try? req.query.get(String.self, at: "to"))
        return CSVAnswer.response(Self.period(report), filename: "receipts-payments-\(report.from)-to-\(report.to).csv")
    }

    @Sendable static func balancesDownload(_ req: Request) async throws -> Response {
        CSVAnswer.response(Self.balances(try await ReceiptsTool(request: req).balanceReport()), filename: "unallocated-balances.csv")
    }

    @Sendable static func methodsDownload(_ req: Request) async throws -> Response {
        let report = try await ReceiptsTool(request: req).methodReport(from: try? req.query.get(String.self, at: "from"), to: try? req.query.get(String.self, at: "to"))
        return CSVAnswer.response(Self.methods(report), filename: "totals-by-method-\(report.from)-to-\(report.to).csv")
    }
}
