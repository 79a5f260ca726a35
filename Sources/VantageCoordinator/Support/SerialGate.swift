/// Runs async bodies one at a time, in call order: consensus rounds read a snapshot, plan outside the database
/// writer and then write, so two rounds must not interleave (both would make the same pin or list version).
actor SerialGate {
    private var tail: Task<Void, Never>?

    func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let previous = tail
        let task = Task {
            await previous?.value
            return try await body()
        }
        tail = Task { _ = try? await task.value }
        return try await task.value
    }
}
