import CaseworkCore
import Foundation
import Testing

@Suite("SCIM filters and patches, as identity providers send them")
struct SCIMTests {
    static func json(_ text: String) -> JSONValue {
        try! JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    static let tom = json("""
        {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"20010002","userName":"Tom.Baxter@cm.example.gov.uk",
         "externalId":"e-17","active":true,"name":{"givenName":"Tom","familyName":"Baxter"},
         "emails":[{"value":"tom@cm.example.gov.uk","type":"work","primary":true},{"value":"tom@home.example","type":"home"}],
         "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"020010002","department":"Newcastle Casework 1",
           "manager":{"value":"20010001"}}}
        """)

    @Test(arguments: [
        (#"userName eq "tom.baxter@cm.example.gov.uk""#, true),
        (#"userName eq "someone@else""#, false),
        (#"externalId eq "e-17""#, true),
        (#"externalId eq "E-17""#, false),
        (#"emails[type eq "work"].value eq "tom@cm.example.gov.uk""#, true),
        (#"emails[type eq "home"].value eq "tom@cm.example.gov.uk""#, false),
        (#"emails[type eq "work" and primary eq true]"#, true),
        (#"emails co "home.example""#, true),
        (#"userName sw "tom." and active eq true"#, true),
        (#"userName sw "x" or name.familyName eq "baxter""#, true),
        (#"not (active eq true)"#, false),
        (#"title pr"#, false),
        (#"name.givenName pr"#, true),
        (#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "020010002""#, true),
        (#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "20010001""#, true),
        (#"urn:ietf:params:scim:schemas:core:2.0:User:userName ew "gov.uk""#, true),
    ])
    func filtersMatchAsRFC7644Says(filter: String, matches: Bool) throws {
        #expect(try SCIMFilter.parse(filter).matches(Self.tom) == matches, "\(filter)")
    }

    @Test func badFiltersAreRefusedSayingWhy() throws {
        for bad in [#"userName eq"#, #"userName equals "x""#, #"userName eq "x"#, #"(userName eq "x""#, #"emails[type eq "work""#, #"userName eq x"#] {
            #expect(throws: SCIMFilter.Invalid.self, "\(bad)") { try SCIMFilter.parse(bad) }
        }
        #expect(try SCIMFilter.parse(#"userName eq "a" and externalId eq "b""#).equality(on: "userName") == "a")
    }

    func patch(_ body: String, _ resource: JSONValue = Self.tom) throws -> JSONValue {
        try SCIMPatch.apply(try SCIMPatch.operations(from: Self.json(body)), to: resource)
    }

    @Test func entraAndOktaPatchesApply() throws {
        // Op names in any case, a path-less value object, and the work email by filter.
        let deactivated = try patch(#"{"Operations":[{"op":"Replace","value":{"active":false}}]}"#)
        #expect(deactivated["active"] == .bool(false))
        let moved = try patch(#"{"Operations":[{"op":"replace","path":"emails[type eq \"work\"].value","value":"t.baxter@cm.example.gov.uk"}]}"#)
        #expect(moved["emails"]?.array?.first?["value"] == .string("t.baxter@cm.example.gov.uk"))
        #expect(moved["emails"]?.array?.count == 2)
        // Into the enterprise extension, by URN path and by path-less object.
        let team = try patch(#"{"Operations":[{"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"Plymouth"}]}"#)
        #expect(team[SCIMSchemas.enterpriseUser]?["department"] == .string("Plymouth"))
        #expect(team[SCIMSchemas.enterpriseUser]?["employeeNumber"] == .string("020010002"))
        let manager = try patch(#"{"Operations":[{"op":"add","value":{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"20030001"}}}}]}"#)
        #expect(manager[SCIMSchemas.enterpriseUser]?["manager"]?["value"] == .string("20030001"))
        // Sub-attribute paths, and path-less keys that are themselves paths.
        let renamed = try patch(#"{"Operations":[{"op":"replace","value":{"name.givenName":"Thomas","displayName":"Thomas Baxter"}}]}"#)
        #expect(renamed["name"]?["givenName"] == .string("Thomas") && renamed["name"]?["familyName"] == .string("Baxter"))
        // A work phone number where there was none.
        let phoned = try patch(#"{"Operations":[{"op":"replace","path":"phoneNumbers[type eq \"work\"].value","value":"0191 000 0000"}]}"#)
        #expect(phoned["phoneNumbers"]?.array == [.object(["type": .string("work"), "value": .string("0191 000 0000")])])
        // Removing an attribute.
        #expect(try patch(#"{"Operations":[{"op":"remove","path":"externalId"}]}"#)["externalId"] == nil)
    }

    @Test func groupMembersAreAddedAndRemovedEveryWayClientsSendThem() throws {
        let group = Self.json(#"{"displayName":"caseworker","members":[{"value":"1"},{"value":"2"}]}"#)
        let added = try patch(#"{"Operations":[{"op":"Add","path":"members","value":[{"value":"3"},{"value":"2"}]}]}"#, group)
        #expect(added["members"]?.array?.compactMap { $0["value"]?.string } == ["1", "2", "3"])
        let byFilter = try patch(#"{"Operations":[{"op":"Remove","path":"members[value eq \"1\"]"}]}"#, added)
        #expect(byFilter["members"]?.array?.compactMap { $0["value"]?.string } == ["2", "3"])
        let byValue = try patch(#"{"Operations":[{"op":"remove","path":"members","value":[{"value":"3"}]}]}"#, byFilter)
        #expect(byValue["members"]?.array?.compactMap { $0["value"]?.string } == ["2"])
        let renamed = try patch(#"{"Operations":[{"op":"replace","value":{"displayName":"teamLeader"}}]}"#, byValue)
        #expect(renamed["displayName"] == .string("teamLeader"))
    }

    @Test func badPatchesAreRefusedWithTheirSCIMType() {
        func type(_ body: String) -> String? {
            do { _ = try patch(body); return nil } catch let invalid as SCIMPatch.Invalid { return invalid.scimType } catch { return "not a SCIM error: \(error)" }
        }
        #expect(type(#"{"Operations":[]}"#) == "invalidSyntax")
        #expect(type(#"{"Operations":[{"op":"frobnicate","path":"x","value":1}]}"#) == "invalidSyntax")
        #expect(type(#"{"Operations":[{"op":"remove"}]}"#) == "noTarget")
        #expect(type(#"{"Operations":[{"op":"replace","path":"emails[type eq ","value":"x"}]}"#) == "invalidPath")
        #expect(type(#"{"Operations":[{"op":"replace","path":"members[value eq \"9\"]","value":{"value":"9"}}]}"#) == "noTarget")
    }

    @Test func aUserDocumentIsAMemberOfStaff() throws {
        let user = try SCIMUser.read(Self.tom)
        #expect(user.staffId.value == "020010002" && user.name == "Tom Baxter" && user.email == "tom@cm.example.gov.uk")
        #expect(user.team == "Newcastle Casework 1" && user.teamLeaderStaffId?.value == "20010001" && user.active)
        var noNumber = Self.tom
        if case .object(var object) = noNumber { object[SCIMSchemas.enterpriseUser] = nil; noNumber = .object(object) }
        #expect(throws: SCIMUser.Invalid.self) { try SCIMUser.read(noNumber) }
        let odd = Self.json(#"{"userName":"x","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"12ab"}}"#)
        #expect(throws: SCIMUser.Invalid.self) { try SCIMUser.read(odd) }
        // With no name, department or email, the person still exists: named by userName, in no team yet.
        let bare = try SCIMUser.read(Self.json(#"{"userName":"bare","active":"False","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"7"}}"#))
        #expect(bare.name == "bare" && bare.team == SCIMUser.noTeam && bare.email.isEmpty && !bare.active)
    }
}
