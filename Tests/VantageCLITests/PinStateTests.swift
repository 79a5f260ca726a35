import Foundation
import Testing
import VantageClient
import VantageCore
import VantageTestSupport
import VantageTUF

/// The state file under concurrent installs: saved under a lock, read again before each save, never lowered.
@Suite("Pin state: locked, re-read, never lowered")
struct PinStateTests {
    typealias World = PinsRefusalTests.World

    func verified(_ list: PinList, coordinator: String = "c") -> VerifiedPins {
        VerifiedPins(header: list.header, coordinator: coordinator, pins: [], intermediates: [], proofs: [])
    }

    @Test("a run that verified v15 and saves after another saved v16 leaves v16; an equal version keeps the saved entry")
    func neverLowered() throws {
        let w = try World()
        defer { try? FileManager.default.removeItem(at: w.dir) }
        let path = w.dir.appendingPathComponent("state/pin-state.json").path
        let v15 = try w.list(version: 15, previous: "")
        let v16 = try w.list(version: 16, previous: try v15.header.digest)
        // Both runs loaded the state before either saved.
        var slow = try PinState.load(path)
        var fast = try PinState.load(path)
        try fast.record(verified(v16))
        try slow.record(verified(v15))
        #expect(try PinState.load(path).accepted["c"]?.version == 16)
        #expect(slow.accepted["c"]?.version == 16, "the slow run's view is the saved one")
        #expect(FileManager.default.fileExists(atPath: path + ".lock"))

        // The same version with other bytes (another list v16) does not replace the saved one.
        let other = try w.list(version: 16, previous: String(repeating: "0", count: 64))
        try slow.record(verified(other))
        #expect(try PinState.load(path).accepted["c"]?.digest == (try v16.header.digest))

        // Positive control: a newer list is saved.
        let v17 = try w.list(version: 17, previous: try v16.header.digest)
        try slow.record(verified(v17))
        #expect(try PinState.load(path).accepted["c"]?.version == 17)
    }

    @Test("an install that verified v15 after another run saved v16 writes nothing; without the newer state it writes and saves")
    func olderInstallSkipped() throws {
        let w = try World()
        defer { try? FileManager.default.removeItem(at: w.dir) }
        let path = w.dir.appendingPathComponent("pin-state.json").path
        let v15 = try w.list(version: 15, previous: "")
        let v16 = try w.list(version: 16, previous: try v15.header.digest)
        // The slow run loaded the state (empty) and verified v15; the fast run installs v16 and saves it first.
        var slow = try PinState.load(path)
        var fast = try PinState.load(path)
        try fast.record(verified(v16))
        var wrote = false
        #expect(try slow.apply(verified(v15)) { wrote = true; return true } == 16)
        #expect(!wrote, "the root the v16 run installed is not overwritten")
        #expect(try PinState.load(path).accepted["c"]?.version == 16)

        // Positive control: with no newer saved state the same install writes and saves v15.
        let fresh = w.dir.appendingPathComponent("fresh.json").path
        var alone = try PinState.load(fresh)
        #expect(try alone.apply(verified(v15)) { wrote = true; return true } == nil)
        #expect(wrote)
        #expect(try PinState.load(fresh).accepted["c"]?.version == 15)
        // An equal saved version installs again (idempotent), and a refused install (nothing written) saves nothing.
        #expect(try fast.apply(verified(v16)) { true } == nil)
        var refused = try PinState.load(w.dir.appendingPathComponent("refused.json").path)
        #expect(try refused.apply(verified(v15)) { false } == nil)
        #expect(try PinState.load(refused.path).accepted.isEmpty)
    }

    @Test("writers on several threads at once: no entry is lost and none is lowered")
    func concurrentWriters() async throws {
        let w = try World()
        defer { try? FileManager.default.removeItem(at: w.dir) }
        let path = w.dir.appendingPathComponent("pin-state.json").path
        let lists = try (1...8).map { try w.list(version: Int64($0), previous: "") }
        // Each writer loaded the empty state first, then saves its own coordinator's list and a list of the shared one.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (n, list) in lists.enumerated() {
                let stale = try PinState.load(path)
                group.addTask {
                    try await offPool {
                        var state = stale
                        try state.record(verified(list, coordinator: "own-\(n)"))
                        try state.record(verified(list, coordinator: "shared"))
                    }
                }
            }
            try await group.waitForAll()
        }
        let saved = try PinState.load(path).accepted
        #expect(Set(saved.keys) == Set((0..<8).map { "own-\($0)" } + ["shared"]), "\(saved.keys.sorted())")
        for n in 0..<8 { #expect(saved["own-\(n)"]?.version == Int64(n + 1)) }
        #expect(saved["shared"]?.version == 8, "the highest version any writer saved")
    }
}
