import Foundation
import VantageCoordinator

/// Request bodies signed ahead into an unlinked temporary file, read back by batch number (SustainBenchmark).
final class SignedBatches: Sendable {
    private let descriptor: Int32
    private let ranges: [(offset: Int, count: Int)]

    /// Signs `make(0)…make(count - 1)`, 64 at a time on every core, and appends them to the file in order.
    init(count: Int, make: @escaping @Sendable (Int) throws -> [UInt8]) async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vantage-sustain-\(UUID().uuidString)").path
        let descriptor = open(path, O_RDWR | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else { throw CoordinatorError(.storage, "cannot create \(path)") }
        unlink(path)
        var ranges: [(offset: Int, count: Int)] = []
        var end = 0
        for start in stride(from: 0, to: count, by: 64) {
            let bodies = try await withThrowingTaskGroup(of: (Int, [UInt8]).self) { group in
                for k in start..<min(count, start + 64) { group.addTask { (k, try make(k)) } }
                return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
            }
            for k in start..<min(count, start + 64) {
                let body = bodies[k]!
                guard body.withUnsafeBytes({ pwrite(descriptor, $0.baseAddress, $0.count, off_t(end)) }) == body.count else {
                    throw CoordinatorError(.storage, "cannot write the signed batches")
                }
                ranges.append((end, body.count))
                end += body.count
            }
        }
        self.descriptor = descriptor
        self.ranges = ranges
    }

    func read(_ k: Int) throws -> [UInt8] {
        let range = ranges[k]
        let body = [UInt8](unsafeUninitializedCapacity: range.count) { buffer, initialized in
            initialized = max(0, pread(descriptor, buffer.baseAddress, range.count, off_t(range.offset)))
        }
        guard body.count == range.count else { throw CoordinatorError(.storage, "cannot read signed batch \(k)") }
        return body
    }

    func close() { _ = Foundation.close(descriptor) }
}
