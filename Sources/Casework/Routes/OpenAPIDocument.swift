import CaseworkCore
import Foundation

/// The OpenAPI 3.1 description of every /api/v1 operation, built in code beside the routes it describes.
enum OpenAPIDocument {
    typealias JSON = [String: Any]

    static func ref(_ name: String) -> JSON { ["$ref": "#/components/schemas/\(name)"] }
    static var string: JSON { ["type": "string"] }
    /// An optional field that may also be sent as null.
    static var optionalString: JSON { ["type": ["string", "null"]] }
    /// A string that must not be empty.
    static var text: JSON { ["type": "string", "minLength": 1] }
    static var integer: JSON { ["type": "integer"] }
    static var boolean: JSON { ["type": "boolean"] }
    static func array(_ items: JSON) -> JSON { ["type": "array", "items": items] }
    /// An object schema. Optional properties also accept null, because every optional field is a Swift optional
    /// that reads null as absent.
    static func object(_ properties: [String: JSON], required: [String]) -> JSON {
        var described = properties
        for (name, schema) in properties where !required.contains(name) {
            if let type = schema["type"] as? String, type != "object", type != "array" {
                var nullable = schema
                nullable["type"] = [type, "null"]
                if let values = schema["enum"] as? [String] { nullable["enum"] = values + [NSNull()] }
                described[name] = nullable
            }
        }
        return ["type": "object", "properties": described, "required": required]
    }
    /// A string schema whose values are the enum's own cases, so the document cannot drift from the code.
    static func enumOf<Value: RawRepresentable>(_ values: some Sequence<Value>) -> JSON where Value.RawValue == String {
        ["type": "string", "enum": values.map(\.rawValue)]
    }
    static func enumOf<Value: RawRepresentable & CaseIterable>(_ type: Value.Type) -> JSON where Value.RawValue == String {
        enumOf(type.allCases)
    }
    static var roleEnum: JSON { enumOf(Role.self) }

    static func body(_ schema: JSON) -> JSON {
        ["required": true, "content": ["application/json": ["schema": schema]]]
    }

    static func problem(_ description: String) -> JSON {
        ["description": description, "content": ["application/problem+json": ["schema": ref("Problem")]]]
    }

    static func ok(_ schema: JSON, _ description: String = "OK") -> JSON {
        ["description": description, "content": ["application/json": ["schema": schema]]]
    }

    /// An operation with the error answers every signed-in route can give.
    static func op(_ summary: String, id: String, signedIn: Bool = true, params: [JSON] = [], body: JSON? = nil, responses: [String: JSON]) -> JSON {
        var all = responses
        if signedIn {
            all["401"] = problem("Not signed in: send Authorization: Bearer TOKEN")
            all["403"] = problem("Your role may not do this")
        }
        if body != nil {
            all["400"] = problem("The body is not JSON of the expected shape")
            all["422"] = all["422"] ?? problem("A field is invalid; errors names each")
        }
        all["405"] = problem("This path does not take that method")
        var operation: JSON = ["summary": summary, "operationId": id, "responses": all]
        if !params.isEmpty { operation["parameters"] = params }
        if let body { operation["requestBody"] = body }
        if signedIn { operation["security"] = [["bearer": [String]()]] }
        return operation
    }

    static func query(_ name: String, _ description: String, schema: JSON = string) -> JSON {
        ["name": name, "in": "query", "required": false, "description": description, "schema": schema]
    }

    static var staffIdParam: JSON { ["name": "staffId", "in": "path", "required": true, "schema": ["type": "string", "pattern": "^[0-9]{1,9}$"]] }
    static var idParam: JSON { ["name": "id", "in": "path", "required": true, "schema": ["type": "string", "format": "uuid"]] }
    static var segmentParam: JSON { ["name": "segment", "in": "path", "required": true, "description": "scr, cfat, or a team's segment", "schema": string] }
    static var toolRoleEnum: JSON { enumOf(ToolProfile.self) }
    static var methodEnum: JSON { enumOf(PaymentMethod.self) }
    static var idempotencyParam: JSON { ["name": "Idempotency-Key", "in": "header", "required": false, "schema": ["type": "string", "maxLength": 100]] }
    static var periodParams: [JSON] { [query("from", "First day, YYYY-MM-DD (default 30 days ago)"), query("to", "Last day, inclusive (default today)")] }
    static var purposeEnum: JSON { enumOf(GrantPurpose.self) }
    static var paging: [JSON] { [
        query("limit", "Page size, 1 to 500 (default 50)", schema: ["type": "integer", "minimum": 1, "maximum": 500]),
        query("cursor", "nextCursor from the previous page"),
    ] }

