import CaseworkCore
import LeafKit

/// Who may be assigned a segment's work, as the hopper page's choice offers them: the people (staff ID and name, in
/// staff ID order) and their `<option>`s, written once. The SCR hopper's choice is some two hundred people at national
/// volume, the same for everyone who opens it: encoding each one for Leaf and writing their options again on every
/// view was a tenth of that page's time (bench/scale.sh, PROFILE=1). Kept whole in `SegmentMembersCache`.
struct AssigneeChoices: Sendable {
    let members: [RecordQueries.SegmentMember]
    /// One `<option value="ID">ID - Name</option>` a person, every value escaped as Leaf's `#(…)` escapes it: what
    /// the page's loop over the people wrote (`PageContextTests` holds the two equal). Placed with `#trustedHTML`.
    let options: String

    init(_ members: [RecordQueries.SegmentMember]) {
        self.members = members
        options = Self.options(for: members)
    }

    static func options(for members: [RecordQueries.SegmentMember]) -> String {
        // Bytes, made text once: appending to a `String` a piece at a time (its growth and checks at every append)
        // was half of this writing's time.
        var html: [UInt8] = []
        html.reserveCapacity(members.count * 64)
        for member in members {
            let value = escaped(member.staffId)
            html.append(contentsOf: "<option value=\"".utf8)
            html.append(contentsOf: value.utf8)
            html.append(contentsOf: "\">".utf8)
            html.append(contentsOf: value.utf8)
            html.append(contentsOf: " - ".utf8)
            html.append(contentsOf: escaped(member.name).utf8)
            html.append(contentsOf: "</option>".utf8)
        }
        return String(decoding: html, as: UTF8.self)
    }

    /// Leaf's own escaping (`htmlEscaped`, what `#(…)` does), asked only of text that has one of the characters it
    /// replaces: it rebuilds every string scalar by scalar, and staff IDs and most names have none.
    private static func escaped(_ text: String) -> String {
        var text = text
        return text.withUTF8(ByteScan.containsHTMLEscape) ? text.htmlEscaped() : text
    }
}
