import CaseworkCore
import Vapor

// What the contact API takes and answers.

/// A contact the caller may see.
struct ContactDTO: Content {
    let id: String
    let name: String
    let nino: String?
    let scin: String?
    let crn: String?
    let dateOfBirth: String?
    let address: String
    let sensitive: Bool

    init(_ contact: ContactModel) {
        id = contact.id!.text
        name = contact.name
        nino = contact.nino
        scin = contact.scin
        crn = contact.crn
        dateOfBirth = contact.dateOfBirth
        address = contact.address
        sensitive = contact.sensitive
    }
}

/// A contact in a list: its details when the caller may see them, else only "restricted record".
struct ContactListingDTO: Content {
    let restricted: Bool
    let label: String
    let id: String?
    let name: String?
    let nino: String?
    let scin: String?
    let crn: String?
    let sensitive: Bool?

    static let restrictedLabel = "restricted record"

    init(_ contact: some ContactFacts, visible: Bool) {
        restricted = !visible
        if visible {
            label = contact.name
            id = contact.contactId.text
            name = contact.name
            nino = contact.nino
            scin = contact.scin
            crn = contact.crn
            sensitive = contact.sensitive
        } else {
            label = Self.restrictedLabel
            id = nil
            name = nil
            nino = nil
            scin = nil
            crn = nil
            sensitive = nil
        }
    }
}
