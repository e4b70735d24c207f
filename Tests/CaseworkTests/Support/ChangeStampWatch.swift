@testable import Casework
import Vapor

/// Watches one change stamp (`change_stamps`): whether it has moved since it was last asked.
final class ChangeStampWatch {
    private let app: Application
    private let topic: ChangeStampTopic
    private var last: Int64

    init(_ app: Application, _ topic: ChangeStampTopic) async throws {
        self.app = app
        self.topic = topic
        last = try await PointReads(db: app.db, readers: nil).changeStamp(topic)
    }

    /// Whether the stamp is further on than when last asked (or made).
    func moved() async throws -> Bool {
        let now = try await PointReads(db: app.db, readers: nil).changeStamp(topic)
        defer { last = now }
        return now > last
    }
}
