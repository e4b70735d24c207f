import CaseworkCore
import Vapor

/// A page of a list, as every API list answers.
struct ListDTO<Item: Content>: Content {
    let items: [Item]
    let nextCursor: String?

    init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }

    /// `nextCursor` is always present: null on the last page, as the API contract says.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(items, forKey: .items)
        try container.encode(nextCursor, forKey: .nextCursor)
    }
}

/// `limit` and `cursor`, read and checked the same way for every list.
struct Paging {
    /// A page's length when the caller names none.
    static let defaultLimit = 50

    let limit: Int
    let cursor: String?

    init(_ request: Request) throws {
        let text = try? request.query.get(String.self, at: "limit")
        if let text {
            guard let value = Int(text), (1...500).contains(value) else {
                throw ValidationFailure(["limit": "limit must be a whole number from 1 to 500"])
            }
            limit = value
        } else {
            limit = Self.defaultLimit
        }
        cursor = (try? request.query.get(String.self, at: "cursor")).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// A keyset cursor: the id of the last row of the page before.
    static func cursorId(_ cursor: String?) throws -> UUID? {
        guard let cursor else { return nil }
        guard let id = UUID(uuidString: cursor) else { throw ValidationFailure(["cursor": "cursor must come from a previous page's nextCursor"]) }
        return id
    }
}

/// A page of objects that write themselves writes itself too (`JSONObjectWritable`).
extension ListDTO: JSONObjectWritable where Item: JSONObjectWritable {
    func writeMembers(to object: inout JSONObjectWriter) {
        object.write(CodingKeys.items, items)
        object.writeNullable(CodingKeys.nextCursor, nextCursor)
    }
}
