import Foundation

/// Demo clients, cases and service requests, so every records page has something real to show.
public enum DemoRecords {
    /// A demo client; `key` lets cases and service requests refer to it.
    public struct Client: Sendable {
        public let key: String
        public let input: ContactInput
        public let sensitive: Bool
    }

    public struct DemoCase: Sendable {
        public let caseNumber: String
        public let participants: [(clientKey: String, role: ParticipantRole)]
    }

    public struct DemoServiceRequest: Sendable {
        public let type: ServiceRequestType
        public let description: String
        public let creator: String
        public let caseNumber: String?
        public let clientKey: String?
        /// Set the request to Pending Assignment after creating it, so it routes to a hopper.
        public let route: Bool
    }

    public static let clients: [Client] = [
        Client(key: "holloway", input: ContactInput(name: "Karen Holloway", nino: "AB123456C", scin: "SCIN4471", dateOfBirth: "1981-06-14", address: "14 Larch Close, Gateshead NE8 1AA"), sensitive: true),
        Client(key: "holloway-child", input: ContactInput(name: "Mia Holloway", crn: "CRN900112", dateOfBirth: "2015-02-03", address: "14 Larch Close, Gateshead NE8 1AA"), sensitive: true),
        Client(key: "reid", input: ContactInput(name: "Stuart Reid", nino: "JK654321A", scin: "SCIN5520", dateOfBirth: "1979-11-30", address: "2 Quay Road, Sunderland SR1 2BB"), sensitive: false),
        Client(key: "patel", input: ContactInput(name: "Anita Patel", nino: "CE246810B", scin: "SCIN6610", dateOfBirth: "1988-01-22", address: "88 Soho Road, Birmingham B21 9DP"), sensitive: false),
        Client(key: "patel-child", input: ContactInput(name: "Rohan Patel", crn: "CRN900245", dateOfBirth: "2017-09-09", address: "88 Soho Road, Birmingham B21 9DP"), sensitive: false),
        Client(key: "morris", input: ContactInput(name: "Gary Morris", nino: "LM135790D", dateOfBirth: "1984-04-17", address: "7 Elm Street, Wolverhampton WV1 3CC"), sensitive: false),
        Client(key: "tregunna", input: ContactInput(name: "Jenna Tregunna", nino: "PR112233A", scin: "SCIN7702", dateOfBirth: "1990-07-08", address: "31 Harbour View, Plymouth PL1 2DD"), sensitive: false),
        Client(key: "vance", input: ContactInput(name: "Daniel Vance", nino: "SH998877B", scin: "SCIN8813", dateOfBirth: "1977-12-01", address: "9 Mill Lane, Durham DH1 4EE"), sensitive: false),
    ]

    public static let cases: [DemoCase] = [
        DemoCase(caseNumber: "CM-1000001", participants: [("holloway", .receivingParent), ("vance", .payingParent), ("holloway-child", .child)]),
        DemoCase(caseNumber: "CM-1000002", participants: [("patel", .receivingParent), ("morris", .payingParent), ("patel-child", .child)]),
        DemoCase(caseNumber: "CM-1000003", participants: [("tregunna", .receivingParent), ("reid", .payingParent)]),
    ]

    public static let serviceRequests: [DemoServiceRequest] = [
        DemoServiceRequest(type: .changeOfCircumstances, description: "Paying parent reports a new employer from next month.", creator: "20020002", caseNumber: "CM-1000002", clientKey: "morris", route: true),
        DemoServiceRequest(type: .generalEnquiry, description: "Receiving parent asks when the next payment is due.", creator: "20030002", caseNumber: "CM-1000003", clientKey: "tregunna", route: true),
        DemoServiceRequest(type: .changeOfCircumstances, description: "Change of address reported on the phone.", creator: "30000003", caseNumber: "CM-1000001", clientKey: "holloway", route: true),
        DemoServiceRequest(type: .paymentReassign, description: "Payment received against the wrong case: reassign to CM-1000002.", creator: "20020003", caseNumber: "CM-1000002", clientKey: "patel", route: false),
        DemoServiceRequest(type: .generalEnquiry, description: "Caller asks how the maintenance calculation works.", creator: "20010002", caseNumber: nil, clientKey: "reid", route: false),
    ]
}
