import Vapor

/// One thing on a home page: what it says, where it leads, and when it happened or ends.
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
