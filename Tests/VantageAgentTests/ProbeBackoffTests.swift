import Foundation
import Testing
import VantageAgent

/// ``ProbeBackoff``: a source held by a `429` is not probed before its instant, and is again from then on.
@Suite("Probe backoff")
struct ProbeBackoffTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func heldUntilTheInstantThenFree() {
        let backoff = ProbeBackoff()
        #expect(backoff.heldUntil("hub", now: Self.now) == nil)
        backoff.hold("hub", until: Self.now.addingTimeInterval(120))
        #expect(backoff.heldUntil("hub", now: Self.now) == Self.now.addingTimeInterval(120))
        #expect(backoff.heldUntil("hub", now: Self.now.addingTimeInterval(119)) == Self.now.addingTimeInterval(120))
        // Control: another source is not held.
        #expect(backoff.heldUntil("other", now: Self.now) == nil)
        #expect(backoff.heldUntil("hub", now: Self.now.addingTimeInterval(120)) == nil)
        #expect(backoff.heldUntil("hub", now: Self.now) == nil, "an expired hold is forgotten")
    }

    @Test func theLaterInstantWins() {
        let backoff = ProbeBackoff()
        backoff.hold("hub", until: Self.now.addingTimeInterval(600))
        backoff.hold("hub", until: Self.now.addingTimeInterval(60))
        #expect(backoff.heldUntil("hub", now: Self.now.addingTimeInterval(61)) == Self.now.addingTimeInterval(600))
    }
}
