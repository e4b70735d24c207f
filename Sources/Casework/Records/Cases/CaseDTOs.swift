import CaseworkCore
import Vapor

// What the case API answers.

/// A case participant: the role always, the person only when the caller may see them.
struct ParticipantDTO: Content {
    let role: ParticipantRole
    let roleName: String
    let contact: ContactListingDTO
    var contactId: String? { contact.id }
}

struct CaseDTO: Content {
    let id: String
    let caseNumber: String
    let participants: [ParticipantDTO]
}
