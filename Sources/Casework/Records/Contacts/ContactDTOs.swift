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

/// Search lists fifty of these on the page and in the API: each writes its own JSON and Leaf data (`ObjectWritable`),
/// where encoding them by reflection was a tenth of the search page's time at national volume (bench/scale.sh,
/// PROFILE=1).
extension ContactListingDTO: ObjectWritable {
    func writeEachMember<Writer: ObjectMemberWriter>(to object: inout Writer) {
        object.write(CodingKeys.restricted, restricted)
        object.write(CodingKeys.label, label)
        object.write(CodingKeys.id, id)
        object.write(CodingKeys.name, name)
        object.write(CodingKeys.nino, nino)
        object.write(CodingKeys.scin, scin)
        object.write(CodingKeys.crn, crn)
        object.write(CodingKeys.sensitive, sensitive)
    }
}
