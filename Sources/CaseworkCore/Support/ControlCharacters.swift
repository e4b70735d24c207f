/// Control characters in what people send. No text Casework keeps holds one but a tab or a line break: none belongs
/// in a name, a reason, a reference or a search, PostgreSQL refuses a NUL in any text (where SQLite kept it), and
/// SQLite's FTS5 ends a quoted phrase at one. So text that holds one is refused with a message that says which, and
/// what a search or filter in an address holds of them is dropped.
public enum ControlCharacters {
    /// A C0 control character other than tab, line feed and carriage return.
    public static func isRefused(_ scalar: Unicode.Scalar) -> Bool {
        isRefused(code: scalar.value)
    }

    /// The same rule for a code read from bytes (a JSON `\u` escape, a URL's `%` escape).
    public static func isRefused(code: UInt32) -> Bool {
        code < 0x20 && code != 0x09 && code != 0x0A && code != 0x0D
    }

    /// The first refused character of `text`, if any.
    public static func firstRefused(in text: String) -> Unicode.Scalar? {
        text.unicodeScalars.first(where: isRefused)
    }

    /// Text as a browser's form keeps it: a vertical tab or a form feed a line break (Word's manual line break and a
    /// page break, pasted with the text), every other refused character left out. People paste these without seeing
    /// them, and could not find them to take them out; a program sending JSON is told instead (`fix(for:)`).
    public static func cleaned(_ text: String) -> String {
        guard firstRefused(in: text) != nil else { return text }
        var kept = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar.value == 0x0B || scalar.value == 0x0C {
                kept.append("\n")
            } else if !isRefused(scalar) {
                kept.append(scalar)
            }
        }
        return String(kept)
    }

    /// What to do about text holding `scalar`, as a field's error says it.
    public static func fix(for scalar: Unicode.Scalar) -> String {
        "Remove the control character \(name(of: scalar)) from this text: no text here may hold one but a tab or a line break"
    }

    /// "U+0000 (NUL)": how a person finds the character in what they sent.
    public static func name(of scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        let code = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        let names = ["NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "TAB", "LF", "VT", "FF", "CR", "SO", "SI",
                     "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB", "CAN", "EM", "SUB", "ESC", "FS", "GS", "RS", "US"]
        return scalar.value < 0x20 ? "\(code) (\(names[Int(scalar.value)]))" : code
    }
}
