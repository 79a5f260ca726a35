import Foundation
import Testing
import VantageCore

@Suite("Timestamps")
struct TimestampTests {
    @Test("RFC 3339 round trip at whole seconds")
    func roundTrip() throws {
        let t = Timestamp(seconds: 1_893_456_000)
        #expect(t.description == "2030-01-01T00:00:00Z")
        let data = try JSONEncoder().encode([t])
        #expect(try JSONDecoder().decode([Timestamp].self, from: data) == [t])
    }
}
