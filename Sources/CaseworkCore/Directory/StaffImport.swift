import Foundation

/// Reads a staff CSV and checks every row before anything is imported.
public enum StaffImport {
    /// The header a staff CSV must start with (column order is free; these names are required).
    public static let requiredColumns = ["staffId", "name", "email", "phone", "team", "grade", "area", "teamLeaderStaffId", "roles"]

    /// A row that cannot be imported, with the file's line number and every reason.
    public struct RowProblem: Sendable, Equatable, CustomStringConvertible {
        public var line: Int
        public var reasons: [String]
        public var description: String { "line \(line): \(reasons.joined(separator: "; "))" }
    }

    /// The outcome of checking a file: the profiles to import, or every problem found.
    public enum Outcome: Sendable, Equatable {
        case valid([StaffProfile])
        case invalid([RowProblem])
    }

    /// Checks the whole file. `existing` answers whether a staff ID is already in the directory.
    public static func check(csv text: String, existing: (StaffID) -> Bool) -> Outcome {
        let rows: [(line: Int, fields: [String])]
        do {
            rows = try CSV.parse(text)
        } catch {
            return .invalid([RowProblem(line: error.line, reasons: [error.reason])])
        }
        guard let header = rows.first else {
            return .invalid([RowProblem(line: 1, reasons: ["the file is empty: it needs a header row: \(requiredColumns.joined(separator: ","))"])])
        }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        let missing = requiredColumns.filter { !names.contains($0) }
        if !missing.isEmpty {
            return .invalid([RowProblem(line: header.line, reasons: ["the header is missing the column\(missing.count == 1 ? "" : "s") \(missing.joined(separator: ", "))"])])
        }
        let dataRows = rows.dropFirst().filter { !($0.fields.count == 1 && $0.fields[0].trimmingCharacters(in: .whitespaces).isEmpty) }
        if dataRows.isEmpty {
            return .invalid([RowProblem(line: header.line + 1, reasons: ["the file has a header but no staff rows"])])
        }
        // A team leader may appear anywhere in the same file, so collect its IDs first.
        let idsInFile = Set(dataRows.compactMap { row -> StaffID? in
            guard let index = names.firstIndex(of: "staffId"), index < row.fields.count else { return nil }
            return StaffID(row.fields[index])
        })
        var seen: [StaffID: Int] = [:]
        var profiles: [StaffProfile] = []
        var problems: [RowProblem] = []
        for row in dataRows {
            if row.fields.count != names.count {
                problems.append(RowProblem(line: row.line, reasons: ["has \(row.fields.count) fields but the header has \(names.count)"]))
                continue
            }
            func value(_ column: String) -> String { row.fields[names.firstIndex(of: column)!] }
            let input = StaffInput(
                staffId: value("staffId"), name: value("name"), email: value("email"), phone: value("phone"),
                team: value("team"), grade: value("grade"), area: value("area"),
                teamLeaderStaffId: value("teamLeaderStaffId"),
                roles: value("roles").split(whereSeparator: { $0 == ";" || $0 == "|" }).map(String.init)
            )
            var reasons: [String] = []
            // Duplicates are checked on the ID alone, so a row with other errors still says it is a duplicate.
            if let id = StaffID(input.staffId) {
                if let firstLine = seen[id] {
                    reasons.append("duplicate staff ID \(id): already on line \(firstLine)")
                } else if existing(id) {
                    reasons.append("duplicate staff ID \(id): already in the directory")
                } else {
                    seen[id] = row.line
                }
            }
            do {
                let profile = try input.validated { idsInFile.contains($0) || existing($0) }
                if reasons.isEmpty { profiles.append(profile) }
            } catch {
                reasons = error.fields.map { Self.reason(field: $0.name, message: $0.message) } + reasons
            }
            if !reasons.isEmpty { problems.append(RowProblem(line: row.line, reasons: reasons)) }
        }
        return problems.isEmpty ? .valid(profiles) : .invalid(problems)
    }

    /// Words a row report uses for each field's problem: bad staff ID, unknown team leader, unknown role.
    static func reason(field: String, message: String) -> String {
        switch field {
        case "staffId": "bad staff ID: \(message)"
        case "teamLeaderStaffId": message.hasPrefix("Unknown") ? "unknown team leader: \(message)" : "bad team leader: \(message)"
        case "roles": message.hasPrefix("Unknown role") ? "unknown role: \(message)" : message
        default: "\(field): \(message)"
        }
    }
}