    static func make(testClock: Bool) -> JSON {
        let staffNotFound = problem("No one has that staff ID")
        var paths: JSON = [
            "/api/v1/auth/tokens": ["post": op(
                "Sign in and get an API token", id: "createToken", signedIn: false, body: body(ref("TokenRequest")),
                responses: ["201": ok(ref("Token"), "Signed in"), "401": problem("Wrong staff ID or password, or an ID token refused (the reason is given)"),
                            "403": problem("Password sign-in is off here: bring an ID token from the organisation's identity provider"),
                            "429": problem("Too many wrong passwords: wait, or the account is locked")])],
            "/api/v1/auth/tokens/current": [
                "get": op("The current token and role", id: "currentToken", responses: ["200": ok(ref("Token"))]),
                "delete": op("Sign out: end this token", id: "deleteToken", responses: ["204": ["description": "Signed out"]]),
            ],
            "/api/v1/auth/tokens/current/role": ["post": op(
                "Switch this token to another of your roles", id: "switchRole", body: body(object(["role": roleEnum], required: ["role"])),
                responses: ["200": ok(ref("Token"))])],
            "/api/v1/account/password": ["put": op(
                "Change your own password", id: "changePassword",
                body: body(object(["currentPassword": string, "newPassword": string], required: ["currentPassword", "newPassword"])),
                responses: ["204": ["description": "Changed; your other sessions were ended"]])],
            "/api/v1/home": ["get": op("What the current role has to do", id: "home", responses: ["200": ok(ref("Home"))])],
            "/api/v1/staff": [
                "get": op("Search the directory by staff ID or name", id: "searchStaff",
                          params: [query("q", "Staff ID (prefix) or part of a name")] + paging,
                          responses: ["200": ok(list(ref("Staff"))), "422": problem("limit or cursor is invalid")]),
                "post": op("Add a person (administrator)", id: "createStaff", body: body(ref("StaffInput")),
                           responses: ["201": ok(ref("Staff"), "Added"), "409": problem("That staff ID is already in the directory")]),
            ],
            "/api/v1/staff/{staffId}": [
                "get": op("One person", id: "getStaff", params: [staffIdParam], responses: ["200": ok(ref("Staff")), "404": staffNotFound]),
                "patch": op("Change a person's details or roles (administrator)", id: "updateStaff", params: [staffIdParam],
                            body: body(ref("StaffPatch")), responses: ["200": ok(ref("Staff")), "404": staffNotFound]),
            ],
            "/api/v1/staff/{staffId}/deactivate": ["post": op(
                "Deactivate a person, ending their sessions at once (administrator)", id: "deactivateStaff", params: [staffIdParam],
                responses: ["200": ok(ref("Staff")), "404": staffNotFound, "409": problem("Already deactivated, or it is you")])],
            "/api/v1/staff/{staffId}/reactivate": ["post": op(
                "Reactivate a person (administrator)", id: "reactivateStaff", params: [staffIdParam],
                responses: ["200": ok(ref("Staff")), "404": staffNotFound, "409": problem("Already active")])],
            "/api/v1/staff/{staffId}/password-reset": ["post": op(
                "Give a person a temporary password (administrator)", id: "resetPassword", params: [staffIdParam],
                responses: ["200": ok(object(["staffId": string, "temporaryPassword": string, "mustChangePassword": boolean],
                                             required: ["staffId", "temporaryPassword", "mustChangePassword"])), "404": staffNotFound])],
            "/api/v1/audit-events": ["get": op(
                "Search the audit trail, newest first (administrator, SCR manager)", id: "searchAuditEvents",
                params: [query("actor", "Staff ID of who acted"), query("subject", "Subject ID or type"),
                         query("from", "Date or instant, inclusive"), query("to", "Date (whole day) or instant, exclusive")] + paging,
                responses: ["200": ok(list(ref("AuditEvent"))), "422": problem("A filter is invalid")])],
            "/api/v1/audit-events/verification": ["get": op(
                "Walk the hash chain and report the first broken event (administrator, SCR manager)", id: "verifyAuditTrail",
                responses: ["200": ok(object(["intact": boolean, "eventsChecked": integer, "problem": string], required: ["intact", "eventsChecked"]))])],
            "/api/v1/contacts": [
                "get": op("Find contacts by NINO, SCIN, CRN or name: an exact identifier first, then names with a word starting with q, then names holding it inside a word (from three letters), each by name; sensitive ones you may not see come back as \"restricted record\" (audited)", id: "searchContacts",
                          params: [query("q", "NINO, SCIN, CRN or part of a name")] + paging,
                          responses: ["200": ok(list(ref("ContactListing"))), "422": problem("q is missing")]),
                "post": op("Add a contact", id: "createContact", body: body(ref("ContactInput")), responses: ["201": ok(ref("Contact"), "Added")]),
            ],
            "/api/v1/contacts/{id}": ["get": op(
                "One contact, if you may see it (views of sensitive contacts and every denial are audited)", id: "getContact", params: [idParam],
                responses: ["200": ok(ref("Contact")), "404": problem("No such contact")])],
            "/api/v1/contacts/{id}/sensitivity": ["post": op(
                "Mark a contact sensitive or clear the flag, with a reason (SCR manager)", id: "setSensitivity", params: [idParam],
                body: body(object(["sensitive": boolean, "reason": text], required: ["sensitive", "reason"])),
                responses: ["200": ok(ref("Contact")), "404": problem("No such contact"), "409": problem("Already so")])],
            "/api/v1/cases": ["post": op(
                "Create a case with its participants", id: "createCase",
                body: body(object(["participants": ["type": "array", "minItems": 1, "items": object(["contactId": ["type": "string", "format": "uuid"], "role": enumOf(ParticipantRole.self)],
                                                                 required: ["contactId", "role"])]], required: ["participants"])),
                responses: ["201": ok(ref("Case"), "Created")])],
            "/api/v1/cases/{id}": ["get": op(
                "A case; participants you may not see show as restricted", id: "getCase", params: [idParam],
                responses: ["200": ok(ref("Case")), "404": problem("No such case")])],
            "/api/v1/service-requests": [
                "get": op("Service requests assigned to you, newest first", id: "myServiceRequests", params: [query("assignee", "Your own staff ID (the default)")] + paging,
                          responses: ["200": ok(list(ref("ServiceRequest"))), "422": problem("limit or cursor is invalid")]),
                "post": op("Raise a service request", id: "createServiceRequest", body: body(ref("NewServiceRequest")),
                           responses: ["201": ok(ref("ServiceRequest"), "Raised")]),
            ],
            "/api/v1/service-requests/{id}": ["get": op(
                "One service request with its links and history", id: "getServiceRequest", params: [idParam],
                responses: ["200": ok(ref("ServiceRequest")), "404": problem("No such service request")])],
            "/api/v1/service-requests/{id}/links": ["post": op(
                "Link a case or contact (linking a sensitive contact needs the right to see it)", id: "linkServiceRequest", params: [idParam],
                body: body(object(["caseId": string, "contactId": string], required: [])),
                responses: ["200": ok(ref("ServiceRequest")), "404": problem("No such service request"), "409": problem("Not open, or already linked")])],
            "/api/v1/service-requests/{id}/status": ["post": op(
                "Change status; pendingAssignment routes it to a segment hopper", id: "setServiceRequestStatus", params: [idParam],
                body: body(object(["status": enumOf(ServiceRequestStatus.self)], required: ["status"])),
                responses: ["200": ok(ref("ServiceRequest")), "404": problem("No such service request"), "409": problem("Not allowed from its current status")])],
            "/api/v1/service-requests/{id}/assignment": ["post": op(
                "Assign from its hopper (the segment's team leader; for scr, an SCR manager)", id: "assignServiceRequest", params: [idParam],
                body: body(object(["staffId": string], required: ["staffId"])),
                responses: ["200": ok(ref("ServiceRequest")), "404": problem("No such service request"), "409": problem("No longer waiting, or the person does not work that segment")])],
            "/api/v1/service-requests/{id}/finance-support-requests": ["post": op(
                "Ask CFAT for a finance action on a service request (SCR caseworker)", id: "raiseFinanceSupport", params: [idParam],
                body: body(object(["type": enumOf(ServiceRequestType.financeSupportTypes), "details": text], required: ["type", "details"])),
                responses: ["201": ok(ref("ServiceRequest"), "Sent to the CFAT hopper"), "404": problem("No such service request"), "409": problem("Closed")])],
            "/api/v1/hoppers/{segment}/items": ["get": op(
                "Service requests waiting in a segment's hopper, oldest first", id: "hopperItems", params: [segmentParam] + paging,
                responses: ["200": ok(list(ref("HopperItem"))), "404": problem("No such segment"), "422": problem("limit or cursor is invalid")])],
            "/api/v1/hoppers/{segment}/members": ["get": op(
                "Who works a segment (may be assigned its work)", id: "hopperMembers", params: [segmentParam],
                responses: ["200": ok(list(ref("Staff"))), "404": problem("No such segment")])],
            "/api/v1/tool/users": [
                "get": op("Maintain Users: one row per profile (tool System Administrator)", id: "toolUsers", responses: ["200": ok(list(ref("ToolUserRow")))]),
                "post": op("Create a tool user; name and email come from the directory (tool System Administrator)", id: "createToolUser",
                           body: body(object(["staffId": ["type": "string", "pattern": "^[0-9]{1,9}$"], "phone": ["type": "string", "pattern": "^[0-9 +()-]{1,30}$"]], required: ["staffId", "phone"])),
                           responses: ["201": ok(ref("ToolUserRow"), "Added"), "409": problem("Already a user of the tool")]),
            ],
            "/api/v1/tool/users/{staffId}": ["patch": op(
                "Save a tool user's phone number", id: "updateToolUser", params: [staffIdParam], body: body(object(["phone": string], required: ["phone"])),
                responses: ["200": ok(list(ref("ToolUserRow"))), "404": problem("Not a user of the tool")])],
            "/api/v1/tool/users/{staffId}/profiles": ["post": op(
                "Grant a profile", id: "grantToolProfile", params: [staffIdParam], body: body(object(["role": toolRoleEnum], required: ["role"])),
                responses: ["201": ok(list(ref("ToolUserRow")), "Granted"), "404": problem("Not a user of the tool"), "409": problem("Already has that profile")])],
            "/api/v1/tool/users/{staffId}/profiles/{role}": ["delete": op(
                "Revoke a profile (never the last System Administrator)", id: "revokeToolProfile",
                params: [staffIdParam, ["name": "role", "in": "path", "required": true, "schema": toolRoleEnum]],
                responses: ["200": ok(list(ref("ToolUserRow"))), "404": problem("No such profile"), "409": problem("The last System Administrator profile"),
                            "422": problem("The role is not a tool profile (toolCaseWorker or toolSystemAdministrator)")])],
            "/api/v1/exceptional-cases": [
                "get": op("Exceptional cases with their balances", id: "exceptionalCases", responses: ["200": ok(list(ref("ExceptionalCase")))]),
                "post": op("Open an exceptional case (tool Case Worker)", id: "createExceptionalCase",
                           body: body(object(["type": enumOf(ExceptionalCaseType.self), "incidentReference": optionalString,
                                              "receivingParent": optionalString, "payingParent": optionalString, "notes": optionalString], required: ["type"])),
                           responses: ["201": ok(ref("ExceptionalCase"), "Opened")]),
            ],
            "/api/v1/exceptional-cases/{id}": ["get": op(
                "One exceptional case", id: "exceptionalCase", params: [idParam], responses: ["200": ok(ref("ExceptionalCase")), "404": problem("No such case")])],
            "/api/v1/exceptional-cases/{id}/receipts": ["post": op(
                "Record a receipt; a repeated Idempotency-Key records one entry", id: "recordReceipt", params: [idParam, idempotencyParam],
                body: body(object(["amountPence": ["type": "integer", "minimum": 1], "receivedOn": ["type": "string", "format": "date"], "method": methodEnum,
                                   "payer": string, "reference": string], required: ["amountPence", "receivedOn", "method", "reference"])),
                responses: ["201": ok(ref("LedgerEntry"), "Recorded"), "200": ok(ref("LedgerEntry"), "Already recorded under this Idempotency-Key"),
                            "404": problem("No such case"), "409": problem("Closed case, or the key was used for a different entry")])],
            "/api/v1/exceptional-cases/{id}/payments": ["post": op(
                "Pay the receiving parent; never more than the case holds", id: "recordPayment", params: [idParam, idempotencyParam],
                body: body(object(["amountPence": ["type": "integer", "minimum": 1], "paidOn": ["type": "string", "format": "date"], "method": methodEnum,
                                   "reference": string], required: ["amountPence", "paidOn", "method", "reference"])),
                responses: ["201": ok(ref("LedgerEntry"), "Recorded"), "200": ok(ref("LedgerEntry"), "Already recorded under this Idempotency-Key"),
                            "404": problem("No such case"), "409": problem("More than the case holds, or the key was used for a different entry")])],
            "/api/v1/exceptional-cases/{id}/entries/{entryId}/reversal": ["post": op(
                "Correct an entry by reversing it, with a reason; both are kept", id: "reverseEntry",
                params: [idParam, ["name": "entryId", "in": "path", "required": true, "schema": string]],
                body: body(object(["reason": text], required: ["reason"])),
                responses: ["201": ok(ref("Statement"), "Reversed"), "404": problem("No such case or entry"), "409": problem("Already reversed, a reversal, or money already paid out")])],
            "/api/v1/exceptional-cases/{id}/statement": ["get": op(
                "The case statement: entries with running balance, receipts, payments and balancePence (CSV with Accept: text/csv)", id: "statement", params: [idParam],
                responses: ["200": ["description": "OK", "content": ["application/json": ["schema": ref("Statement")], "text/csv": ["schema": string]]], "404": problem("No such case")])],
            "/api/v1/reports/receipts-payments": ["get": op(
                "Receipts and payments over a period (CSV with Accept: text/csv)", id: "periodReport", params: periodParams,
                responses: ["200": ["description": "OK", "content": ["application/json": ["schema": ref("PeriodReport")], "text/csv": ["schema": string]]], "422": problem("A date is invalid")])],
            "/api/v1/reports/balances": ["get": op(
                "Unallocated balances by case (CSV with Accept: text/csv)", id: "balanceReport",
                responses: ["200": ["description": "OK", "content": ["application/json": ["schema": ref("BalanceReport")], "text/csv": ["schema": string]]]])],
            "/api/v1/reports/totals-by-method": ["get": op(
                "Totals by payment method over a period (CSV with Accept: text/csv)", id: "methodReport", params: periodParams,
                responses: ["200": ["description": "OK", "content": ["application/json": ["schema": ref("MethodReport")], "text/csv": ["schema": string]]], "422": problem("A date is invalid")])],
            "/api/v1/access-requests": [
                "post": op("Submit a CSUA150 temporary access request (caseworker)", id: "createAccessRequest", body: body(object(
                    accessRequestInput.merging(["serviceRequestId": text, "contactId": string]) { field, _ in field },
                    required: ["purpose", "serviceRequestId", "requestedDurationMinutes", "justification"])),
                           responses: ["201": ok(ref("AccessRequest"), "Submitted: awaiting the team leader")]),
                "get": op("Access requests you are involved in, by status, or those awaiting your decision", id: "accessRequests",
                          params: [query("status", "awaitingTeamLeader, awaitingScrManager, awaitingProvisioning, granted, rejected, returned or withdrawn"),
                                   query("awaitingMe", "true: only those waiting for your decision")] + paging,
                          responses: ["200": ok(list(ref("AccessRequest"))), "422": problem("Unknown status, or limit or cursor is invalid")]),
            ],
            "/api/v1/access-requests/{id}": ["get": op(
                "One access request with its history", id: "accessRequest", params: [idParam],
                responses: ["200": ok(ref("AccessRequest")), "404": problem("No such request")])],
            "/api/v1/access-requests/{id}/decisions": ["post": op(
                "Decide the stage the request waits at: team leader, SCR manager, provisioning (whose approve creates the grant)", id: "decideAccessRequest",
                params: [idParam], body: body(object(["decision": enumOf(AccessDecision.self), "reason": string,
                                                      "durationMinutes": ["type": "integer", "minimum": 1]], required: ["decision"])),
                responses: ["200": ok(ref("AccessRequest")), "404": problem("No such request"), "409": problem("Already decided or finished")])],
            "/api/v1/access-requests/{id}/withdraw": ["post": op(
                "Withdraw your own request before it is granted", id: "withdrawAccessRequest", params: [idParam],
                responses: ["200": ok(ref("AccessRequest")), "404": problem("No such request"), "409": problem("Already finished")])],
            "/api/v1/grants": ["get": op(
                "Grants held by a person (yourself by default)", id: "grants",
                params: [query("staffId", "Whose grants"), query("status", "active, expired or removed")],
                responses: ["200": ok(list(ref("Grant"))), "422": problem("Unknown status")])],
            "/api/v1/grants/{id}": ["get": op(
                "One grant; its status is read against the clock, so it is expired the instant its time is up", id: "grant", params: [idParam],
                responses: ["200": ok(ref("Grant")), "404": problem("No such grant")])],
            "/api/v1/grants/{id}/extension-requests": ["post": op(
                "Ask for more time before expiry (holder or their team leader)", id: "requestExtension", params: [idParam],
                body: body(object(["additionalMinutes": ["type": "integer", "minimum": 1, "maximum": 10080], "reason": text], required: ["additionalMinutes", "reason"])),
                responses: ["201": ok(ref("GrantChange"), "Asked: awaitingTeamLeader or awaitingProvisioning"), "404": problem("No such grant"), "409": problem("The grant has ended")])],
            "/api/v1/grants/{id}/removal-requests": ["post": op(
                "Say the work is done and ask provisioning to remove the access (holder or their team leader)", id: "requestRemoval", params: [idParam],
                body: body(object(["reason": text], required: ["reason"])),
                responses: ["201": ok(ref("GrantChange"), "Asked"), "404": problem("No such grant"), "409": problem("The grant has ended")])],
            "/api/v1/grants/{id}/remove": ["post": op(
                "Remove the access at once (provisioning)", id: "removeGrant", params: [idParam], body: body(object(["reason": text], required: ["reason"])),
                responses: ["200": ok(ref("Grant")), "404": problem("No such grant"), "409": problem("Already ended")])],
            "/api/v1/grants/{id}/log-off-confirmation": ["post": op(
                "Confirm the witnessed log-off after the grant ended (the holder's team leader)", id: "confirmLogOff", params: [idParam],
                responses: ["200": ok(ref("Grant")), "404": problem("No such grant"), "409": problem("Still live, or already confirmed")])],
            "/api/v1/extension-requests/{id}/decisions": ["post": op(
                "Endorse (team leader) or decide (provisioning) an extension", id: "decideExtension", params: [idParam],
                body: body(object(["decision": enumOf(GrantChanges.decisions), "reason": string, "durationMinutes": ["type": "integer", "minimum": 1]], required: ["decision"])),
                responses: ["200": ok(ref("GrantChange")), "404": problem("No such extension request"), "409": problem("Already decided, or the grant has ended")])],
            "/api/v1/grant-change-requests": ["get": op(
                "Extension and removal requests waiting for your decision (team leader: your team's extensions to endorse; provisioning: all)",
                id: "grantChangesAwaitingMe", params: [["name": "awaitingMe", "in": "query", "required": true, "schema": ["type": "string", "enum": ["true"]]]],
                responses: ["200": ok(list(ref("GrantChange"))), "422": problem("awaitingMe=true is missing")])],
            "/api/v1/access-requests/{id}/evidence": ["get": op(
                "The whole story of one request: form, decisions, grant, changes, end, log-off, notifications, emails, record access, audit (SCR managers and administrators)",
                id: "accessRequestEvidence", params: [idParam], responses: ["200": ok(ref("Evidence")), "404": problem("No such request")])],
            "/api/v1/monitoring": ["get": op(
                "Monitoring for SCR managers: live grants, those ending today, overdue log-off confirmations, decisions by stage and time to decide, refusals, teams",
                id: "monitoring", params: [query("from", "First day of requests counted, YYYY-MM-DD (default 29 days ago)"), query("to", "Last day, inclusive (default today)")],
                responses: ["200": ok(ref("Monitoring")), "422": problem("A date is not YYYY-MM-DD, or To is before From")])],
            "/api/v1/outbox": ["get": op(
                "Email waiting to be sent and already sent, newest first (administrators)", id: "outbox",
                params: [query("status", "pending or sent", schema: enumOf(OutboxStatus.self))],
                responses: ["200": ok(list(ref("OutboxMessage"))), "422": problem("Unknown status")])],
            "/api/v1/outbox/{id}/retry": ["post": op(
                "Try a pending message at the next delivery run instead of after its backoff (administrators)", id: "retryOutboxMessage", params: [idParam],
                responses: ["200": ok(ref("OutboxMessage")), "404": problem("No such message"), "409": problem("Already sent")])],
            "/api/v1/notifications": ["get": op(
                "Your in-app inbox, newest first (references and links only, never client details)", id: "notifications",
                responses: ["200": ok(list(object(["id": string, "at": string, "kind": enumOf(NotificationKind.self), "text": string, "link": string, "read": boolean],
                                                  required: ["id", "at", "kind", "text", "read"])))])],
            "/api/v1/notifications/{id}/read": ["post": op(
                "Mark a notification read", id: "markNotificationRead", params: [idParam],
                responses: ["204": ["description": "Marked"], "404": problem("Not in your inbox")])],
            "/health": ["get": op("Whether the service and its database answer", id: "health", signedIn: false, responses: [
                "200": ok(object(["status": string], required: ["status"])),
                "503": ok(object(["status": string], required: ["status"]), "The database does not answer"),
            ])],
        ]
        if testClock {
            paths["/api/v1/test-clock"] = ["post": op(
                "Move the test clock (test mode only)", id: "moveTestClock", signedIn: false,
                body: body(object(["advanceMinutes": ["type": "integer", "minimum": 0], "now": ["type": "string", "format": "date-time"]], required: [])),
                responses: ["200": ok(object(["now": string], required: ["now"]))])]
        }
        let staffFields: [String: JSON] = [
            "staffId": ["type": "string", "pattern": "^[0-9]{1,9}$"], "name": string, "email": string, "phone": string,
            "team": string, "grade": string, "area": string, "teamLeaderStaffId": string, "roles": array(roleEnum),
        ]
        var staffInput = staffFields
        staffInput["password"] = ["type": "string", "minLength": 12]
        var staff = staffFields
        staff["active"] = boolean
        let schemas: JSON = [
            "Problem": object(["type": string, "title": string, "status": integer, "detail": string,
                               "errors": ["type": "object", "additionalProperties": string]], required: ["type", "title", "status", "detail"]),
            // A staff ID and password, or an ID token from the organisation's identity provider.
            "TokenRequest": ["oneOf": [
                object(["staffId": ["type": "string", "pattern": "^[0-9]{1,9}$"], "password": text, "role": roleEnum], required: ["staffId", "password"]),
                object(["idToken": text, "role": roleEnum], required: ["idToken"]),
            ]],
            "Token": object(["token": string, "expiresAt": ["type": "string", "format": "date-time"], "staffId": string, "role": roleEnum,
                             "name": string, "roles": array(roleEnum)], required: ["expiresAt", "staffId", "name", "roles"]),
            "Staff": object(staff, required: ["staffId", "name", "email", "phone", "team", "grade", "area", "roles", "active"]),
            "StaffInput": object(staffInput, required: ["staffId", "name", "email", "team", "roles"]),
            "StaffPatch": object(staffFields.filter { $0.key != "staffId" }, required: []),
            "AuditEvent": object(["id": string, "seq": integer, "at": string, "actorStaffId": string, "actorRole": string, "action": string,
                                  "subjectType": string, "subjectId": string, "outcome": enumOf(AuditOutcome.self),
                                  "detail": string],
                                 required: ["id", "seq", "at", "action", "subjectType", "subjectId", "outcome", "detail"]),
            "Contact": object(["id": string, "name": string, "nino": string, "scin": string, "crn": string, "dateOfBirth": string, "address": string, "sensitive": boolean],
                              required: ["id", "name", "address", "sensitive"]),
            "ContactInput": object(["name": text, "nino": string, "scin": string, "crn": string, "dateOfBirth": ["type": "string", "format": "date"], "address": string], required: ["name"]),
            "ContactListing": object(["restricted": boolean, "label": string, "id": string, "name": string, "nino": string, "scin": string, "crn": string, "sensitive": boolean],
                                     required: ["restricted", "label"]),
            "Case": object(["id": string, "caseNumber": string, "participants": array(object(["role": enumOf(ParticipantRole.self), "roleName": string, "contact": ref("ContactListing")],
                                                                                              required: ["role", "roleName", "contact"]))],
                           required: ["id", "caseNumber", "participants"]),
            "NewServiceRequest": object(["type": enumOf(ServiceRequestType.self),
                                         "description": text, "caseId": ["type": ["string", "null"]], "contactId": ["type": ["string", "null"]],
                                         "needsFinanceSupport": ["type": ["boolean", "null"]]], required: ["type", "description"]),
            "ServiceRequest": object([
                "id": string, "reference": string, "type": enumOf(ServiceRequestType.self), "typeName": string, "description": string, "status": enumOf(ServiceRequestStatus.self), "statusName": string,
                "caseId": string, "caseNumber": string, "contactId": string, "contacts": array(ref("ContactListing")), "segment": string, "segmentName": string, "routingRule": string,
                "needsFinanceSupport": boolean, "parentId": string, "owningTeam": string, "creatorStaffId": string, "assigneeStaffId": string, "assigneeName": string,
                "createdAt": string, "routedAt": string,
                "history": array(object(["at": string, "by": string, "action": enumOf(ServiceRequestHistoryAction.self), "detail": string], required: ["at", "action", "detail"])),
            ], required: ["id", "reference", "type", "description", "status", "contacts", "needsFinanceSupport", "owningTeam", "creatorStaffId", "createdAt", "history"]),
            "HopperItem": object(["id": string, "reference": string, "type": enumOf(ServiceRequestType.self), "typeName": string, "routedAt": string, "ageMinutes": integer, "age": string,
                                  "owningTeam": string, "routingRule": string], required: ["id", "reference", "type", "typeName", "routedAt", "ageMinutes", "age", "owningTeam"]),
            "ToolUserRow": object(["staffId": string, "name": string, "phone": string, "email": string, "role": toolRoleEnum, "roleName": string],
                                  required: ["staffId", "name", "phone", "email"]),
            "ExceptionalCase": object(["id": string, "reference": string, "type": enumOf(ExceptionalCaseType.self), "incidentReference": string, "receivingParent": string,
                                       "payingParent": string, "status": enumOf(ExceptionalCaseStatus.self), "notes": string, "balancePence": integer, "createdAt": string],
                                      required: ["id", "reference", "type", "receivingParent", "payingParent", "status", "notes", "balancePence", "createdAt"]),
            "LedgerEntry": object(["id": string, "kind": enumOf(EntryKind.self), "amountPence": integer, "amount": string, "on": string, "method": methodEnum, "methodName": string,
                                   "payer": string, "reference": string, "reversesEntryId": string, "reason": string, "reversed": boolean,
                                   "balancePence": integer, "balance": string],
                                  required: ["id", "kind", "amountPence", "amount", "on", "method", "methodName", "reference", "reversed"]),
            "Statement": object(["caseId": string, "reference": string, "entries": array(ref("LedgerEntry")), "receipts": array(ref("LedgerEntry")),
                                 "payments": array(ref("LedgerEntry")), "receiptsPence": integer, "paymentsPence": integer, "balancePence": integer],
                                required: ["caseId", "reference", "entries", "receipts", "payments", "receiptsPence", "paymentsPence", "balancePence"]),
            "PeriodReport": object(["from": string, "to": string, "receiptsPence": integer, "paymentsPence": integer,
                                    "items": array(object(["caseReference": string, "entryId": string, "kind": enumOf(EntryKind.self), "on": string, "method": methodEnum,
                                                           "reference": string, "amountPence": integer, "reversesEntryId": string],
                                                          required: ["caseReference", "entryId", "kind", "on", "method", "reference", "amountPence"])),
                                    "days": array(object(["day": string, "receiptsPence": integer, "paymentsPence": integer],
                                                         required: ["day", "receiptsPence", "paymentsPence"]))],
                                   required: ["from", "to", "items", "receiptsPence", "paymentsPence", "days"]),
            "BalanceReport": object(["totalPence": integer, "items": array(object(["caseId": string, "caseReference": string, "receiptsPence": integer,
                                                                                   "paymentsPence": integer, "balancePence": integer],
                                                                                  required: ["caseId", "caseReference", "receiptsPence", "paymentsPence", "balancePence"]))],
                                    required: ["items", "totalPence"]),
            "MethodReport": object(["from": string, "to": string, "receiptsPence": integer, "paymentsPence": integer,
                                    "items": array(object(["method": methodEnum, "methodName": string, "receiptsPence": integer, "paymentsPence": integer],
                                                          required: ["method", "methodName", "receiptsPence", "paymentsPence"]))],
                                   required: ["from", "to", "items", "receiptsPence", "paymentsPence"]),
            "AccessRequest": object([
                "id": string, "reference": string, "status": enumOf(AccessRequestStatus.self),
                "statusName": string, "purposeName": string, "requester": ref("Staff"), "teamLeader": ref("Staff"),
                "serviceRequestId": string, "contactId": string, "grantId": string,
                "history": array(object(["at": string, "by": string, "action": enumOf(AccessHistoryAction.allCases), "reason": string], required: ["at", "action"])),
            ].merging(storedAccessRequest.mapValues(\.schema)) { field, _ in field },
            required: ["id", "reference", "status", "requester", "history"] + storedAccessRequest.filter(\.value.required).keys.sorted()),
            "Grant": object(["id": string, "requestId": string, "staffId": string, "purpose": purposeEnum, "serviceRequestId": string, "contactId": string,
                             "grantedAt": string, "expiresAt": string, "status": enumOf(GrantState.self),
                             "logOffConfirmedAt": string, "logOffConfirmedBy": string, "removedBy": string, "removalReason": string],
                            required: ["id", "requestId", "staffId", "purpose", "grantedAt", "expiresAt", "status"]),
            "GrantChange": object(["id": string, "grantId": string, "kind": enumOf(GrantChangeKind.self),
                                   "status": enumOf(GrantChangeStatus.self),
                                   "additionalMinutes": integer, "reason": string, "requestedBy": string, "endorsedBy": string, "decidedBy": string, "decisionReason": string,
                                   "createdAt": string],
                                  required: ["id", "grantId", "kind", "status", "reason", "requestedBy", "createdAt"]),
            "OutboxMessage": object(["id": string, "createdAt": string, "to": string, "toStaffId": string, "subject": string, "body": string,
                                     "accessRequestId": string, "status": enumOf(OutboxStatus.self), "attempts": integer,
                                     "nextAttemptAt": string, "lastError": string, "sentAt": string],
                                    required: ["id", "createdAt", "to", "subject", "body", "status", "attempts"]),
            "MonitoredGrant": object(["grantId": string, "requestId": string, "reference": string, "staffId": string, "name": string, "team": string,
                                      "purpose": string, "grantedAt": string, "expiresAt": string, "endedAt": string, "teamLeaderStaffId": string],
                                     required: ["grantId", "requestId", "reference", "staffId", "name", "team", "purpose", "grantedAt", "expiresAt"]),
            "Decision": object(["reference": string, "team": string, "stage": enumOf(AccessStage.self), "decision": enumOf(AccessDecision.self), "at": string, "minutesToDecide": integer, "reason": string],
                               required: ["reference", "team", "stage", "decision", "at", "minutesToDecide"]),
            "Monitoring": object([
                "at": string, "from": string, "to": string,
                "counts": object(["activeGrants": integer, "endingToday": integer, "overdueLogOffs": integer, "refusals": integer, "decisions": integer,
                                  "teams": integer], required: ["activeGrants", "endingToday", "overdueLogOffs", "refusals", "decisions", "teams"]),
                "activeGrants": array(ref("MonitoredGrant")), "endingToday": array(ref("MonitoredGrant")), "overdueLogOffs": array(ref("MonitoredGrant")),
                "stages": array(object(["stage": enumOf(AccessStage.self), "decisions": integer, "approved": integer, "rejected": integer, "returned": integer,
                                        "medianMinutesToDecide": integer, "longestMinutesToDecide": integer],
                                       required: ["stage", "decisions", "approved", "rejected", "returned"])),
                "refusals": array(ref("Decision")), "decisions": array(ref("Decision")),
                "teams": array(object(["team": string, "requests": integer, "inProgress": integer, "granted": integer, "rejected": integer, "returned": integer,
                                       "withdrawn": integer], required: ["team", "requests", "inProgress", "granted", "rejected", "returned", "withdrawn"])),
                "requestsPerDay": array(object(["day": string, "requests": integer, "inProgress": integer, "granted": integer, "rejected": integer,
                                                "returned": integer, "withdrawn": integer],
                                               required: ["day", "requests", "inProgress", "granted", "rejected", "returned", "withdrawn"])),
                "liveGrantsByTeam": array(object(["team": string, "n": integer], required: ["team", "n"])),
                "overdueLogOffsByTeam": array(object(["team": string, "n": integer], required: ["team", "n"])),
                "downloads": array(object([
                    "table": enumOf(MonitoringTable.self), "rows": integer, "partRows": integer,
                    "parts": array(object(["part": integer, "after": string, "through": string, "href": string], required: ["part", "href"])),
                ], required: ["table", "rows", "partRows", "parts"])),
            ], required: ["at", "from", "to", "counts", "activeGrants", "endingToday", "overdueLogOffs", "stages", "refusals", "decisions", "teams",
                          "requestsPerDay", "liveGrantsByTeam", "overdueLogOffsByTeam", "downloads"]),
            "Evidence": object([
                "request": ref("AccessRequest"),
                "grant": object(["grant": ref("Grant"), "removedAt": string, "removedBy": string, "removalReason": string, "reminderSentAt": string,
                                 "endRecordedAt": string], required: ["grant"]),
                "changes": array(ref("GrantChange")),
                "notifications": array(object(["at": string, "to": string, "kind": enumOf(NotificationKind.self), "text": string, "readAt": string], required: ["at", "to", "kind", "text"])),
                "emails": array(object(["queuedAt": string, "to": string, "subject": string, "status": enumOf(OutboxStatus.self), "attempts": integer, "sentAt": string],
                                       required: ["queuedAt", "to", "subject", "status", "attempts"])),
                "recordAccess": array(ref("EvidenceEvent")), "auditEvents": array(ref("EvidenceEvent")),
            ], required: ["request", "changes", "notifications", "emails", "recordAccess", "auditEvents"]),
            "EvidenceEvent": object(["at": string, "actorStaffId": string, "action": string, "outcome": string, "detail": string],
                                    required: ["at", "action", "outcome", "detail"]),
            "Home": object(["role": roleEnum, "roleName": string, "sections": array(object([
                "id": string, "title": string, "emptyText": string,
                "items": array(object(["text": string, "href": string, "at": string], required: ["text"])),
            ], required: ["id", "title", "emptyText", "items"]))], required: ["role", "roleName", "sections"]),
        ]
        return [
            "openapi": "3.1.0",
            "info": ["title": "Casework API", "version": "1.0.0",
                     "description": "Temporary SCR access, sensitive records and the exceptional case receipts and payments tool."],
            "paths": paths,
            "components": ["schemas": schemas, "securitySchemes": ["bearer": ["type": "http", "scheme": "bearer"]]],
        ]
    }

