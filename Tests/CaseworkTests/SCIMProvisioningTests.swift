@testable import Casework
import CaseworkCore
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

extension Application {
    /// A live SCIM token for a client, as `casework scim-token create` makes one.
    func scimToken(_ name: String = "entra-id") async throws -> String {
        let token = SessionStore.newToken()
        try await (db as! any SQLDatabase).raw("""
            INSERT INTO scim_tokens (id, name, token_hash, created_at) VALUES (\(bind: UUID()), \(bind: name), \(bind: SessionStore.hash(token)), \(bind: Date()))
            """).run()
        return token
    }

    func scim(_ method: HTTPMethod, _ path: String, _ body: String? = nil, token: String?) async throws -> (status: HTTPResponseStatus, json: JSONValue) {
        let response = try await testing().sendRequest(method, "/scim/v2" + path) { req in
            if let token { req.headers.bearerAuthorization = BearerAuthorization(token: token) }
            if let body {
                req.headers.contentType = HTTPMediaType(type: "application", subType: "scim+json")
                req.body = ByteBuffer(string: body)
            }
        }
        let json = response.body.readableBytes == 0 ? JSONValue.null : try JSONDecoder().decode(JSONValue.self, from: Data(response.body.readableBytesView))
        if response.body.readableBytes > 0 { #expect(response.headers.contentType?.subType == "scim+json", "\(path) answered \(response.headers.contentType?.description ?? "")") }
        return (response.status, json)
    }
}

/// A user as Entra ID sends one: core User, enterprise extension, work email and phone.
func entraUser(_ staffId: String, userName: String, name: (String, String), team: String = "Leeds Casework 7", manager: String? = nil, active: Bool = true) -> String {
    """
    {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
     "externalId":"aad-\(staffId)","userName":"\(userName)","active":\(active),"displayName":"\(name.0) \(name.1)",
     "name":{"givenName":"\(name.0)","familyName":"\(name.1)","formatted":"\(name.0) \(name.1)"},
     "emails":[{"primary":true,"type":"work","value":"\(userName)"}],"phoneNumbers":[{"type":"work","value":"0113 496 0000"}],
     "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"\(staffId)","department":"\(team)"\(manager.map { #","manager":{"value":"\#($0)"}"# } ?? "")}}
    """
}

@Suite("Provisioning staff by SCIM 2.0")
struct SCIMProvisioningTests {
    @Test func onlyALiveSCIMTokenOpensTheServiceAndErrorsUseTheSCIMSchema() async throws {
        try await withCasework { app in
            let anonymous = try await app.scim(.GET, "/Users", token: nil)
            #expect(anonymous.status == .unauthorized && anonymous.json["schemas"] == .array([.string(SCIMSchemas.error)]))
            #expect(try await app.scim(.GET, "/Users", token: "made-up").status == .unauthorized)
            let token = try await app.scimToken()
            #expect(try await app.scim(.GET, "/ServiceProviderConfig", token: token).json["patch"]?["supported"] == .bool(true))
            #expect(try await app.scim(.GET, "/ResourceTypes", token: token).json["totalResults"] == .number(2))
            let schemas = try await app.scim(.GET, "/Schemas", token: token).json["Resources"]?.array?.compactMap { $0["id"]?.string }
            #expect(schemas == [SCIMSchemas.user, SCIMSchemas.enterpriseUser, SCIMSchemas.group])
            try await (app.db as! any SQLDatabase).raw("UPDATE scim_tokens SET revoked_at = \(bind: Date())").run()
            #expect(try await app.scim(.GET, "/Users", token: token).status == .unauthorized)
        }
    }

