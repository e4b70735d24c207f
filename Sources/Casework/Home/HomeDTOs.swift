import Vapor

/// One thing on a home page: what it says, where it leads, and when it happened or ends.
///
/// `home.leaf` asks `#if(item.href != nil)` rather than `#if(item.href)`: LeafKit tests a text for truth by trying to
/// convert it to a flag, which builds its whole table of conversions each time (a tenth of a team leader's home page,
/// with two tests per item); a comparison with nil is answered without it. The same goes for the other optional
/// texts tested in rows (`service-requests.leaf`, `evidence.leaf`).
struct HomeItem: Content {
    let text: String
    let href: String?
    let at: String?
}

/// A titled list on a home page, with what to say when it is empty.
struct HomeSection: Content {
    let id: String
    let title: String
    let emptyText: String
    let items: [HomeItem]
}

/// A role's home page: the sections that role works from.
struct HomeDTO: Content {
    let role: String
    let roleName: String
    let sections: [HomeSection]
}

/// Built directly for the home pages (`LeafObjectWritable`).
extension HomeItem: LeafObjectWritable {
    func writeMembers(to object: inout LeafObjectWriter) {
        object.write(CodingKeys.text, text)
        object.write(CodingKeys.href, href)
        object.write(CodingKeys.at, at)
    }
}

extension HomeSection: LeafObjectWritable {
    func writeMembers(to object: inout LeafObjectWriter) {
        object.write(CodingKeys.id, id)
        object.write(CodingKeys.title, title)
        object.write(CodingKeys.emptyText, emptyText)
        object.write(CodingKeys.items, items)
    }
}
