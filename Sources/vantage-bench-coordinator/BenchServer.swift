import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import VantageCoordinator
import VantageCore

/// A coordinator in a temporary folder serving HTTP on 127.0.0.1, and the two requests the benchmarks make of it.
enum BenchServer {
    /// Errors only: the benchmarks print their own figures.
    static let logger: Logger = {
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        return logger
    }()

    /// A configuration with a fresh key in a temporary folder, `agents` enrolled, `targets` bench targets, quorum 2 of
    /// 2 regions without `min_duration`, and rounds only when a benchmark asks for one.
    static func configuration(agents: [BenchAgent], targets: Int, synchronousFull: Bool) throws -> CoordinatorConfiguration {
        let directory = try temporaryDirectory()
        _ = try Keygen.create(at: directory + "/coordinator.key")
        var configuration = CoordinatorConfiguration()
        configuration.listenPort = 0
        configuration.stateDirectory = directory
        configuration.agents = agents.map(\.enrollment)
        configuration.targets = benchTargets(targets)
        configuration.consensus = ConsensusPolicy(quorum: 2, minRegions: 2, minDuration: .init(first: 0, resigned: 0, rotated: 0, replaced: 0))
        configuration.consensusIntervalSeconds = 3600
        configuration.consensusDebounceMilliseconds = 3_600_000
        configuration.synchronousFull = synchronousFull
        return configuration
    }

    /// A coordinator whose HTTP server runs while `body` runs with its port.
    static func run<T: Sendable>(
        _ configuration: CoordinatorConfiguration, _ body: @Sendable @escaping (Coordinator, Int) async throws -> T
    ) async throws -> T {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let coordinator = try await buildCoordinator(
            configuration: configuration, dependencies: .init(logger: logger, onServerRunning: { continuation.yield($0) }))
        let services = ServiceGroup(services: [coordinator.application], gracefulShutdownSignals: [], logger: logger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await services.run()
                return nil
            }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw CancellationError() }
            let result = try await body(coordinator, port)
            await services.triggerGracefulShutdown()
            return result
        }
    }

    /// Posts one observation batch; a status other than 200 is an error.
    static func post(_ body: [UInt8], port: Int) async throws -> ObservationReceipt {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(APIPath.observations)")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 16 << 20)
        guard response.status == .ok else { throw CoordinatorError(.malformedRequest, "HTTP \(response.status)") }
        return try Canonical.decode(ObservationReceipt.self, from: bytes.readableBytesView)
    }

    /// The body of `GET path`.
    static func get(_ path: String, port: Int) async throws -> [UInt8] {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)"), timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 1 << 30)
        return Array(bytes.readableBytesView)
    }

    /// The version of the latest published pin list header.
    static func publishedVersion(port: Int) async throws -> Int64 {
        try Canonical.decode(SignedPinListHeader.self, from: try await get("\(APIPath.pins)/latest/header", port: port)).signed.version
    }

    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vantage-bench-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
