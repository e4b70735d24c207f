import Testing
@testable import CaseworkCore

/// What the monitoring and receipts CSVs are written with: fields a spreadsheet opens as they were, never as a formula.
struct CSVWriterTests {
    static func line(_ fields: [String]) -> String {
        var bytes: [UInt8] = []
        CSVWriter.appendLine(fields, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func plainFieldsAreWrittenAsTheyAreWithCRLFLineEnds() {
        #expect(Self.line(["CSUA-1", "Scale Casework 2687", "Siân O'Brien", "", "5"]) == "CSUA-1,Scale Casework 2687,Siân O'Brien,,5\r\n")
        #expect(CSVWriter.write(header: ["a", "b"], rows: [["1", "2"], ["3", "4"]]) == "a,b\r\n1,2\r\n3,4\r\n")
    }

    @Test func fieldsWithCommasQuotesOrLineBreaksAreQuoted() {
        #expect(Self.line(["Smith, Jo", #"the "urgent" one"#]) == #""Smith, Jo","the ""urgent"" one""# + "\r\n")
        // A line break of either kind, or both together (one character to Swift), keeps the row whole.
        #expect(Self.line(["one\ntwo", "one\rtwo", "one\r\ntwo"]) == "\"one\ntwo\",\"one\rtwo\",\"one\r\ntwo\"\r\n")
    }

    @Test func textASpreadsheetWouldRunAsAFormulaStartsWithAnApostrophe() {
        #expect(Self.line(["=HYPERLINK(\"x\")", "+1+1", "@SUM(A1)", "-cmd", "\tx"]) == "\"'=HYPERLINK(\"\"x\"\")\",'+1+1,'@SUM(A1),'-cmd,'\tx\r\n")
        // A number is a number, negative or not.
        #expect(Self.line(["-5", "+2.5", "5"]) == "-5,+2.5,5\r\n")
    }

    @Test func whatIsWrittenReadsBackAsTheSameFields() throws {
        let rows = [["Reference", "Reason"], ["CSUA-1", "Not needed, \"really\"\nsee notes"], ["CSUA-2", "=1+1"], ["CSUA-3", "Ünïcödé 🙂"]]
        let text = CSVWriter.write(header: rows[0], rows: Array(rows.dropFirst()))
        let read = try CSV.parse(text).map(\.fields)
        #expect(read == [rows[0], rows[1], ["CSUA-2", "'=1+1"], rows[3]])
    }
}
