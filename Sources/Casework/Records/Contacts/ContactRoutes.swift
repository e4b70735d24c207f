import CaseworkCore
import Fluent
import Vapor

/// Contacts through the JSON API: search, add, read (audited when sensitive), and the sensitive flag.
struct ContactRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let api = routes.grouped("api", "v1").grouped(APIGate())
        api.get("contacts", use: contactSearchAPI)
        api.post("contacts", use: contactCreateAPI)
        api.get("contacts", ":id", use: contactAPI)
        api.post("contacts", ":id", "sensitivity", use: sensitivityAPI)
    }

    struct ContactForm: Content, FormPage {
        var name: String?
        var nino: String?
        var scin: String?
        var crn: String?
        var dateOfBirth: String?
        var address: String?
        var formValues: Any { self }
        var formDates: Set<String> { ["dateOfBirth"] }

        var input: ContactInput {
            ContactInput(name: name ?? "", nino: nino ?? "", scin: scin ?? "", crn: crn ?? "", dateOfBirth: dateOfBirth ?? "", address: address ?? "")
        }
    }

    @Sendable func contactSearchAPI(req: Request) async throws -> ListDTO<ContactListingDTO> {
        let q = (try? req.query.get(String.self, at: "q")) ?? ""
        let paging = try Paging(req)
        guard !q.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ValidationFailure(["q": "Give a NINO, SCIN, CRN or part of a name to search for"])
        }
        return ListDTO(items: try await Contacts(request: req).search(q, limit: paging.limit), nextCursor: nil)
    }

    @Sendable func contactCreateAPI(req: Request) async throws -> Response {
        let form = try req.content.decode(ContactForm.self)
        let contact = try await Contacts(request: req).create(form.input)
        return try await ContactDTO(contact).encodeResponse(status: .created, for: req)
    }

    @Sendable func contactAPI(req: Request) async throws -> ContactDTO {
        ContactDTO(try await Contacts(request: req).view(try PathParameters.uuid(req, what: "contact")))
    }

    struct SensitivityBody: Content {
        var sensitive: Bool
        var reason: String?
    }

    @Sendable func sensitivityAPI(req: Request) async throws -> ContactDTO {
        let body = try req.content.decode(SensitivityBody.self)
        return ContactDTO(try await Contacts(request: req).setSensitivity(try PathParameters.uuid(req, what: "contact"), sensitive: body.sensitive, reason: body.reason ?? ""))
    }
}
