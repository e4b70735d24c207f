import Foundation

/// A member of staff as the identity provider describes them in SCIM (RFC 7643 core User plus the enterprise
/// extension): `employeeNumber` is the staff ID, the enterprise `department` the team and `manager.value` the team
/// leader. Reading a document is the one rule for POST, PUT and a patched document alike.
public struct SCIMUser: Sendable, Equatable {
    public var staffId: StaffID
    public var userName: String
    public var externalId: String?
    public var name: String
    public var email: String
    public var phone: String
    public var team: String
    public var teamLeaderStaffId: StaffID?
    public var active: Bool
    /// The `name` object and `displayName` as sent, returned as given (`name` above is derived from them).
    public var nameAttribute: JSONValue?
    public var displayName: String?

    /// A document that cannot be a member of staff, said for the client (SCIM's `invalidValue`).
    public struct Invalid: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// The team a person is in until the provider says (SCIM's `department` is optional).
    public static let noTeam = "Not yet assigned"

    public static func read(_ document: JSONValue) throws(Invalid) -> SCIMUser {
        let enterprise = document[SCIMSchemas.enterpriseUser]
        guard let employeeNumber = (enterprise?["employeeNumber"] ?? document["employeeNumber"])?.string?.trimmingCharacters(in: .whitespaces),
              !employeeNumber.isEmpty else {
            throw Invalid(description: "employeeNumber (enterprise extension) is required: it is the staff ID, up to nine digits")
        }
        guard let staffId = StaffID(employeeNumber) else {
            throw Invalid(description: "employeeNumber \(employeeNumber) is not a staff ID: up to nine digits, leading zeros kept")
        }
        guard let userName = document["userName"]?.string?.trimmingCharacters(in: .whitespaces), !userName.isEmpty else {
            throw Invalid(description: "userName is required")
        }
        let nameObject = document["name"]
        let given = nameObject?["givenName"]?.string ?? "", family = nameObject?["familyName"]?.string ?? ""
        let displayName = document["displayName"]?.string
        let candidates: [String?] = [displayName, nameObject?["formatted"]?.string, [given, family].filter { !$0.isEmpty }.joined(separator: " "), userName]
        let name = candidates.compactMap { $0?.trimmingCharacters(in: .whitespaces) }.first { !$0.isEmpty } ?? userName
        guard name.count <= StaffInput.maxNameLength else { throw Invalid(description: "the name must be \(StaffInput.maxNameLength) characters or fewer") }
        let email = preferred(document["emails"])?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        if !email.isEmpty, !StaffInput.looksLikeEmail(email) { throw Invalid(description: "\(email) is not an email address") }
        let phone = preferred(document["phoneNumbers"])?.trimmingCharacters(in: .whitespaces) ?? ""
        let team = enterprise?["department"]?.string?.trimmingCharacters(in: .whitespaces) ?? ""
        guard team.count <= StaffInput.maxTextLength else { throw Invalid(description: "department must be \(StaffInput.maxTextLength) characters or fewer") }
        var leader: StaffID?
        let manager = enterprise?["manager"]
        // The manager's id from `value`, or from the last segment of `$ref` (RFC 7643 8.7.1: both are readWrite).
        let fromValue = (manager?["value"] ?? manager)?.string?.trimmingCharacters(in: .whitespaces)
        let fromReference = manager?["$ref"]?.string.flatMap { $0.split(separator: "/").last.map(String.init) }
        if let fromValue, let fromReference, !fromValue.isEmpty, fromValue != fromReference {
            throw Invalid(description: "manager value \(fromValue) and $ref \(fromReference) name different people")
        }
        if let managerValue = (fromValue?.isEmpty == false ? fromValue : fromReference), !managerValue.isEmpty {
            guard let parsed = StaffID(managerValue) else { throw Invalid(description: "manager \(managerValue) is not a staff ID") }
            guard parsed != staffId else { throw Invalid(description: "a person cannot be their own manager") }
            leader = parsed
        }
        let active: Bool
        switch document["active"] {
        case nil, .null?: active = true
        case let value?:
            guard let flag = value.bool else { throw Invalid(description: "active must be true or false") }
            active = flag
        }
        var nameAttribute: JSONValue?
        if case .object(let parts)? = nameObject, !parts.isEmpty { nameAttribute = .object(parts) }
        return SCIMUser(staffId: staffId, userName: userName, externalId: document["externalId"]?.string, name: name, email: email,
                        phone: String(phone.filter { $0.isNumber || " +()-".contains($0) }.prefix(30)),
                        team: team.isEmpty ? noTeam : team, teamLeaderStaffId: leader, active: active,
                        nameAttribute: nameAttribute, displayName: displayName)
    }

    /// The work value of a multi-valued attribute (emails, phone numbers): type "work", else the primary, else the first.
    static func preferred(_ attribute: JSONValue?) -> String? {
        guard let list = attribute?.array, !list.isEmpty else { return nil }
        let chosen = list.first { $0["type"]?.string?.lowercased() == "work" } ?? list.first { $0["primary"]?.bool == true } ?? list[0]
        return chosen["value"]?.string
    }

    /// The SCIM representation of a member of staff.
    /// `nameAttribute` and `displayName` are the provider's own, when it sent them; a person it never sent (made in
    /// Casework) shows Casework's name in both.
    public static func document(_ profile: StaffProfile, userName: String, externalId: String?, created: String, lastModified: String,
                                location: String, provisioned: Bool = false, nameAttribute: JSONValue? = nil, displayName: String? = nil) -> JSONValue {
        var enterprise: [String: JSONValue] = ["employeeNumber": .string(profile.staffId.value)]
        if profile.team != noTeam { enterprise["department"] = .string(profile.team) }
        if let leader = profile.teamLeaderStaffId {
            enterprise["manager"] = .object(["value": .string(leader.value), "$ref": .string(location.replacingOccurrences(of: "/\(profile.staffId.value)", with: "/\(leader.value)"))])
        }
        var document: [String: JSONValue] = [
            "schemas": .array([.string(SCIMSchemas.user), .string(SCIMSchemas.enterpriseUser)]),
            "id": .string(profile.staffId.value),
            "userName": .string(userName),
            "active": .bool(profile.active),
            SCIMSchemas.enterpriseUser: .object(enterprise),
            "meta": .object(["resourceType": .string("User"), "created": .string(created), "lastModified": .string(lastModified),
                             "location": .string(location), "version": .string("W/\"\(lastModified)\"")]),
        ]
        if provisioned {
            if let nameAttribute { document["name"] = nameAttribute }
            if let displayName { document["displayName"] = .string(displayName) }
        } else {
            document["name"] = .object(["formatted": .string(profile.name)])
            document["displayName"] = .string(profile.name)
        }
        if let externalId { document["externalId"] = .string(externalId) }
        if !profile.email.isEmpty { document["emails"] = .array([.object(["value": .string(profile.email), "type": .string("work")])]) }
        if !profile.phone.isEmpty { document["phoneNumbers"] = .array([.object(["value": .string(profile.phone), "type": .string("work")])]) }
        return .object(document)
    }
}
