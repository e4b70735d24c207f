import CaseworkCore
import Leaf

/// `#ukTime(grant.expiresAt)`: an instant the JSON answers as `2026-12-02T13:52:00Z`, shown to people as
/// "2 December 2026 at 1:52pm" (UK time); a plain day `2026-12-02` as "2 December 2026". The API keeps ISO instants;
/// only the pages read this way. An absent value shows nothing; text that is not a time is shown as it is.
///
/// Unescaped for Leaf because what it writes for a time is its own words and digits; text that is not a time is
/// escaped here, as Leaf would have escaped it.
struct UKTimeTag: UnsafeUnescapedLeafTag, ParameterTag {
    struct Misuse: Error, CustomStringConvertible {
        var description: String { "#ukTime takes one value: an ISO 8601 instant or day" }
    }

    func render(_ parameters: [LeafData]) throws -> LeafData {
        guard parameters.count == 1 else {
            throw Misuse()
        }
        guard let text = parameters[0].string, !text.isEmpty else { return .string("") }
        guard let date = CaseworkTime.parse(text) else { return .string(text.htmlEscaped()) }
        let isPlainDay = text.utf8.count == 10
        return .string(isPlainDay ? Chart.dayName(text) : CaseworkTime.forPeople(date))
    }
}
