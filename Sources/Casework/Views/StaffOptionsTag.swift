import Leaf

/// `#staffOptions(page.members)`: one `<option value="…">ID - Name</option>` a person, for a list of people each with
/// a `staffId` and a `name`. The SCR hopper's assignee list is a couple of hundred people on every view; through a
/// Leaf loop, three expressions a person, it was half the page's time at national volume (each pass of `#for` copies
/// the page's context and serializes its body afresh). Written here, every value is escaped as Leaf escapes `#(…)`.
struct StaffOptionsTag: UnsafeUnescapedLeafTag {
    struct Misuse: Error, CustomStringConvertible {
        var description: String { "#staffOptions takes one list of people, each with a staffId and a name" }
    }

    func render(_ ctx: LeafContext) throws -> LeafData {
        guard ctx.parameters.count == 1, let people = ctx.parameters[0].array else { throw Misuse() }
        var html = ""
        html.reserveCapacity(people.count * 64)
        for person in people {
            guard let fields = person.dictionary, let id = fields["staffId"]?.string, let name = fields["name"]?.string else { throw Misuse() }
            let value = HTML.escaped(id)
            html += "<option value=\"\(value)\">\(value) - \(HTML.escaped(name))</option>"
        }
        return .string(html)
    }
}

/// Text made safe to place in HTML, in an element or a quoted attribute: the five characters Leaf's own escaping
/// replaces, replaced the same way. Most text has none of them and is returned as it is.
enum HTML {
    static func escaped(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "&") || $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">")
            || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "'") }) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 16)
        for character in text.unicodeScalars {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }
}
