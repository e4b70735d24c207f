import CaseworkCore
import Foundation

/// The discovery documents (RFC 7643 5-7, RFC 7644 4): what this SCIM service supports, its resource types and the
/// schemas of Users (with the enterprise extension) and Groups, as far as Casework keeps them.
enum SCIMDiscovery {
    static func serviceProviderConfig(base: String, maxResults: Int) -> JSONValue {
        .object([
            "schemas": .array([.string("urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig")]),
            "documentationUri": .string(base.replacingOccurrences(of: "/scim/v2", with: "/openapi.json")),
            "patch": .object(["supported": .bool(true)]),
            "bulk": .object(["supported": .bool(false), "maxOperations": .number(0), "maxPayloadSize": .number(0)]),
            "filter": .object(["supported": .bool(true), "maxResults": .number(Double(maxResults))]),
            "changePassword": .object(["supported": .bool(false)]),
            "sort": .object(["supported": .bool(false)]),
            "etag": .object(["supported": .bool(false)]),
            "authenticationSchemes": .array([.object([
                "type": .string("oauthbearertoken"), "name": .string("Bearer token"), "primary": .bool(true),
                "description": .string("A token made with `casework scim-token create --name NAME`, sent as Authorization: Bearer"),
            ])]),
            "meta": .object(["resourceType": .string("ServiceProviderConfig"), "location": .string("\(base)/ServiceProviderConfig")]),
        ])
    }

    static func resourceTypes(base: String) -> [JSONValue] {
        [
            .object([
                "schemas": .array([.string("urn:ietf:params:scim:schemas:core:2.0:ResourceType")]),
                "id": .string("User"), "name": .string("User"), "endpoint": .string("/Users"), "description": .string("A member of staff"),
                "schema": .string(SCIMSchemas.user),
                "schemaExtensions": .array([.object(["schema": .string(SCIMSchemas.enterpriseUser), "required": .bool(true)])]),
                "meta": .object(["resourceType": .string("ResourceType"), "location": .string("\(base)/ResourceTypes/User")]),
            ]),
            .object([
                "schemas": .array([.string("urn:ietf:params:scim:schemas:core:2.0:ResourceType")]),
                "id": .string("Group"), "name": .string("Group"), "endpoint": .string("/Groups"),
                "description": .string("A group; one named after a role gives its members that role"), "schema": .string(SCIMSchemas.group),
                "schemaExtensions": .array([]),
                "meta": .object(["resourceType": .string("ResourceType"), "location": .string("\(base)/ResourceTypes/Group")]),
            ]),
        ]
    }

    static func attribute(_ name: String, _ type: String = "string", required: Bool = false, multiValued: Bool = false, caseExact: Bool = false,
                          mutability: String = "readWrite", uniqueness: String = "none", description: String,
                          subAttributes: [JSONValue] = [], referenceTypes: [String] = [], canonicalValues: [String] = []) -> JSONValue {
        var attribute: [String: JSONValue] = [
            "name": .string(name), "type": .string(type), "multiValued": .bool(multiValued), "description": .string(description),
            "required": .bool(required), "caseExact": .bool(caseExact), "mutability": .string(mutability), "returned": .string("default"),
            "uniqueness": .string(uniqueness),
        ]
        if !subAttributes.isEmpty { attribute["subAttributes"] = .array(subAttributes) }
        if !referenceTypes.isEmpty { attribute["referenceTypes"] = .array(referenceTypes.map { .string($0) }) }
        if !canonicalValues.isEmpty { attribute["canonicalValues"] = .array(canonicalValues.map { .string($0) }) }
        return .object(attribute)
    }

    static func schemas(base: String) -> [JSONValue] {
        func schema(_ id: String, _ name: String, _ description: String, _ attributes: [JSONValue]) -> JSONValue {
            .object([
                "schemas": .array([.string("urn:ietf:params:scim:schemas:core:2.0:Schema")]),
                "id": .string(id), "name": .string(name), "description": .string(description), "attributes": .array(attributes),
                "meta": .object(["resourceType": .string("Schema"), "location": .string("\(base)/Schemas/\(id)")]),
            ])
        }
        // Casework keeps one work address and number; it returns them as type "work".
        let typed = { (what: String) in
            [attribute("value", description: "The \(what)"), attribute("type", description: "work: the one Casework keeps", canonicalValues: ["work"])]
        }
        return [
            schema(SCIMSchemas.user, "User", "A member of staff", [
                attribute("userName", required: true, uniqueness: "server", description: "The identity provider's unique name for the person"),
                attribute("name", "complex", description: "The person's name", subAttributes: [
                    attribute("formatted", description: "The full name"), attribute("givenName", description: "Given name"),
                    attribute("familyName", description: "Family name"),
                ]),
                attribute("displayName", description: "The name shown in Casework"),
                attribute("active", "boolean", required: true, description: "false ends the person's sessions, grants and open requests at once (true when not sent)"),
                attribute("emails", "complex", multiValued: true, description: "Email addresses; the work one is kept", subAttributes: typed("email address")),
                attribute("phoneNumbers", "complex", multiValued: true, description: "Phone numbers; the work one is kept", subAttributes: typed("phone number")),
            ]),
            schema(SCIMSchemas.enterpriseUser, "EnterpriseUser", "Enterprise User", [
                attribute("employeeNumber", required: true, mutability: "immutable", uniqueness: "server", description: "The staff ID: up to nine digits"),
                attribute("department", description: "The team"),
                attribute("manager", "complex", description: "The team leader", subAttributes: [
                    attribute("value", description: "The team leader's id (their staff ID)"),
                    attribute("$ref", "reference", description: "The team leader's User", referenceTypes: ["User"]),
                    attribute("displayName", mutability: "readOnly", description: "The team leader's name"),
                ]),
            ]),
            schema(SCIMSchemas.group, "Group", "A group; one named after a role gives its members that role", [
                attribute("displayName", required: true, uniqueness: "server", description: "The group's name"),
                attribute("members", "complex", multiValued: true, description: "The group's members", subAttributes: [
                    attribute("value", mutability: "immutable", description: "A member's id"),
                    attribute("$ref", "reference", mutability: "immutable", description: "The member's User", referenceTypes: ["User"]),
                    attribute("type", mutability: "immutable", description: "User: members are Users", canonicalValues: ["User"]),
                ]),
            ]),
        ]
    }
}
