import CaseworkCore

/// Who may be assigned a segment's work, as the hopper page's choice offers them: their `<option>`s (staff ID and
/// name, in staff ID order), written once. The SCR hopper's choice is some two hundred people at national volume, the
/// same for everyone who opens it: encoding each one for Leaf and writing their options again on every view was a
/// tenth of that page's time (bench/scale.sh, PROFILE=1). Kept whole in `SegmentMembersCache`.
struct AssigneeChoices: Sendable {
    /// One `<option value="ID">ID - Name</option>` a person, every value escaped as Leaf's `#(…)` escapes it: what
    /// the page's loop over the people wrote (`PageContextTests` holds the two equal). Placed with `#trustedHTML`.
    let options: String

    init(_ members: [RecordQueries.SegmentMember]) {
        // Bytes, made text once: appending to a `String` a piece at a time (its growth and checks at every append)
        // was half of this writing's time.
        var html: [UInt8] = []
        html.reserveCapacity(members.count * 64)
        for member in members {
            html.append(contentsOf: "<option value=\"".utf8)
            LeafEscaping.append(member.staffId, to: &html)
            html.append(contentsOf: "\">".utf8)
            LeafEscaping.append(member.staffId, to: &html)
            html.append(contentsOf: " - ".utf8)
            LeafEscaping.append(member.name, to: &html)
            html.append(contentsOf: "</option>".utf8)
        }
        options = String(decoding: html, as: UTF8.self)
    }
}
