import CaseworkCore
import Fluent
import Foundation
import SQLKit
import Vapor

/// SCIM 2.0 under /scim/v2 (RFC 7643, RFC 7644): Users, Groups and the discovery documents, for the identity
/// provider's provisioning client, which authenticates with a bearer token from `casework scim-token create`.
struct SCIMRoutes: RouteCollection {
    static let mediaType = HTTPMediaType(type: "application", subType: "scim+json", parameters: ["charset": "utf-8"])
    static let maxResults = 200

    func boot(routes: any RoutesBuilder) throws {
        let scim = routes.grouped("scim", "v2").grouped(SCIMErrors()).grouped(SCIMClientGate())
        scim.get("ServiceProviderConfig", use: serviceProviderConfig)
        scim.get("ResourceTypes", use: resourceTypes)
        scim.get("ResourceTypes", ":name", use: resourceType)
        scim.get("Schemas", use: schemas)
        scim.get("Schemas", ":id", use: schema)

        // One search over every resource type (RFC 7644 3.4.3) is not offered: each type is searched on its own.
        scim.post(".search", use: { _ async throws -> Response in
            throw SCIMError(status: .notImplemented, scimType: nil, detail: "search across resource types is not supported: POST /Users/.search or /Groups/.search")
        })
        scim.post("Users", ".search", use: searchUsers)
        scim.post("Groups", ".search", use: searchGroups)
        scim.get("Users", use: listUsers)
        scim.post("Users", use: createUser)
        scim.get("Users", ":id", use: getUser)
        scim.put("Users", ":id", use: replaceUser)
        scim.patch("Users", ":id", use: patchUser)
        scim.delete("Users", ":id", use: deleteUser)

        scim.get("Groups", use: listGroups)
        scim.post("Groups", use: createGroup)
        scim.get("Groups", ":id", use: getGroup)
        scim.put("Groups", ":id", use: replaceGroup)
        scim.patch("Groups", ":id", use: patchGroup)
        scim.delete("Groups", ":id", use: deleteGroup)
    }

    // MARK: Users

    @Sendable func listUsers(req: Request) async throws -> Response {
        let (filter, start, count) = try Self.listParameters(req)
        let (total, page) = try await req.scim.users(filter: filter, startIndex: start, count: count)
        return try Self.list(req, total: total, start: start, page: page)
    }

    /// POST /Users/.search: the same as the list, with its parameters in a SearchRequest body.
    @Sendable func searchUsers(req: Request) async throws -> Response {
        let (filter, start, count) = try Self.searchParameters(req)
        let (total, page) = try await req.scim.users(filter: filter, startIndex: start, count: count)
        return try Self.list(req, total: total, start: start, page: page)
    }

    @Sendable func searchGroups(req: Request) async throws -> Response {
        let (filter, start, count) = try Self.searchParameters(req)
        let (total, page) = try await req.scim.groups(filter: filter, startIndex: start, count: count, withMembers: true)
        return try Self.list(req, total: total, start: start, page: page)
    }

    @Sendable func getUser(req: Request) async throws -> Response {
        let scim = req.scim
        return try Self.answer(req, scim.userDocument(try await scim.user(try Self.id(req))))
    }

    @Sendable func createUser(req: Request) async throws -> Response {
        try Self.answer(req, try await req.scim.createUser(try Self.body(req)), status: .created)
    }

    @Sendable func replaceUser(req: Request) async throws -> Response {
        try Self.answer(req, try await req.scim.replaceUser(try Self.id(req), with: try Self.body(req)))
    }

    @Sendable func patchUser(req: Request) async throws -> Response {
        try Self.answer(req, try await req.scim.patchUser(try Self.id(req), try Self.body(req)))
    }

    @Sendable func deleteUser(req: Request) async throws -> Response {
        try await req.scim.deleteUser(try Self.id(req))
        return Response(status: .noContent)
    }

    // MARK: Groups

