/// Whether text holds a byte that must be escaped, asked eight bytes at a time.
///
/// The JSON encoder and the page writer ask this of every string they write, and almost every answer is no. Asked a
/// byte at a time it was the largest single cost of writing the monitoring API's 80 kB (bench/scale.sh, PROFILE=1).
/// Each test below is exact for a whole word (the classic "has a zero byte" and "has a byte less than n" bit tricks):
/// a word that holds none of the bytes never passes, one that holds any always does.
enum ByteScan {
    /// `"`, `\`, `/` or a control character (below 0x20): what Foundation's JSON encoder escapes.
    static func containsJSONEscape(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        scan(utf8) { hasLess($0, than: 0x20) | hasByte($0, 0x22) | hasByte($0, 0x5C) | hasByte($0, 0x2F) }
    }

    /// `&`, `"`, `'`, `<` or `>`: what LeafKit's `htmlEscaped` replaces.
    static func containsHTMLEscape(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        scan(utf8) { hasByte($0, 0x26) | hasByte($0, 0x22) | hasByte($0, 0x27) | hasByte($0, 0x3C) | hasByte($0, 0x3E) }
    }

    @inline(__always)
    private static func scan(_ utf8: UnsafeBufferPointer<UInt8>, word: (UInt64) -> UInt64) -> Bool {
        guard let base = utf8.baseAddress else { return false }
        let raw = UnsafeRawPointer(base)
        let count = utf8.count
        guard count >= 8 else {
            // Most keys and many values are shorter than a word: copied over a word of plain letters (`a`), which
            // neither test finds, and tested as one word.
            var padded: UInt64 = 0x6161_6161_6161_6161
            withUnsafeMutableBytes(of: &padded) { $0.baseAddress!.copyMemory(from: raw, byteCount: count) }
            return word(padded) != 0
        }
        var offset = 0
        while offset + 8 <= count {
            if word(raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) != 0 { return true }
            offset += 8
        }
        // The bytes after the last whole word, as the last eight bytes (some of them looked at already).
        return offset < count && word(raw.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)) != 0
    }

    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highs: UInt64 = 0x8080_8080_8080_8080

    /// Non-zero exactly when some byte of `word` is zero.
    @inline(__always)
    private static func hasZero(_ word: UInt64) -> UInt64 { (word &- ones) & ~word & highs }

    /// Non-zero exactly when some byte of `word` equals `value`.
    @inline(__always)
    private static func hasByte(_ word: UInt64, _ value: UInt8) -> UInt64 { hasZero(word ^ (ones &* UInt64(value))) }

    /// Non-zero exactly when some byte of `word` is below `limit` (at most 128).
    @inline(__always)
    private static func hasLess(_ word: UInt64, than limit: UInt8) -> UInt64 { (word &- ones &* UInt64(limit)) & ~word & highs }
}
