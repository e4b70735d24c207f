import CaseworkCore

/// Who works the SCR and CFAT segments (staff ID and name, in staff ID order), as this server last read them for
/// their hoppers' assignment choice: the same list for everyone who opens either hopper, some two hundred people at
/// national volume, kept while the `directory` change stamp stands (`StampDirectoryChanges`; the rule is
/// `StampedCache`'s). A team's segment is ten people read by its own team, and is read every time.
typealias SegmentMembersCache = StampedCache<Segment>

extension SegmentMembersCache {
    /// One list for each segment whose members are the holders of a role.
    static func forRoleSegments() -> SegmentMembersCache { SegmentMembersCache(kept: 2) }
}