    @Sendable func listGroups(req: Request) async throws -> Response {
        let (filter, start, count) = try Self.listParameters(req)
        let excluded = (try? req.query.get(String.self, at: "excludedAttributes"))?.lowercased().contains("members") ?? false
        let (total, page) = try await req.scim.groups(filter: filter, startIndex: start, count: count, withMembers: !excluded)
        return try Self.list(req, total: total, start: start, page: page)
    }

    @Sendable func getGroup(req: Request) async throws -> Response {
        try Self.answer(req, try await req.scim.group(try Self.id(req)))
    }

    @Sendable func createGroup(req: Request) async throws -> Response {
        try Self.answer(req, try await req.scim.createGroup(try Self.body(req)), status: .created)
    }

    @Sendable func replaceGroup(req: Request) async throws -> Response {
        try Self.answer(req, try await req.scim.replaceGroup(try Self.id(req), with: try Self.body(req)))
    }

    @Sendable func patchGroup(req: Request) async throws -> Response {
        try Self.answer(req, try await req.scim.patchGroup(try Self.id(req), try Self.body(req)))
    }

    @Sendable func deleteGroup(req: Request) async throws -> Response {
        try await req.scim.deleteGroup(try Self.id(req))
        return Response(status: .noContent)
    }

    // MARK: Discovery

    @Sendable func serviceProviderConfig(req: Request) async throws -> Response {
        try Self.answer(req, SCIMDiscovery.serviceProviderConfig(base: req.scim.base, maxResults: Self.maxResults), projected: false)
    }

    @Sendable func resourceTypes(req: Request) async throws -> Response {
        let types = SCIMDiscovery.resourceTypes(base: req.scim.base)
        return try Self.list(req, total: types.count, start: 1, page: types, projected: false)
    }

    @Sendable func resourceType(req: Request) async throws -> Response {
        let name = try Self.id(req)
        guard let type = SCIMDiscovery.resourceTypes(base: req.scim.base).first(where: { $0["id"]?.string == name }) else {
            throw SCIMError.notFound("ResourceType \(name)")
        }
        return try Self.answer(req, type, projected: false)
    }

    @Sendable func schemas(req: Request) async throws -> Response {
        let all = SCIMDiscovery.schemas(base: req.scim.base)
        return try Self.list(req, total: all.count, start: 1, page: all, projected: false)
    }

    @Sendable func schema(req: Request) async throws -> Response {
        let id = try Self.id(req)
        guard let schema = SCIMDiscovery.schemas(base: req.scim.base).first(where: { $0["id"]?.string == id }) else {
            throw SCIMError.notFound("Schema \(id)")
        }
        return try Self.answer(req, schema, projected: false)
    }

    // MARK: Plumbing

    static func id(_ req: Request) throws -> String {
        guard let id = req.parameters.get("id") ?? req.parameters.get("name"), !id.isEmpty else { throw SCIMError.notFound("Resource") }
        return id
    }

    static func body(_ req: Request) throws -> JSONValue {
        guard let buffer = req.body.data, buffer.readableBytes > 0 else { throw SCIMError(status: .badRequest, scimType: "invalidSyntax", detail: "send a JSON body") }
        if let found = ControlCharacterGuard.refusedField(inJSON: buffer.readableBytesView) {
            throw SCIMError(status: .badRequest, scimType: "invalidValue", detail: "\(found.field): \(ControlCharacters.fix(for: found.character))")
        }
        do {
            return try JSONDecoder().decode(JSONValue.self, from: Data(buffer.readableBytesView))
        } catch {
            throw SCIMError(status: .badRequest, scimType: "invalidSyntax", detail: "the body is not JSON")
        }
    }

    static func listParameters(_ req: Request) throws -> (SCIMFilter?, Int, Int) {
        let filter: SCIMFilter?
        if let text = try? req.query.get(String.self, at: "filter"), !text.isEmpty {
            do { filter = try SCIMFilter.parse(text) } catch { throw SCIMError(status: .badRequest, scimType: "invalidFilter", detail: error.description) }
        } else {
            filter = nil
        }
        let start = max(1, (try? req.query.get(Int.self, at: "startIndex")) ?? 1)
        let count = min(maxResults, max(0, (try? req.query.get(Int.self, at: "count")) ?? maxResults))
        return (filter, start, count)
    }