    @Test func theProviderCreatesATeamLeaderAndACaseworkerReportingToThem() async throws {
        try await withCasework { app in
            let token = try await app.scimToken()
            let leader = try await app.scim(.POST, "/Users", entraUser("70000001", userName: "nia.okoro@cm.example.gov.uk", name: ("Nia", "Okoro")), token: token)
            #expect(leader.status == .created && leader.json["id"] == .string("70000001"))
            let worker = try await app.scim(.POST, "/Users", entraUser("070000002", userName: "owen.price@cm.example.gov.uk", name: ("Owen", "Price"),
                                                                      manager: "70000001"), token: token)
            #expect(worker.status == .created)
            let staff = try #require(try await StaffModel.find("070000002", on: app.db))
            #expect(staff.name == "Owen Price" && staff.teamLeaderStaffId == "70000001" && staff.team == "Leeds Casework 7")
            #expect(staff.email == "owen.price@cm.example.gov.uk" && staff.userName == "owen.price@cm.example.gov.uk")
            #expect(try await app.auditEvents().contains { $0.action == "staff.create" && $0.actorStaffId == "scim:entra-id" && $0.subjectId == "070000002" })

            // Lookups as Entra ID and Okta make them; paging as SCIM counts (from 1).
            let found = try await app.scim(.GET, "/Users?filter=" + #"userName eq "Owen.Price@cm.example.gov.uk""#.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!, token: token)
            #expect(found.json["totalResults"] == .number(1) && found.json["Resources"]?.array?.first?["id"] == .string("070000002"))
            let byMail = try await app.scim(.GET, "/Users?filter=" + #"emails[type eq "work"].value eq "nia.okoro@cm.example.gov.uk""#.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!, token: token)
            #expect(byMail.json["Resources"]?.array?.first?["id"] == .string("70000001"))
            let page = try await app.scim(.GET, "/Users?startIndex=2&count=3&attributes=userName", token: token)
            #expect(page.json["startIndex"] == .number(2) && page.json["itemsPerPage"] == .number(3))
            #expect(page.json["Resources"]?.array?.allSatisfy { $0["emails"] == nil && $0["userName"] != nil && $0["id"] != nil } == true)
            let badFilter = try await app.scim(.GET, "/Users?filter=userName%20equals%20x", token: token)
            #expect(badFilter.status == .badRequest && badFilter.json["scimType"] == .string("invalidFilter"))

            // Uniqueness and bad values are SCIM errors, with nothing changed.
            let again = try await app.scim(.POST, "/Users", entraUser("70000003", userName: "owen.price@cm.example.gov.uk", name: ("Other", "Owen")), token: token)
            #expect(again.status == .conflict && again.json["scimType"] == .string("uniqueness"))
            let badNumber = try await app.scim(.POST, "/Users", entraUser("7000000X", userName: "x@cm.example.gov.uk", name: ("X", "Y")), token: token)
            #expect(badNumber.status == .badRequest && badNumber.json["scimType"] == .string("invalidValue"))
            let noManager = try await app.scim(.POST, "/Users", entraUser("70000004", userName: "y@cm.example.gov.uk", name: ("Y", "Z"), manager: "79999999"), token: token)
            #expect(noManager.status == .badRequest && noManager.json["detail"]?.string?.contains("79999999") == true)
            #expect(try await StaffModel.find("70000003", on: app.db) == nil)
        }
    }

    @Test func groupsCarryRolesAndAMappedNameDoesToo() async throws {
        var settings = try freshSettings()
        settings.scimGroupRoles = ["cm scr managers": .scrManager]
        try await withCasework(settings: settings) { app in
            let token = try await app.scimToken()
            _ = try await app.scim(.POST, "/Users", entraUser("70000001", userName: "nia@cm.example.gov.uk", name: ("Nia", "Okoro")), token: token)
            _ = try await app.scim(.POST, "/Users", entraUser("70000002", userName: "owen@cm.example.gov.uk", name: ("Owen", "Price"), manager: "70000001"), token: token)
            let workers = try await app.scim(.POST, "/Groups", #"{"displayName":"caseworker","members":[{"value":"70000002"}]}"#, token: token)
            #expect(workers.status == .created)
            let leaders = try await app.scim(.POST, "/Groups", #"{"displayName":"teamLeader","members":[{"value":"70000001"}]}"#, token: token)
            _ = try await app.scim(.POST, "/Groups", #"{"displayName":"CM SCR Managers","members":[{"value":"70000001"}]}"#, token: token)
            func roles(_ id: String) async throws -> [Role] { try #require(try await StaffModel.query(on: app.db).filter(\.$id == id).with(\.$roleRows).first()).loadedRoles.sorted() }
            #expect(try await roles("70000002") == [.caseworker])
            #expect(try await roles("70000001") == [.teamLeader, .scrManager].sorted())
            #expect(try await app.scim(.GET, "/Groups?filter=displayName%20eq%20%22caseworker%22", token: token).json["totalResults"] == .number(1))

            // A role taken away by the group ends the sessions acting in it.
            try await (app.db as! any SQLDatabase).raw("UPDATE staff SET password_hash = (SELECT password_hash FROM staff WHERE staff_id = '20010002') WHERE staff_id = '70000001'").run()
            let niaToken = try await app.token("70000001", role: .teamLeader)
            let leadersId = try #require(leaders.json["id"]?.string)
            let removed = try await app.scim(.PATCH, "/Groups/\(leadersId)", #"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Remove","path":"members[value eq \"70000001\"]"}]}"#, token: token)
            #expect(removed.status == .ok && removed.json["members"]?.array?.isEmpty == true)
            #expect(try await roles("70000001") == [.scrManager])
            #expect(try await app.sendJSON(.GET, "/api/v1/home", token: niaToken).status == .unauthorized)
            let added = try await app.scim(.PATCH, "/Groups/\(leadersId)", #"{"Operations":[{"op":"add","path":"members","value":[{"value":"70000001"}]}]}"#, token: token)
            #expect(added.json["members"]?.array?.count == 1)
            #expect(try await app.scim(.DELETE, "/Groups/\(leadersId)", token: token).status == .noContent)
            #expect(try await roles("70000001") == [.scrManager])
        }
    }

    @Test func aMemberReferenceToNoUserIsLeftOutAndSaidSoWhileTheRestOfTheChangeApplies() async throws {
        try await withCasework(settings: try freshSettings()) { app in
            let token = try await app.scimToken()
            _ = try await app.scim(.POST, "/Users", entraUser("70000002", userName: "owen@cm.example.gov.uk", name: ("Owen", "Price")), token: token)
            let created = try await app.scim(.POST, "/Groups", #"{"displayName":"caseworker","members":[{"value":"no-such-user"}]}"#, token: token)
            #expect(created.status == .created)
            #expect(created.json["members"]?.array?.isEmpty ?? true)
            let groupId = try #require(created.json["id"]?.string)
            // What scim-sanity's probe sends: an id that names no one, with a real member beside it.
            let patched = try await app.scim(.PATCH, "/Groups/\(groupId)", #"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"fake-member-id"},{"value":"70000002"}]}]}"#, token: token)
            #expect(patched.status == .ok)
            #expect(patched.json["members"]?.array?.compactMap { $0["value"]?.string } == ["70000002"])
            #expect(try await app.scim(.GET, "/Groups/\(groupId)", token: token).json["members"]?.array?.count == 1)
            let roles = try #require(try await StaffModel.query(on: app.db).filter(\.$id == "70000002").with(\.$roleRows).first()).loadedRoles
            #expect(roles == [.caseworker])
            let events = try await AuditEventModel.query(on: app.db).filter(\.$subjectId == groupId).sort(\.$seq).all()
            #expect(events.map(\.detail).contains { $0.contains("left out 1 member reference(s) to no user here: no-such-user") })
            #expect(events.map(\.detail).contains { $0.contains("1 member(s) added") && $0.contains("left out 1 member reference(s) to no user here: fake-member-id") })
            #expect(try await StaffModel.find("fake-member-id", on: app.db) == nil)
        }
    }

    @Test func deactivationByPatchEndsEverythingAndADeletedUserIsKeptButGone() async throws {
        try await withCasework(records: true) { app in
            let token = try await app.scimToken()
            let (grantId, tom, sarah, _) = try await app.grantAccess(minutes: 120)
            // Tom was not provisioned by SCIM, yet the provider may manage him by his staff ID.
            let current = try await app.scim(.GET, "/Users/20010002", token: token)
            #expect(current.status == .ok && current.json["active"] == .bool(true))
            let patched = try await app.scim(.PATCH, "/Users/20010002", #"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","value":{"active":false}}]}"#, token: token)
            #expect(patched.status == .ok && patched.json["active"] == .bool(false))
            #expect(try await app.sendJSON(.GET, "/api/v1/home", token: tom).status == .unauthorized)
            let grant = try await app.sendJSON(.GET, "/api/v1/grants/\(grantId)", token: sarah).content.decode(GrantDTO.self)
            #expect(grant.status == "removed")
            #expect(try await app.auditEvents().contains { $0.action == "staff.deactivate" && $0.actorStaffId == "scim:entra-id" })

            // Employee number is the staff ID: it cannot change.
            let moved = try await app.scim(.PATCH, "/Users/20010002", #"{"Operations":[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber","value":"20019999"}]}"#, token: token)
            #expect(moved.status == .badRequest && moved.json["scimType"] == .string("mutability"))

            #expect(try await app.scim(.DELETE, "/Users/20010003", token: token).status == .noContent)
            #expect(try await app.scim(.GET, "/Users/20010003", token: token).status == .notFound)
            #expect(try await app.scim(.DELETE, "/Users/20010003", token: token).status == .notFound)
            let kept = try #require(try await StaffModel.find("20010003", on: app.db))
            #expect(!kept.active && kept.deletedAt != nil)
        }
    }
}
