import CaseworkCore
import Vapor

/// Path parameters, read one way by every area: anything that cannot be what the path names is a 404 saying so.
enum PathParameters {
    /// A UUID parameter (`:id` unless named); `what` names the record in the 404.
    static func uuid(_ req: Request, _ name: String = "id", what: String) throws -> UUID {
        let text = req.parameters.get(name) ?? ""
        guard let id = UUID(uuidString: text) else { throw DomainError.notFound("There is no \(what) with id \(text)") }
        return id
    }

    /// A staff ID parameter (`:staffId`).
    static func staffId(_ req: Request) throws -> String {
        let id = req.parameters.get("staffId") ?? ""
        guard StaffID(id) != nil else { throw DomainError.notFound("\(id) is not a staff ID: staff IDs are 1 to 9 digits") }
        return id
    }
}

/// One option of a select, radios or checkboxes, as every form's template reads it.
struct Choice: Encodable {
    let id: String
    let name: String
    let selected: Bool
    /// A line under the option's label (GOV.UK's radio and checkbox item hint); none when nil.
    let hint: String?

    init(id: String, name: String, selected: Bool = false, hint: String? = nil) {
        self.id = id
        self.name = name
        self.selected = selected
        self.hint = hint
    }

    /// Each of `values`, shown by `name`, with those whose raw value is in `chosen` selected.
    static func of<Value: RawRepresentable>(_ values: some Sequence<Value>, name: (Value) -> String, chosen: Set<String> = [])
        -> [Choice] where Value.RawValue == String {
        values.map { Choice(id: $0.rawValue, name: name($0), selected: chosen.contains($0.rawValue)) }
    }
}

/// CSV answers: the tool's reports and statements, and monitoring's tables.
enum CSVAnswer {
    /// CSV only when asked for by name: browsers send `*/*`, which must still get the page (or JSON).
    static func wanted(by req: Request) -> Bool {
        req.headers[.accept].flatMap { $0.split(separator: ",") }.contains { part in
            part.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() == "text/csv"
        }
    }

    /// A download named `filename`.
    static func response(_ body: Response.Body, filename: String) -> Response {
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: "text/csv; charset=utf-8")
        headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"\(filename)\"")
        return Response(status: .ok, headers: headers, body: body)
    }

    static func response(_ text: String, filename: String) -> Response {
        response(Response.Body(string: text), filename: filename)
    }
}
