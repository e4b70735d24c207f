/// A coded value with a name people read: statuses, kinds, purposes, roles, stages, methods. The code is what the
/// database and the JSON hold; the name is what a page shows.
public protocol DisplayNamed: RawRepresentable, CaseIterable where RawValue == String {
    var displayName: String { get }
}

extension Role: DisplayNamed {}
extension GrantPurpose: DisplayNamed {}
extension AccessRequestStatus: DisplayNamed {}
extension AccessStage: DisplayNamed {}
extension AccessDecision: DisplayNamed {}
extension ServiceRequestType: DisplayNamed {}
extension ServiceRequestStatus: DisplayNamed {}
extension ParticipantRole: DisplayNamed {}
extension ExceptionalCaseType: DisplayNamed {}
extension ToolProfile: DisplayNamed {}
extension PaymentMethod: DisplayNamed {}
extension EntryKind: DisplayNamed {}

public enum DisplayNames {
    /// Every coded value the pages may show, by its code.
    public static let types: [any DisplayNamed.Type] = [
        Role.self, GrantPurpose.self, AccessRequestStatus.self, AccessStage.self, AccessDecision.self, ServiceRequestType.self,
        ServiceRequestStatus.self, ParticipantRole.self, ExceptionalCaseType.self, ToolProfile.self, PaymentMethod.self, EntryKind.self,
    ]

    /// Each code with every name it has across the types; a code must mean one name wherever it appears
    /// (`teamLeader` is the role and the stage, both "Team leader").
    public static let namesByCode: [String: Set<String>] = {
        var names: [String: Set<String>] = [:]
        for type in types {
            for (code, name) in pairs(type) { names[code, default: []].insert(name) }
        }
        return names
    }()

    /// The name for a code, when the code has exactly one.
    public static func name(of code: String) -> String? {
        guard let names = namesByCode[code], names.count == 1 else { return nil }
        return names.first
    }

    private static func pairs<T: DisplayNamed>(_ type: T.Type) -> [(String, String)] {
        T.allCases.map { ($0.rawValue, $0.displayName) }
    }
}
