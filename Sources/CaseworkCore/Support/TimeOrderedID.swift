import Foundation

extension UUID {
    /// A version 7 UUID (RFC 9562): the milliseconds since 1970 in its first six bytes, then 74 random bits. For rows
    /// that are only ever appended (audit events, notifications, emails, history): their ids sort by when they were
    /// made, so each insert lands beside the last in the id's index instead of on a random page of it. At national
    /// volume a random id put each of an expiry batch's thousand audit events and three thousand notifications and
    /// emails on a page of its own, every one of which had to be read, written to the WAL and copied back.
    /// Seventy-four random bits still make an id no one can guess; nothing here relies on ids being unguessable.
    public static func timeOrdered(at date: Date = Date()) -> UUID {
        let milliseconds = UInt64(max(0, date.timeIntervalSince1970 * 1_000))
        var random = SystemRandomNumberGenerator()
        let high = random.next() as UInt64
        let low = random.next() as UInt64
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<6 { bytes[index] = UInt8(truncatingIfNeeded: milliseconds >> (8 * (5 - index))) }
        for index in 6..<8 { bytes[index] = UInt8(truncatingIfNeeded: high >> (8 * (index - 6))) }
        for index in 8..<16 { bytes[index] = UInt8(truncatingIfNeeded: low >> (8 * (index - 8))) }
        bytes[6] = (bytes[6] & 0x0F) | 0x70  // version 7
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // the RFC's variant
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }
}
