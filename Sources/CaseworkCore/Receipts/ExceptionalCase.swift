import Foundation

/// Why a case is handled off the main system.
public enum ExceptionalCaseType: String, Sendable, Codable, CaseIterable {
    /// A participant has no NINO or CRN, so it cannot start on CMS2012.
    case one
    /// Started on CMS2012 and moved off it after an incident.
    case two

    public var displayName: String {
        switch self {
        case .one: "Type one: cannot start on CMS2012 (a participant has no NINO or CRN)"
        case .two: "Type two: moved off CMS2012 after an incident"
        }
    }
}

/// Whether the case is still being worked.
public enum ExceptionalCaseStatus: String, Sendable, Codable, CaseIterable {
    case open
    case closed
}

/// An exceptional case as typed on the form or in a JSON body.
public struct ExceptionalCaseInput: Sendable, Equatable {
    public var type: String
    public var incidentReference: String
    public var receivingParent: String
    public var payingParent: String
    public var notes: String

    public init(type: String = "", incidentReference: String = "", receivingParent: String = "", payingParent: String = "", notes: String = "") {
        self.type = type
        self.incidentReference = incidentReference
        self.receivingParent = receivingParent
        self.payingParent = payingParent
        self.notes = notes
    }

    public struct Valid: Sendable, Equatable {
        public var type: ExceptionalCaseType
        public var incidentReference: String?
        public var receivingParent: String
        public var payingParent: String
        public var notes: String
    }

    /// Every problem at once. Type two needs its incident reference; type one has none.
    public func validated() throws(ValidationFailure) -> Valid {
        var failure = ValidationFailure()
        let type = ExceptionalCaseType(rawValue: self.type.trimmingCharacters(in: .whitespaces))
        if type == nil { failure.add("type", "Choose type one or type two") }
        let incident = incidentReference.trimmingCharacters(in: .whitespaces)
        if type == .two && incident.isEmpty { failure.add("incidentReference", "Give the incident reference that moved this case off CMS2012") }
        if type == .one && !incident.isEmpty { failure.add("incidentReference", "A type one case has no incident: leave the incident reference empty") }
        if incident.count > 40 { failure.add("incidentReference", "Incident reference must be 40 characters or fewer") }
        for (field, value) in [("receivingParent", receivingParent), ("payingParent", payingParent)] {
            if value.trimmingCharacters(in: .whitespaces).count > 100 { failure.add(field, "Name must be 100 characters or fewer") }
        }
        if notes.count > 2000 { failure.add("notes", "Notes must be 2,000 characters or fewer") }
        try failure.throwIfAny()
        return Valid(type: type!, incidentReference: incident.isEmpty ? nil : incident,
                     receivingParent: receivingParent.trimmingCharacters(in: .whitespaces), payingParent: payingParent.trimmingCharacters(in: .whitespaces),
                     notes: notes.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

/// A receipt or payment as typed, before it is checked.
public struct EntryInput: Sendable, Equatable {
    public var amountPence: Int?
    public var amountPounds: String?
    public var on: String
    public var method: String
    public var payer: String
    public var reference: String

    public init(amountPence: Int? = nil, amountPounds: String? = nil, on: String, method: String, payer: String = "", reference: String) {
        self.amountPence = amountPence
        self.amountPounds = amountPounds
        self.on = on
        self.method = method
        self.payer = payer
        self.reference = reference
    }

    /// The fields named as the API names them (`receivedOn` or `paidOn`).
    public func validated(kind: EntryKind, today: Date, id: String) throws(ValidationFailure) -> LedgerEntry {
        var failure = ValidationFailure()
        let dateField = kind == .receipt ? "receivedOn" : "paidOn"
        let dateName = kind == .receipt ? "Date received" : "Date paid"
        var amount: Pence?
        if let pence = amountPence {
            amount = collect(&failure) { () throws(ValidationFailure) in try Pence.checkEntry(Pence(pence), field: "amountPence") }
        } else if let pounds = amountPounds {
            amount = collect(&failure) { () throws(ValidationFailure) in try Pence.parsePounds(pounds, field: "amountPence") }
        } else {
            failure.add("amountPence", "Enter the amount")
        }
        let day = on.trimmingCharacters(in: .whitespaces)
        if CaseworkTime.parse(day) != nil, day.count == 10 {
            // Days compare as text; "today" is the UK's day, as the status bar shows it.
            if day > CaseworkTime.ukDay(today) { failure.add(dateField, "\(dateName) must be today or in the past") }
        } else {
            failure.add(dateField, "\(dateName) must be a real date, like 22 November 2026")
        }
        let method = PaymentMethod(rawValue: method.trimmingCharacters(in: .whitespaces))
        if method == nil { failure.add("method", "Choose the method: \(PaymentMethod.allCases.map(\.rawValue).joined(separator: ", "))") }
        let reference = reference.trimmingCharacters(in: .whitespaces)
        if reference.isEmpty { failure.add("reference", "Enter the reference") }
        if reference.count > 60 { failure.add("reference", "Reference must be 60 characters or fewer") }
        let payer = payer.trimmingCharacters(in: .whitespaces)
        if payer.count > 100 { failure.add("payer", "Payer must be 100 characters or fewer") }
        try failure.throwIfAny()
        return LedgerEntry(id: id, kind: kind, amount: amount!, on: day, method: method!, payer: kind == .receipt && !payer.isEmpty ? payer : nil, reference: reference)
    }
}

/// The tool's own profiles, each granting one Casework role.
public enum ToolProfile: String, Sendable, Codable, CaseIterable {
    case toolCaseWorker
    case toolSystemAdministrator

    public var role: Role { self == .toolCaseWorker ? .toolCaseWorker : .toolSystemAdministrator }
    public var displayName: String { role.displayName }

    /// Refuses revoking the last System Administrator profile, so someone can always maintain users.
    public static func checkRevoke(_ profile: ToolProfile, systemAdministrators: Int) -> DomainError? {
        if profile == .toolSystemAdministrator && systemAdministrators <= 1 {
            return .conflict("This is the last System Administrator profile: grant another person System Administrator first")
        }
        return nil
    }
}
