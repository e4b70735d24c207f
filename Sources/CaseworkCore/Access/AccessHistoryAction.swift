import Foundation

/// One step in a CSUA150's history. Stored and shown in the JSON as text ("submitted", "teamLeader.approve",
/// "withdrawn"), since shared/API.md fixes the history's `action` as a string; everywhere else it is this type, so
/// a decision is a stage and a decision, never a dotted string split apart again.
public enum AccessHistoryAction: Sendable, Hashable, RawRepresentable, Codable {
    case submitted
    case decided(AccessStage, AccessDecision)
    case withdrawn

    /// Looked up, not parsed: every step of every request in a list is read through here (splitting the text and
    /// matching both halves was 4% of the "awaiting me" API's time at national scale).
    public init?(rawValue: String) {
        guard let action = Self.byText[rawValue] else { return nil }
        self = action
    }

    /// The one rule for an action's text: a decision is its stage and decision joined by a dot. (Not looked up in a
    /// table keyed by the action: hashing an action asks for its `rawValue`, being `RawRepresentable`.)
    public var rawValue: String {
        switch self {
        case .submitted: "submitted"
        case .withdrawn: "withdrawn"
        case let .decided(stage, decision): "\(stage.rawValue).\(decision.rawValue)"
        }
    }

    private static let byText = Dictionary(uniqueKeysWithValues: allCases.map { ($0.rawValue, $0) })

    /// Every action there is, for the OpenAPI document's enum.
    public static var allCases: [AccessHistoryAction] {
        [.submitted] + AccessStage.allCases.flatMap { stage in AccessDecision.allCases.map { .decided(stage, $0) } } + [.withdrawn]
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let action = Self(rawValue: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a history action: \(text)"))
        }
        self = action
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
