import Leaf
import LeafKit

/// `#staffOptions(page.members)`: one `<option value="…">ID - Name</option>` a person, for a list of people each with
/// a `staffId` and a `name`. The SCR hopper's assignee list is a couple of hundred people on every view; through a
/// Leaf loop, three expressions a person, it was half the page's time at national volume (each pass of `#for` copies
/// the page's context and serializes its body afresh). Written here, every value is escaped as Leaf escapes `#(…)`.
struct StaffOptionsTag: UnsafeUnescapedLeafTag, ParameterTag {
    struct Misuse: Error, CustomStringConvertible {
        var description: String { "#staffOptions takes one list of people, each with a staffId and a name" }
    }

    func render(_ parameters: [LeafData]) throws -> LeafData {
        guard parameters.count == 1, let people = parameters[0].array else { throw Misuse() }
        var html = ""
        html.reserveCapacity(people.count * 64)
        for person in people {
            guard let fields = person.dictionary, let id = fields["staffId"]?.string, let name = fields["name"]?.string else { throw Misuse() }
            let value = Self.escaped(id)
            html += "<option value=\"\(value)\">\(value) - \(Self.escaped(name))</option>"
        }
        return .string(html)
    }

    /// Leaf's own escaping (`htmlEscaped`, what `#(…)` does), asked only of text that has one of the characters it
    /// replaces: it rebuilds every string scalar by scalar, and staff IDs and most names have none.
    static func escaped(_ text: String) -> String {
        var text = text
        return text.withUTF8(ByteScan.containsHTMLEscape) ? text.htmlEscaped() : text
    }
}