    // MARK: The CSUA150's fields
    // Each is described by a switch with a case a field, so a field added to `AccessRequestInput` or its `Valid` does
    // not compile until the API's description of it is written here.

    /// The form's fields as the API's body takes them.
    static var accessRequestInput: [String: JSON] {
        Dictionary(uniqueKeysWithValues: AccessRequestInput.CodingKeys.allCases.map { field in
            let schema: JSON = switch field {
            case .purpose: purposeEnum
            case .requestedDurationMinutes: ["type": "integer", "minimum": 1, "maximum": AccessRequestChain.maximumMinutes]
            case .justification: text
            case .staffId, .phone, .team, .grade, .area, .furtherDetails, .clientName, .scin, .nino: string
            }
            return (field.rawValue, schema)
        })
    }

    /// The form's fields as a stored request answers them, and whether every answer has them.
    static var storedAccessRequest: [String: (schema: JSON, required: Bool)] {
        Dictionary(uniqueKeysWithValues: AccessRequestInput.Valid.CodingKeys.allCases.map { field in
            let described: (JSON, Bool) = switch field {
            case .purpose: (purposeEnum, true)
            case .minutes: (integer, true)
            case .justification, .furtherDetails, .phone, .team, .grade, .area: (string, true)
            case .clientName, .scin, .nino: (string, false)
            }
            return (field.rawValue, described)
        })
    }

    static func list(_ item: JSON) -> JSON {
        ["type": "object", "properties": ["items": array(item), "nextCursor": ["type": ["string", "null"]]], "required": ["items", "nextCursor"]]
    }
}