    /// A SearchRequest body's filter, paging and projection; the projection is read by `project` from the storage.
    static func searchParameters(_ req: Request) throws -> (SCIMFilter?, Int, Int) {
        let body = try body(req)
        let filter: SCIMFilter?
        if let text = body["filter"]?.string, !text.isEmpty {
            do { filter = try SCIMFilter.parse(text) } catch { throw SCIMError(status: .badRequest, scimType: "invalidFilter", detail: error.description) }
        } else {
            filter = nil
        }
        func number(_ name: String) -> Int? { if case .number(let n)? = body[name] { Int(n) } else { nil } }
        func names(_ name: String) -> [String]? {
            body[name]?.array?.compactMap(\.string) ?? body[name]?.string.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        }
        req.storage[ProjectionKey.self] = (names("attributes"), names("excludedAttributes"))
        return (filter, max(1, number("startIndex") ?? 1), min(maxResults, max(0, number("count") ?? maxResults)))
    }

    struct ProjectionKey: StorageKey { typealias Value = (attributes: [String]?, excluded: [String]?) }

    static func list(_ req: Request, total: Int, start: Int, page: [JSONValue], projected: Bool = true) throws -> Response {
        let resources = projected ? page.map { project($0, req) } : page
        let document: JSONValue = .object([
            "schemas": .array([.string(SCIMSchemas.listResponse)]),
            "totalResults": .number(Double(total)), "startIndex": .number(Double(start)), "itemsPerPage": .number(Double(resources.count)),
            "Resources": .array(resources),
        ])
        return try encode(document, status: .ok)
    }

    static func answer(_ req: Request, _ document: JSONValue, status: HTTPResponseStatus = .ok, projected: Bool = true) throws -> Response {
        let response = try encode(projected ? project(document, req) : document, status: status)
        if let location = document["meta"]?["location"]?.string {
            if status == .created { response.headers.replaceOrAdd(name: .location, value: location) }
            if let version = document["meta"]?["version"]?.string { response.headers.replaceOrAdd(name: .eTag, value: version) }
        }
        return response
    }

    static func encode(_ document: JSONValue, status: HTTPResponseStatus) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let response = Response(status: status, body: .init(data: try encoder.encode(document)))
        response.headers.contentType = mediaType
        return response
    }

    /// `attributes` and `excludedAttributes` (RFC 7644 3.4.2.5): `id` and `schemas` are always returned.
    static func project(_ document: JSONValue, _ req: Request) -> JSONValue {
        guard case .object(let object) = document else { return document }
        func names(_ parameter: String) -> [String]? {
            if let searched = req.storage[ProjectionKey.self] { return parameter == "attributes" ? searched.attributes : searched.excluded }
            return (try? req.query.get(String.self, at: parameter)).map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        }
        let always: Set<String> = ["id", "schemas"]
        if let wanted = names("attributes") {
            var kept: [String: JSONValue] = [:]
            for (key, value) in object where always.contains(key) { kept[key] = value }
            for name in wanted {
                guard let path = try? SCIMPath.parse(name) else { continue }
                if let schema = path.schema {
                    guard let extensionKey = object.keys.first(where: { $0.caseInsensitiveCompare(schema) == .orderedSame }),
                          let attribute = object[extensionKey]?[path.attribute] else { continue }
                    var merged = kept[extensionKey]?.object ?? [:]
                    merged[path.attribute] = attribute
                    kept[extensionKey] = .object(merged)
                } else if let key = object.keys.first(where: { $0.caseInsensitiveCompare(path.attribute) == .orderedSame }) {
                    if let sub = path.subAttribute, case .object(let inner) = object[key]!, let value = inner.first(where: { $0.key.caseInsensitiveCompare(sub) == .orderedSame }) {
                        var merged = kept[key]?.object ?? [:]
                        merged[value.key] = value.value
                        kept[key] = .object(merged)
                    } else {
                        kept[key] = object[key]
                    }
                }
            }
            return .object(kept)
        }
        if let excluded = names("excludedAttributes") {
            var kept = object
            for name in excluded {
                guard let path = try? SCIMPath.parse(name), !always.contains(path.attribute) else { continue }
                if let schema = path.schema, let extensionKey = kept.keys.first(where: { $0.caseInsensitiveCompare(schema) == .orderedSame }),
                   case .object(var inner) = kept[extensionKey]! {
                    inner[path.attribute] = nil
                    kept[extensionKey] = .object(inner)
                } else if let key = kept.keys.first(where: { $0.caseInsensitiveCompare(path.attribute) == .orderedSame }) {
                    kept[key] = nil
                }
            }
            return .object(kept)
        }
        return document
    }
}

