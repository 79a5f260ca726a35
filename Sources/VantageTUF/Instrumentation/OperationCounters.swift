import Synchronization

/// Counts of the costly steps on statements, canonical encodings and Ed25519 verifications (issue 23: encode once,
/// verify once), for the benchmarks to print per observation and per refresh and for tests to assert. Counts, never
/// timings: pure code may count; it logs nothing and does no I/O.
public enum OperationCounters {
    /// A counted step.
    public enum Operation: Sendable {
        /// One value written as canonical JSON for a hash or a signature (``CanonicalJSON`` of a statement).
        case canonicalEncoding
        /// One Ed25519 signature of an agent's, approver's or coordinator's statement actually verified (not answered
        /// from a cache).
        case ed25519Verification
    }

    /// How many of each step.
    public struct Counts: Sendable, Hashable, CustomStringConvertible {
        public var canonicalEncodings = 0
        public var ed25519Verifications = 0

        public init(canonicalEncodings: Int = 0, ed25519Verifications: Int = 0) {
            self.canonicalEncodings = canonicalEncodings
            self.ed25519Verifications = ed25519Verifications
        }

        /// The counts of `self` since `earlier`.
        public func since(_ earlier: Counts) -> Counts {
            Counts(
                canonicalEncodings: canonicalEncodings - earlier.canonicalEncodings,
                ed25519Verifications: ed25519Verifications - earlier.ed25519Verifications)
        }

        public var description: String { "\(canonicalEncodings) canonical encodings, \(ed25519Verifications) Ed25519 verifications" }
    }

    /// One set of counters: the process's, or a scope's.
    final class Tally: Sendable {
        let canonicalEncodings = Atomic<Int>(0)
        let ed25519Verifications = Atomic<Int>(0)

        func add(_ operation: Operation) {
            switch operation {
            case .canonicalEncoding: canonicalEncodings.add(1, ordering: .relaxed)
            case .ed25519Verification: ed25519Verifications.add(1, ordering: .relaxed)
            }
        }

        var counts: Counts {
            Counts(
                canonicalEncodings: canonicalEncodings.load(ordering: .relaxed),
                ed25519Verifications: ed25519Verifications.load(ordering: .relaxed))
        }
    }

    static let process = Tally()
    /// The scope of ``counting(_:)`` the current task runs in: tests running in parallel do not count each other's work.
    @TaskLocal static var scope: Tally?

    /// Counts one `operation`, for the process and for the enclosing ``counting(_:)`` scope.
    public static func record(_ operation: Operation) {
        process.add(operation)
        scope?.add(operation)
    }

    /// The counts since the process started.
    public static var total: Counts { process.counts }

    /// Runs `body` and returns its result with the steps it counted: on its task, the tasks it starts and the actors
    /// it calls, not work handed to other threads (a database queue's).
    public static func counting<T>(_ body: () async throws -> T) async rethrows -> (T, Counts) {
        let tally = Tally()
        let result = try await $scope.withValue(tally) { try await body() }
        return (result, tally.counts)
    }
}
