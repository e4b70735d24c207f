import Foundation

/// A client as typed on the new-contact form or in a JSON body.
public struct ContactInput: Sendable, Equatable {
    public var name: String
    public var nino: String
    public var scin: String
    public var crn: String
    public var dateOfBirth: String
    public var address: String

    public init(name: String = "", nino: String = "", scin: String = "", crn: String = "", dateOfBirth: String = "", address: String = "") {
        self.name = name
        self.nino = nino
        self.scin = scin
        self.crn = crn
        self.dateOfBirth = dateOfBirth
        self.address = address
    }

    /// A checked contact, ready to store.
    public struct Valid: Sendable, Equatable {
        public var name: String
        public var nino: NINO?
        public var scin: String?
        public var crn: String?
        public var dateOfBirth: String?
        public var address: String
    }

    /// Validates every field at once. `today` bounds the date of birth.
    public func validated(today: Date) throws(ValidationFailure) -> Valid {
        var failure = ValidationFailure()
        let cleanName = name.trimmingCharacters(in: .whitespacesAndNewlines)
        if cleanName.isEmpty { failure.add("name", "Enter the client's name") }
        if cleanName.count > 100 { failure.add("name", "Name must be 100 characters or fewer") }
        if cleanName.contains(where: { $0.isNewline }) { failure.add("name", "Name must be on one line") }
        let ninoText = nino.trimmingCharacters(in: .whitespaces)
        let parsedNINO = ninoText.isEmpty ? nil : collect(&failure) { () throws(ValidationFailure) in try NINO.parse(ninoText) }
        let scinText = scin.trimmingCharacters(in: .whitespaces).uppercased()
        if !scinText.isEmpty && ClientReference.normalised(scinText) == nil {
            failure.add("scin", "SCIN must be \(ClientReference.shape)")
        }
        let crnText = crn.trimmingCharacters(in: .whitespaces).uppercased()
        if !crnText.isEmpty && ClientReference.normalised(crnText) == nil {
            failure.add("crn", "Child reference number must be \(ClientReference.shape)")
        }
        let dobText = dateOfBirth.trimmingCharacters(in: .whitespaces)
        if !dobText.isEmpty {
            if let date = CaseworkTime.parse(dobText), dobText.count == 10 {
                if date > today { failure.add("dateOfBirth", "Date of birth must be in the past") }
                if date < today.addingTimeInterval(-130 * 365.25 * 86400) { failure.add("dateOfBirth", "Date of birth must be within the last 130 years") }
            } else {
                failure.add("dateOfBirth", "Date of birth must be a real date, like 27 March 1984")
            }
        }
        let cleanAddress = address.trimmingCharacters(in: .whitespacesAndNewlines)
        if cleanAddress.count > 300 { failure.add("address", "Address must be 300 characters or fewer") }
        if ninoText.isEmpty && scinText.isEmpty && crnText.isEmpty {
            failure.add("nino", "Enter at least one identifier: a National Insurance number, SCIN or child reference number")
        }
        try failure.throwIfAny()
        return Valid(name: cleanName, nino: parsedNINO, scin: scinText.isEmpty ? nil : scinText, crn: crnText.isEmpty ? nil : crnText,
                     dateOfBirth: dobText.isEmpty ? nil : dobText, address: cleanAddress)
    }
}

/// How a contact takes part in a case.
public enum ParticipantRole: String, Sendable, Codable, CaseIterable {
    case receivingParent
    case payingParent
    case child

    public var displayName: String {
        switch self {
        case .receivingParent: "Receiving parent"
        case .payingParent: "Paying parent"
        case .child: "Child"
        }
    }
}

/// The rules a case's participants must meet.
public enum CaseRules {
    /// One receiving and one paying parent at most, at least one child or parent, nobody twice, and not the same person as both parents.
    public static func check(participants: [(contactId: String, role: String)]) throws(ValidationFailure) -> [(contactId: String, role: ParticipantRole)] {
        var failure = ValidationFailure()
        var parsed: [(String, ParticipantRole)] = []
        if participants.isEmpty { failure.add("participants", "Add at least one participant") }
        for (index, participant) in participants.enumerated() {
            guard let role = ParticipantRole(rawValue: participant.role) else {
                failure.add("participants", "Participant \(index + 1): role must be receivingParent, payingParent or child")
                continue
            }
            if participant.contactId.trimmingCharacters(in: .whitespaces).isEmpty {
                failure.add("participants", "Participant \(index + 1): choose a contact")
                continue
            }
            parsed.append((participant.contactId, role))
        }
        if Set(parsed.map(\.0)).count != parsed.count { failure.add("participants", "A contact can take part in a case only once") }
        if parsed.filter({ $0.1 == .receivingParent }).count > 1 { failure.add("participants", "A case has one receiving parent") }
        if parsed.filter({ $0.1 == .payingParent }).count > 1 { failure.add("participants", "A case has one paying parent") }
        try failure.throwIfAny()
        return parsed.map { (contactId: $0.0, role: $0.1) }
    }
}
