import Leaf

/// `#trustedHTML(page.figures)`: HTML that Casework's own templates wrote (`Pages.fragment`), placed in a page as it
/// is. Only ever given a drawn fragment, whose every value was escaped when it was written: never text anyone typed.
struct TrustedHTMLTag: UnsafeUnescapedLeafTag, ParameterTag {
    struct Misuse: Error, CustomStringConvertible {
        var description: String { "#trustedHTML takes one value: HTML drawn by Pages.fragment" }
    }

    func render(_ parameters: [LeafData]) throws -> LeafData {
        guard parameters.count == 1, parameters[0].celf == .string, let html = parameters[0].string else { throw Misuse() }
        return .string(html)
    }
}