extension Request {
    /// Provisioning on behalf of the SCIM client that authenticated this request.
    var scim: SCIMProvisioning { SCIMProvisioning(request: self, client: storage[SCIMClientGate.ClientKey.self] ?? "unknown") }
}

/// Lets through only requests bearing a live SCIM token (its hash is looked up; only hashes are kept).
struct SCIMClientGate: AsyncMiddleware {
    struct ClientKey: StorageKey { typealias Value = String }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard let bearer = request.headers.bearerAuthorization else {
            throw SCIMError(status: .unauthorized, scimType: nil, detail: "send Authorization: Bearer with a token from `casework scim-token create`")
        }
        guard let client = try await SCIMProvisioning.fluent(request.database).client(tokenHash: SessionStore.hash(bearer.token)) else {
            throw SCIMError(status: .unauthorized, scimType: nil, detail: "the bearer token is unknown or revoked")
        }
        request.storage[ClientKey.self] = client
        return try await next.respond(to: request)
    }
}

/// Every SCIM error in SCIM's error schema, never a page or a problem document.
struct SCIMErrors: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch {
            return try Self.response(for: error, on: request)
        }
    }

    /// The SCIM error answer for any error. SCIM's own errors carry their `scimType`; every other error is described
    /// as the rest of Casework describes it (`CaseworkErrorMiddleware.describe`, which also logs a 500), in SCIM's
    /// schema.
    static func response(for error: any Error, on request: Request) throws -> Response {
        switch error {
        case let known as SCIMError: return try answer(known)
        case let invalid as SCIMPatch.Invalid: return try answer(SCIMError(status: .badRequest, scimType: invalid.scimType, detail: invalid.description))
        case let failure as ValidationFailure:
            return try answer(SCIMError.invalidValue(failure.fields.map { "\($0.name): \($0.message)" }.joined(separator: "; ")))
        default:
            let (status, detail, _, _) = CaseworkErrorMiddleware.describe(error, on: request)
            return try answer(SCIMError(status: status, scimType: nil, detail: detail))
        }
    }

    /// A SCIM error document (RFC 7644 3.12); the global error middleware answers paths under /scim/ that no route
    /// serves (404, 405 with its Allow) through it too, so a SCIM client never meets another format.
    static func answer(_ scimError: SCIMError, allow: [HTTPMethod] = []) throws -> Response {
        var document: [String: JSONValue] = [
            "schemas": .array([.string(SCIMSchemas.error)]), "status": .string(String(scimError.status.code)), "detail": .string(scimError.detail),
        ]
        if let type = scimError.scimType { document["scimType"] = .string(type) }
        let response = try SCIMRoutes.encode(.object(document), status: scimError.status)
        if scimError.status == .unauthorized { response.headers.replaceOrAdd(name: .wwwAuthenticate, value: "Bearer") }
        if !allow.isEmpty { response.headers.replaceOrAdd(name: .allow, value: allow.map(\.rawValue).joined(separator: ", ")) }
        return response
    }
}
