import CaseworkCore

/// Who works the SCR and CFAT segments, as this server last read them for their hoppers' assignment choice
/// (`AssigneeChoices`: the people and their options written once): the same for everyone who opens either hopper,
/// some two hundred people at national volume, kept while the `directory` change stamp stands (`StampDirectoryChanges`; the rule is
/// `StampedCache`'s). A team's segment is ten people read by its own team, and is read every time.
typealias SegmentMembersCache = StampedCache<Segment>

extension SegmentMembersCache {
    /// One list for each segment whose members are the holders of a role.
    static func forRoleSegments() -> SegmentMembersCache { SegmentMembersCache(kept: 2) }
}
