import Foundation

/// One step in a CSUA150's history. Stored and shown in the JSON as text ("submitted", "teamLeader.approve",
/// "withdrawn"), since shared/API.md fixes the history's `action` as a string; everywhere else it is this type, so
/// a decision is a stage and a decision, never a dotted string split apart again.
public enum AccessHistoryAction: Sendable, Hashable, RawRepresentable, Codable {
    case submitted
    case decided(AccessStage, AccessDecision)
    case withdrawn

    public init?(rawValue: String) {
        switch rawValue {
        case "submitted": self = .submitted
        case "withdrawn": self = .withdrawn
        default:
            let parts = rawValue.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 2, let stage = AccessStage(rawValue: String(parts[0])),
                  let decision = AccessDecision(rawValue: String(parts[1])) else { return nil }
            self = .decided(stage, decision)
        }
    }

    public var rawValue: String {
        switch self {
        case .submitted: "submitted"
        case .withdrawn: "withdrawn"
        case let .decided(stage, decision): "\(stage.rawValue).\(decision.rawValue)"
        }
    }

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
