import Foundation

extension UUID {
    /// A version 7 UUID (RFC 9562): the milliseconds since 1970 in its first six bytes, then 74 random bits. For rows
    /// that are only ever appended (audit events, notifications, emails, history): their ids sort by when they were
    /// made, so each insert lands beside the last in the id's index instead of on a random page of it. In an index of
    /// millions of random ids, each of an expiry batch's thousand audit events and three thousand notifications and
    /// emails would land on a page of its own, every one of them read, written to the WAL and copied back.
    /// Seventy-four random bits still make an id no one can guess; nothing here relies on ids being unguessable.
    public static func timeOrdered() -> UUID {
        let milliseconds = UInt64(max(0, Date().timeIntervalSince1970 * 1_000))
        // A random (version 4) id's bits, drawn in one call, with the time written over its first six bytes.
        var id = UUID().uuid
        withUnsafeMutableBytes(of: &id) { bytes in
            for index in 0..<6 { bytes[index] = UInt8(truncatingIfNeeded: milliseconds >> (8 * (5 - index))) }
            bytes[6] = (bytes[6] & 0x0F) | 0x70  // version 7
            bytes[8] = (bytes[8] & 0x3F) | 0x80  // the RFC's variant
        }
        return UUID(uuid: id)
    }
}
