import CaseworkCore
import Leaf

/// `#statusTag(request.status)`: the GOV.UK tag class for a status the pages show as a coloured tag
/// (`govuk-tag govuk-tag--green`). The colour of each status is chosen once, here, by a switch over its enum, so a new
/// status cannot be added without a colour, and no template compares status strings to pick one.
struct StatusTagTag: ParameterTag {
    enum Colour: String {
        case green, blue, red, orange, grey
    }

    static func colour(_ status: AccessRequestStatus) -> Colour {
        switch status {
        case .granted: .green
        case .rejected: .red
        case .returned: .orange
        case .withdrawn: .grey
        case .awaitingTeamLeader, .awaitingScrManager, .awaitingProvisioning: .blue
        }
    }

    static func colour(_ state: GrantState) -> Colour {
        switch state {
        case .active: .green
        case .expired: .grey
        case .removed: .red
        }
    }

    static func colour(_ outcome: AuditOutcome) -> Colour {
        switch outcome {
        case .success: .green
        case .denied, .failure: .red
        }
    }

    /// Every status's colour by its stored name. The enums' names do not overlap where the colours would differ.
    static let colours: [String: Colour] = {
        var colours: [String: Colour] = [:]
        for status in AccessRequestStatus.allCases { colours[status.rawValue] = colour(status) }
        for state in GrantState.allCases { colours[state.rawValue] = colour(state) }
        for outcome in AuditOutcome.allCases { colours[outcome.rawValue] = colour(outcome) }
        return colours
    }()

    struct Misuse: Error, CustomStringConvertible {
        var description: String { "#statusTag takes one status" }
    }

    func render(_ parameters: [LeafData]) throws -> LeafData {
        guard parameters.count == 1 else { throw Misuse() }
        let colour = parameters[0].string.flatMap { Self.colours[$0] } ?? .grey
        return .string("govuk-tag govuk-tag--\(colour.rawValue)")
    }
}

/// `#named(line.method)`: a coded value (`bankTransfer`) as people read it ("Bank transfer"), from the code's own
/// `displayName` (`DisplayNames`). A code it does not know is shown as it is.
struct DisplayNameTag: ParameterTag {
    struct Misuse: Error, CustomStringConvertible {
        var description: String { "#named takes one coded value" }
    }

    func render(_ parameters: [LeafData]) throws -> LeafData {
        guard parameters.count == 1 else { throw Misuse() }
        guard let code = parameters[0].string else { return .string("") }
        return .string(DisplayNames.name(of: code) ?? code)
    }
}
