import Foundation

/// The shape of a SCIN or a child reference number (CRN): 6 to 12 letters or digits, kept in upper case. One rule for
/// the contact form, the API and the CSUA150 form's search routing.
public enum ClientReference {
    /// What the rule says, for error messages.
    public static let shape = "6 to 12 letters or digits"

    /// The reference as stored (spaces around it dropped, upper case), or nil when it is not of the shape.
    public static func normalised(_ text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
        guard (6...12).contains(trimmed.count), trimmed.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else { return nil }
        return trimmed
    }
}

/// What a person searched for, as the CSUA150 form reads it to fill in the client's details: a National Insurance
/// number, a SCIN (a reference with at least one digit: a name has none), or else a client's name.
public enum ContactSearchTerm: Sendable, Equatable {
    case nino(NINO)
    case scin(String)
    case name(String)

    public init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return nil }
        if let nino = NINO(trimmed) {
            self = .nino(nino)
        } else if let reference = ClientReference.normalised(trimmed), reference.contains(where: \.isNumber) {
            self = .scin(reference)
        } else {
            self = .name(trimmed)
        }
    }
}
