import Foundation

/// A CSUA150 as typed on the form or sent in a JSON body: the fields the form itself can check. The service request
/// and the sensitive contact it names are looked up by the service, which adds what it finds wrong to the same
/// failure, so the person sees every problem at once.
///
/// This is where a new CSUA150 field starts. Add it here (with its `CodingKeys` case, which is the name the API and the
/// form use) and to `Valid`, check it in `validated(for:into:)`, and the compiler names the rest: the model's
/// columns, the OpenAPI schemas and the scale seeder. The API body, the page's form and the API's answer carry this
/// type and `Valid` whole, so they need nothing; `CSUA150TemplateTests` names the two templates that show the field.
public struct AccessRequestInput: Sendable, Equatable, Codable {
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
    /// As typed: a form's box may hold "abc", which is shown again with its error, not refused as unreadable.
    public var requestedDurationMinutes: TypedNumber?
    public var justification: String?
    public var furtherDetails: String?
    /// The client as the requester typed them, kept for the team leader to check.
    public var clientName: String?
    public var scin: String?
    public var nino: String?

    /// The names the API and the form give the fields. Every stored property has one (`AccessRequestInputTests`
    /// checks), and `OpenAPIDocument` describes each by an exhaustive switch, so a new case is named there.
    public enum CodingKeys: String, CodingKey, CaseIterable, Sendable {
        case staffId, phone, team, grade, area, purpose, requestedDurationMinutes, justification, furtherDetails, clientName, scin, nino
    }

    public init(staffId: String? = nil, phone: String? = nil, team: String? = nil, grade: String? = nil, area: String? = nil,
                purpose: String? = nil, requestedDurationMinutes: TypedNumber? = nil, justification: String? = nil, furtherDetails: String? = nil,
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

    /// A stored request's fields as typed again: "Start a new form" from a rejected, returned or withdrawn request.
    public init(copying valid: Valid, staffId: String) {
        self.init(staffId: staffId, phone: valid.phone, team: valid.team, grade: valid.grade, area: valid.area, purpose: valid.purpose.rawValue,
                  requestedDurationMinutes: TypedNumber(valid.minutes), justification: valid.justification, furtherDetails: valid.furtherDetails,
                  clientName: valid.clientName, scin: valid.scin, nino: valid.nino)
    }

    /// The checked fields, ready to store, and as a stored request answers them. The properties are constants
    /// without defaults, so one without a `CodingKeys` case does not compile, and the memberwise `init` has no
    /// defaults, so every place that builds one (the model's reader, the scale seeder) is named by the compiler.
    public struct Valid: Sendable, Equatable, Codable {
        public let purpose: GrantPurpose
        public let minutes: Int
        public let justification: String
        public let furtherDetails: String
        public let phone: String
        public let team: String
        public let grade: String
        public let area: String
        public let clientName: String?
        public let scin: String?
        public let nino: String?

        /// The names a stored request's fields have in the API's answer (shared/API.md): the requester's details
        /// as `requester…`, the duration as `requestedDurationMinutes`.
        public enum CodingKeys: String, CodingKey, CaseIterable, Sendable {
            case purpose
            case minutes = "requestedDurationMinutes"
            case justification, furtherDetails
            case phone = "requesterPhone"
            case team = "requesterTeam"
            case grade = "requesterGrade"
            case area = "requesterArea"
            case clientName, scin, nino
        }

        public init(purpose: GrantPurpose, minutes: Int, justification: String, furtherDetails: String, phone: String, team: String,
                    grade: String, area: String, clientName: String?, scin: String?, nino: String?) {
            self.purpose = purpose
            self.minutes = minutes
            self.justification = justification
            self.furtherDetails = furtherDetails
            self.phone = phone
            self.team = team
            self.grade = grade
            self.area = area
            self.clientName = clientName
            self.scin = scin
            self.nino = nino
        }
    }

    /// Checks every field for `requester` (from the directory), adding each problem to `failure`; the checked fields
    /// when there were none.
    public func validated(for requester: StaffProfile, into failure: inout ValidationFailure) -> Valid? {
        let before = failure
        let purpose = GrantPurpose(rawValue: self.purpose ?? "")
        if purpose == nil {
            failure.add("purpose", "Choose why you need access: " + GrantPurpose.allCases.map { "\($0.displayName) (\($0.rawValue))" }.joined(separator: "; "))
        }
        let minutes = requestedDurationMinutes?.value ?? 0
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
