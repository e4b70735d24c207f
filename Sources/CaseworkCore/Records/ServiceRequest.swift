import Foundation

/// The kinds of service request, drawn from the procedures.
public enum ServiceRequestType: String, Sendable, Codable, CaseIterable {
    case changeOfCircumstances
    case paymentReassign
    case suspenseAccountClearOnline
    case chargeback
    case manualReceipting
    case generalEnquiry

    public var displayName: String {
        switch self {
        case .changeOfCircumstances: "Change of circumstances"
        case .paymentReassign: "Payment reassign"
        case .suspenseAccountClearOnline: "Suspense account clear online"
        case .chargeback: "Chargeback"
        case .manualReceipting: "Manual receipting"
        case .generalEnquiry: "General enquiry"
        }
    }

    /// Finance work that CFAT (Banking & Accounting) can support.
    public var isFinance: Bool {
        switch self {
        case .paymentReassign, .suspenseAccountClearOnline, .chargeback, .manualReceipting: true
        case .changeOfCircumstances, .generalEnquiry: false
        }
    }

    /// The finance actions an SCR caseworker may ask CFAT to carry out.
    public static let financeSupportTypes: [ServiceRequestType] = [.paymentReassign, .suspenseAccountClearOnline]
}

/// Where a service request is in its life.
public enum ServiceRequestStatus: String, Sendable, Codable, CaseIterable {
    case open
    case pendingAssignment
    case assigned
    case inProgress
    case closed

    public var displayName: String {
        switch self {
        case .open: "Open"
        case .pendingAssignment: "Pending Assignment"
        case .assigned: "Assigned"
        case .inProgress: "In progress"
        case .closed: "Closed"
        }
    }
}

/// One step in a service request's history. The raw values are stored and appear in the JSON as `action`.
public enum ServiceRequestHistoryAction: String, Sendable, Codable, CaseIterable {
    case created
    case linked
    case routed
    /// A status change; the detail says from what to what.
    case status
    case assigned
    /// CFAT was asked for finance support (on the parent SR).
    case financeSupport
    /// The SR went back to its hopper when its assignee's temporary access ended.
    case returned
}

/// The facts about a service request that its rules look at.
public struct ServiceRequestFacts: Sendable, Equatable {
    public var status: ServiceRequestStatus
    public var creatorStaffId: StaffID
    public var assigneeStaffId: StaffID?

    public init(status: ServiceRequestStatus, creatorStaffId: StaffID, assigneeStaffId: StaffID?) {
        self.status = status
        self.creatorStaffId = creatorStaffId
        self.assigneeStaffId = assigneeStaffId
    }
}

/// Which status changes are allowed, and to whom. Assignment has its own rule (see `WorkAllocation.checkAssignment`).
public enum ServiceRequestTransitions {
    /// Explains why `actor` may not move the request to `target`, or returns nil when they may.
    public static func refusal(_ facts: ServiceRequestFacts, to target: ServiceRequestStatus, by actor: StaffID) -> DomainError? {
        let from = facts.status
        if from == target { return .conflict("The service request is already \(from.displayName)") }
        switch (from, target) {
        case (.open, .pendingAssignment):
            return nil
        case (_, .assigned):
            return .conflict("Assign a service request from its hopper: its status becomes Assigned then")
        case (.assigned, .inProgress), (.inProgress, .closed):
            return facts.assigneeStaffId == actor ? nil : .forbidden("Only the person it is assigned to may change it from \(from.displayName)")
        case (.open, .closed):
            return facts.creatorStaffId == actor ? nil : .forbidden("Only the person who raised an open service request may close it")
        case (.assigned, .pendingAssignment), (.inProgress, .pendingAssignment):
            return facts.assigneeStaffId == actor ? nil : .forbidden("Only the person it is assigned to may hand it back to the hopper")
        case (.closed, _):
            return .conflict("The service request is closed")
        default:
            return .conflict("A service request cannot go from \(from.displayName) to \(target.displayName)")
        }
    }
}

/// When an SCR caseworker may ask CFAT for finance support on a service request: the one rule the SR page's
/// form and the service that raises the support request both ask.
public enum FinanceSupport {
    public enum Refusal: Error, Sendable, Equatable {
        case notScrCaseworker
        case closed(reference: String)
        /// Support requests are raised on the SR they support, never on another support request.
        case isSupportRequest(reference: String)

        public var message: String {
            switch self {
            case .notScrCaseworker: "Only an SCR caseworker may ask CFAT for finance support"
            case .closed(let reference): "\(reference) is closed: finance support can only be asked for on open work"
            case .isSupportRequest(let reference): "\(reference) is itself a finance support request: ask for support on the service request it supports"
            }
        }
    }

    /// Why finance support cannot be asked for on this SR by someone acting in `role`, or nil when it can.
    public static func refusal(role: Role?, reference: String, status: ServiceRequestStatus, isSupportRequest: Bool) -> Refusal? {
        guard role == .scrCaseworker else { return .notScrCaseworker }
        if status == .closed { return .closed(reference: reference) }
        if isSupportRequest { return .isSupportRequest(reference: reference) }
        return nil
    }
}
