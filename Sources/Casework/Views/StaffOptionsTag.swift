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
        // Bytes, made text once: appending to a `String` a piece at a time (its growth and checks at every append)
        // was half of this tag's time on the SCR hopper page.
        var html: [UInt8] = []
        html.reserveCapacity(people.count * 64)
        for person in people {
            guard let fields = person.dictionary, let id = fields["staffId"]?.string, let name = fields["name"]?.string else { throw Misuse() }
            let value = Self.escaped(id)
            html.append(contentsOf: "<option value=\"".utf8)
            html.append(contentsOf: value.utf8)
            html.append(contentsOf: "\">".utf8)
            html.append(contentsOf: value.utf8)
            html.append(contentsOf: " - ".utf8)
            html.append(contentsOf: Self.escaped(name).utf8)
            html.append(contentsOf: "</option>".utf8)
        }
        return .string(String(decoding: html, as: UTF8.self))
    }

    /// Leaf's own escaping (`htmlEscaped`, what `#(…)` does), asked only of text that has one of the characters it
    /// replaces: it rebuilds every string scalar by scalar, and staff IDs and most names have none.
    static func escaped(_ text: String) -> String {
        var text = text
        return text.withUTF8(ByteScan.containsHTMLEscape) ? text.htmlEscaped() : text
    }
}
