import Foundation
import VantageTestSupport
import VantageAgent
import VantageClient
import VantageCore

/// A scratch directory with TLS certificates, a running test server over it, and an ``AHCHTTPGetter`` that
/// trusts the server's CA; everything is torn down by ``close()``.
final class HTTPFixture: @unchecked Sendable {
    let scratch: Scratch
    let certificates: TestCertificates
    let server: TestServer
    let getter: AHCHTTPGetter
    let limits: FetchLimits

    /// The default limits are generous: the whole suite runs in parallel on two cores, and a probe that only has to
    /// succeed must not turn into `timeout` there. Tests of time limits pass their own.
    init(tls: Bool = true, limits: FetchLimits = FetchLimits(requestTimeout: .seconds(15), totalTimeout: .seconds(30))) async throws {
        scratch = try Scratch()
        do {
            certificates = try await TestCertificates.make(in: scratch.file("pki"))
            try FileManager.default.createDirectory(atPath: scratch.file("www"), withIntermediateDirectories: true)
            server = try await TestServer(directory: scratch.file("www"), certificate: tls ? (certificates.cert, certificates.key) : nil)
        } catch {
            scratch.remove()
            throw error
        }
        do {
            // The server is on loopback: the agent's default policy would refuse it (DestinationPolicyTests check that).
            getter = try AHCHTTPGetter(
                limits: limits, caBundlePath: certificates.caFile, proxy: nil, noProxy: ProxyRule(noProxy: nil),
                destinations: DestinationPolicy(allowPrivateAddresses: true))
        } catch {
            server.stop()
            scratch.remove()
            throw error
        }
        self.limits = limits
    }

    /// Another getter trusting the server's CA, with `destinations` and `resolver`; the caller shuts it down.
    func getter(_ destinations: DestinationPolicy, resolver: any HostResolving = SystemHostResolver()) throws -> AHCHTTPGetter {
        try AHCHTTPGetter(
            limits: limits, caBundlePath: certificates.caFile, proxy: nil, noProxy: ProxyRule(noProxy: nil),
            destinations: destinations, resolver: resolver)
    }

    /// Writes a file the server serves under `/files/`.
    func publish(_ bytes: [UInt8], at path: String) throws { try scratch.write(bytes, to: "www/" + path) }

    func close() async {
        await getter.shutdown()
        server.stop()
        scratch.remove()
    }

    /// Runs `body` with a fixture, closing it afterwards whether `body` throws or not.
    static func with<T>(tls: Bool = true, limits: FetchLimits? = nil, _ body: (HTTPFixture) async throws -> T) async throws -> T {
        let fixture = if let limits { try await HTTPFixture(tls: tls, limits: limits) } else { try await HTTPFixture(tls: tls) }
        do {
            let result = try await body(fixture)
            await fixture.close()
            return result
        } catch {
            await fixture.close()
            throw error
        }
    }
}

/// The kind of the ``ObservationError`` `body` throws, or `nil` when it succeeds.
func failureKind(_ body: () async throws -> Void) async -> ObservationError.Kind? {
    await failure(body)?.kind
}

/// The ``ObservationError`` `body` throws (other errors as `internal`), or `nil` when it succeeds.
func failure(_ body: () async throws -> Void) async -> ObservationError? {
    do {
        try await body()
        return nil
    } catch let error as ObservationError {
        return error
    } catch {
        return ObservationError(.internalError, "\(error)")
    }
}
