import Foundation

/// A CSUA150 as typed on the form or sent in a JSON body: the fields the form itself can check. The service request
/// and the sensitive contact it names are looked up by the service, which adds what it finds wrong to the same
/// failure, so the person sees every problem at once.
public struct AccessRequestInput: Sendable, Equatable {
    /// The most characters the justification and the further details may hold (the form counts down to it).
    public static let textLimit = 2000

    /// The requester's staff number; when given it must be the requester's own (the grant goes to whoever asks).
    public var staffId: String?
    /// The requester's details as the form shows them: the directory's unless corrected here.
    public var phone: String?
    public var team: String?
    public var grade: String?
    public var area: String?
    public var purpose: String?
    public var requestedDurationMinutes: Int?
    public var justification: String?
    public var furtherDetails: String?
    /// The client as the requester typed them, kept for the team leader to check.
    public var clientName: String?
    public var scin: String?
    public var nino: String?

    public init(staffId: String? = nil, phone: String? = nil, team: String? = nil, grade: String? = nil, area: String? = nil,
                purpose: String? = nil, requestedDurationMinutes: Int? = nil, justification: String? = nil, furtherDetails: String? = nil,
                clientName: String? = nil, scin: String? = nil, nino: String? = nil) {
        self.staffId = staffId
        self.phone = phone
        self.team = team
        self.grade = grade
        self.area = area
        self.purpose = purpose
        self.requestedDurationMinutes = requestedDurationMinutes
        self.justification = justification
        self.furtherDetails = furtherDetails
        self.clientName = clientName
        self.scin = scin
        self.nino = nino
    }

    /// The checked fields, ready to store.
    public struct Valid: Sendable, Equatable {
        public var purpose: GrantPurpose
        public var minutes: Int
        public var justification: String
        public var furtherDetails: String
        public var phone: String
        public var team: String
        public var grade: String
        public var area: String
        public var clientName: String?
        public var scin: String?
        public var nino: String?
    }

    /// Checks every field for `requester` (from the directory), adding each problem to `failure`; the checked fields
    /// when there were none.
    public func validated(for requester: StaffProfile, into failure: inout ValidationFailure) -> Valid? {
        let before = failure
        let purpose = GrantPurpose(rawValue: self.purpose ?? "")
        if purpose == nil {
            failure.add("purpose", "Choose why you need access: " + GrantPurpose.allCases.map { "\($0.displayName) (\($0.rawValue))" }.joined(separator: "; "))
        }
        let minutes = requestedDurationMinutes ?? 0
        if !(1...AccessRequestChain.maximumMinutes).contains(minutes) {
            failure.add("requestedDurationMinutes", "Ask for between 1 and \(AccessRequestChain.maximumMinutes) minutes (seven days)")
        }
        let justification = Self.text(self.justification)
        if justification.isEmpty { failure.add("justification", "Give the justification: why you need access") }
        if justification.count > Self.textLimit { failure.add("justification", "Justification must be 2,000 characters or fewer") }
        let details = Self.text(furtherDetails)
        if details.count > Self.textLimit { failure.add("furtherDetails", "Further details must be 2,000 characters or fewer") }
        let staffNumber = (staffId ?? "").trimmingCharacters(in: .whitespaces)
        if !staffNumber.isEmpty && staffNumber != requester.staffId.value {
            failure.add("staffId", "The staff number must be your own, \(requester.staffId.value): temporary access is granted to the person who asks. Ask \(staffNumber) to send their own form")
        }
        /// A corrected detail, or the directory's when left blank.
        func detail(_ field: String, _ given: String?, _ directory: String, limit: Int = 100) -> String {
            let text = Self.text(given)
            if text.count > limit { failure.add(field, "\(field.prefix(1).uppercased() + field.dropFirst()) must be \(limit) characters or fewer") }
            return text.isEmpty ? directory : text
        }
        let phone = detail("phone", self.phone, requester.phone, limit: 30)
        let team = detail("team", self.team, requester.team)
        let grade = detail("grade", self.grade, requester.grade)
        let area = detail("area", self.area, requester.area)
        if requester.teamLeaderStaffId == nil {
            failure.add("teamLeader", "You have no team leader in the staff directory to countersign: ask an administrator")
        }
        guard let purpose, failure == before else { return nil }
        return Valid(purpose: purpose, minutes: minutes, justification: justification, furtherDetails: details, phone: phone, team: team,
                     grade: grade, area: area, clientName: Self.typed(clientName), scin: Self.typed(scin), nino: Self.typed(nino))
    }

    private static func text(_ given: String?) -> String { (given ?? "").trimmingCharacters(in: .whitespacesAndNewlines) }

    /// As typed, spaces around it dropped; nil when blank.
    private static func typed(_ given: String?) -> String? {
        given?.trimmingCharacters(in: .whitespaces).nilIfEmpty
    }
}
