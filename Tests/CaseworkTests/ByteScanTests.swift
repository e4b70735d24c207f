@testable import Casework
import Testing

/// `ByteScan` answers eight bytes at a time whether text holds a byte the JSON encoder or the page writer must
/// escape. Every byte value, at every place in text of every length up to three words and a bit, among bytes that
/// need no escape, must be answered as looking at each byte would answer.
@Suite("Looking for bytes to escape")
struct ByteScanTests {
    static let json: Set<UInt8> = Set(0..<0x20).union([0x22, 0x5C, 0x2F])
    static let html: Set<UInt8> = [0x26, 0x22, 0x27, 0x3C, 0x3E]

    @Test(arguments: [UInt8(ascii: "a"), 0x21, 0x7F, 0xC3, 0xFF])
    func everyByteAtEveryPlaceIsFound(background: UInt8) {
        for length in 0...27 {
            #expect(!scanJSON(Array(repeating: background, count: length)))
            #expect(!scanHTML(Array(repeating: background, count: length)))
            for position in 0..<length {
                for value in UInt8.min...UInt8.max {
                    var text = Array(repeating: background, count: length)
                    text[position] = value
                    #expect(scanJSON(text) == Self.json.contains(value), "JSON: \(value) at \(position) of \(length)")
                    #expect(scanHTML(text) == Self.html.contains(value), "HTML: \(value) at \(position) of \(length)")
                }
            }
        }
    }

    private func scanJSON(_ bytes: [UInt8]) -> Bool { bytes.withUnsafeBufferPointer(ByteScan.containsJSONEscape) }
    private func scanHTML(_ bytes: [UInt8]) -> Bool { bytes.withUnsafeBufferPointer(ByteScan.containsHTMLEscape) }
}
