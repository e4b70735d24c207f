import Leaf

/// `#trustedHTML(page.figures)`: HTML that Casework wrote itself, placed in a page as it is: a fragment its own
/// templates drew (`Pages.fragment`), or a hopper's assignee options (`AssigneeChoices`). Only ever given HTML whose
/// every value was escaped when it was written: never text anyone typed.
struct TrustedHTMLTag: UnsafeUnescapedLeafTag, ParameterTag {
    struct Misuse: Error, CustomStringConvertible {
        var description: String { "#trustedHTML takes one value: HTML Casework wrote itself (Pages.fragment, AssigneeChoices)" }
    }

    func render(_ parameters: [LeafData]) throws -> LeafData {
        guard parameters.count == 1, parameters[0].celf == .string, let html = parameters[0].string else { throw Misuse() }
        return .string(html)
    }
}