/// A small RFC 4180 reader: quoted fields may hold commas, quotes ("") and line breaks.
enum CSV {
    struct Failure: Error {
        var line: Int
        var reason: String
    }

    static func parse(_ text: String) throws(Failure) -> [(line: Int, fields: [String])] {
        var rows: [(line: Int, fields: [String])] = []
        var fields: [String] = []
        var field = ""
        var inQuotes = false
        var line = 1
        var rowStartLine = 1
        var fieldWasQuoted = false
        var iterator = Array(text.replacingOccurrences(of: "\r\n", with: "\n")).makeIterator()
        var pending: Character? = nil
        func next() -> Character? {
            if let p = pending { pending = nil; return p }
            return iterator.next()
        }
        while let char = next() {
            if inQuotes {
                if char == "\"" {
                    if let following = next() {
                        if following == "\"" { field.append("\"") } else { inQuotes = false; pending = following }
                    } else {
                        inQuotes = false
                    }
                } else {
                    if char == "\n" { line += 1 }
                    field.append(char)
                }
                continue
            }
            switch char {
            case "\"":
                if field.isEmpty && !fieldWasQuoted {
                    inQuotes = true
                    fieldWasQuoted = true
                } else {
                    throw Failure(line: line, reason: "a quote appears inside an unquoted field: wrap the field in quotes and double the quote")
                }
            case ",":
                fields.append(field)
                field = ""
                fieldWasQuoted = false
            case "\n":
                fields.append(field)
                rows.append((rowStartLine, fields))
                fields = []
                field = ""
                fieldWasQuoted = false
                line += 1
                rowStartLine = line
            default:
                if fieldWasQuoted {
                    throw Failure(line: line, reason: "text follows a closing quote: put the whole field inside the quotes")
                }
                field.append(char)
            }
        }
        if inQuotes {
            throw Failure(line: rowStartLine, reason: "a quoted field is never closed")
        }
        if !field.isEmpty || !fields.isEmpty || fieldWasQuoted {
            fields.append(field)
            rows.append((rowStartLine, fields))
        }
        return rows
    }
}

/// Writes CSV that spreadsheets open as written: every field quoted when it needs to be, CRLF line ends,
/// and a leading apostrophe on text a spreadsheet would run as a formula (OWASP CSV injection).
///
/// Written as UTF-8 bytes, a line at a time: the monitoring CSVs write hundreds of thousands of lines, and building
/// each as strings (each field looked at a character at a time, joined, then copied into a buffer) was most of a
/// download's time. Every character the rules look at is ASCII, so the bytes are read as they are.
public enum CSVWriter {
    public static func write(header: [String], rows: [[String]]) -> String {
        var bytes: [UInt8] = []
        appendLine(header, to: &bytes)
        for row in rows { appendLine(row, to: &bytes) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// One line: the fields separated by commas, then CRLF.
    public static func appendLine(_ fields: [String], to bytes: inout [UInt8]) {
        for (position, field) in fields.enumerated() {
            if position > 0 { bytes.append(comma) }
            append(field, to: &bytes)
        }
        bytes.append(cr)
        bytes.append(lf)
    }

    private static let comma = UInt8(ascii: ","), quote = UInt8(ascii: "\""), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
    /// What a spreadsheet reads as the start of a formula (a number such as -5 is left as it is).
    private static let formulaStarts: [UInt8] = ["=", "+", "-", "@", "\t", "\r"].map { UInt8(ascii: $0) }

    private static func append(_ value: String, to bytes: inout [UInt8]) {
        var text = value
        text.withUTF8 { utf8 in
            let formula = utf8.first.map(formulaStarts.contains) == true && Double(value) == nil
            // A line break inside a field is quoted whether it is CR, LF or both.
            let quoted = utf8.contains { $0 == comma || $0 == quote || $0 == cr || $0 == lf }
            if quoted { bytes.append(quote) }
            if formula { bytes.append(UInt8(ascii: "'")) }
            if quoted {
                for byte in utf8 {
                    if byte == quote { bytes.append(quote) }
                    bytes.append(byte)
                }
                bytes.append(quote)
            } else {
                bytes.append(contentsOf: utf8)
            }
        }
    }
}
