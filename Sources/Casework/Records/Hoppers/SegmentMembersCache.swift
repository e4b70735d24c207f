import CaseworkCore

/// Who works each segment, as this server last read them for its hopper's assignment choice (`AssigneeChoices`: the
/// people and their options written once), kept while the `directory` change stamp stands (`StampDirectoryChanges`;
/// the rule is `StampedCache`'s). The SCR and CFAT segments' are the same for everyone who opens either hopper, some
/// two hundred people at national volume; a team's is its ten people, opened by its team leader all day. A page read
/// with the stamps its session brought (`ChangeStamps`) then reads neither the stamp nor the people.
typealias SegmentMembersCache = StampedCache<Segment>

extension SegmentMembersCache {
    /// Room for the SCR and CFAT segments and every team's at national volume (about 5,000 teams): a few kilobytes a
    /// team. Past it the least recently opened is forgotten.
    static func forHoppers() -> SegmentMembersCache { SegmentMembersCache(kept: 8_192) }
}
