import AsyncHTTPClient
import Foundation
import VantageTestSupport
import Logging
import Testing
import VantageAgent
import VantageClient
import VantageCore
import VantageTUF

/// `network.*` enforced by the real fetching code against loopback servers: refusals happen before any
/// connection, and each refusal has its positive control (same setup, permission given, it works).
@Suite("Destination enforcement", .timeLimit(.minutes(2)))
struct DestinationEnforcementTests {
    /// Refusals return at once; the generous limits only keep a loaded CI machine from turning a slow start into `timeout`.
    static let quick = FetchLimits(requestTimeout: .seconds(30), totalTimeout: .seconds(60))
    /// For whole agent rounds that may reach the silent listener, which answers only with the request timeout.
    static let round = FetchLimits(requestTimeout: .seconds(10), totalTimeout: .seconds(20))

    func probe(_ getter: AHCHTTPGetter, _ spec: TargetSpec, limits: FetchLimits = quick) async -> ProbeResult {
        await TargetProber(http: getter, limits: limits).probe(spec, source: spec.source!, trusted: nil, now: { Date() }, onTrusted: { _ in })
    }

    /// Runs `body` with a getter, shutting it down afterwards.
    func with<T>(_ getter: AHCHTTPGetter, _ body: (AHCHTTPGetter) async throws -> T) async throws -> T {
        do {
            let result = try await body(getter)
            await getter.shutdown()
            return result
        } catch {
            await getter.shutdown()
            throw error
        }
    }

    // MARK: (a) loopback targets

    @Test func loopbackTargetIsForbiddenBeforeAnyConnection() async throws {
        let listener = try SilentListener()
        defer { listener.close() }
        let spec = TargetSpec(id: "loop", kind: .tuf, url: listener.url("http", "/repo"))
        let refused = try await with(try AHCHTTPGetter(
            limits: Self.quick, caBundlePath: nil, proxy: nil, noProxy: ProxyRule(noProxy: nil), destinations: DestinationPolicy())
        ) { await probe($0, spec) }
        #expect(refused.error?.kind == .forbidden)
        #expect(refused.error?.message.contains("127.0.0.1 is a loopback address; set network.allow_private_addresses to allow it") == true,
            "\(String(describing: refused.error))")
        #expect(listener.connectionsReceived() == 0, "no TCP connection may reach a refused destination")

        // Positive control: with the permission the agent does connect (the silent server then times out).
        let silent = FetchLimits(requestTimeout: .seconds(3), totalTimeout: .seconds(6))
        let allowed = try await with(try AHCHTTPGetter(
            limits: silent, caBundlePath: nil, proxy: nil, noProxy: ProxyRule(noProxy: nil),
            destinations: DestinationPolicy(allowPrivateAddresses: true))
        ) { await probe($0, spec, limits: silent) }
        #expect(allowed.error?.kind != .forbidden)
        #expect(listener.connectionsReceived() >= 1)
    }

    @Test func loopbackNameIsForbiddenAfterResolution() async throws {
        try await HTTPFixture.with { f in
            try RootChain(count: 2).write(to: f.scratch.file("www/repo"))
            // `localhost` through the system resolver (getaddrinfo), as an agent resolves it.
            let spec = TargetSpec(id: "byname", kind: .tuf, url: "https://localhost:\(f.server.port)/files/repo")
            let refused = try await with(try f.getter(DestinationPolicy())) { await probe($0, spec, limits: f.limits) }
            #expect(refused.error?.kind == .forbidden)
            #expect(refused.error?.message.contains("destination localhost resolves to") == true, "\(String(describing: refused.error))")
            #expect(refused.error?.message.contains("loopback") == true)

            let allowed = try await with(try f.getter(DestinationPolicy(allowPrivateAddresses: true))) {
                await probe($0, spec, limits: f.limits)
            }
            #expect(allowed.error == nil, "\(String(describing: allowed.error))")
            #expect(allowed.fingerprint?.version == 2)
        }
    }

    @Test func forbiddenIsNotCaughtByTheNotaryTokenFlow() async throws {
        // A Notary target on a literal loopback address: refused at the first request, kind forbidden.
        let listener = try SilentListener()
        defer { listener.close() }
        let spec = TargetSpec(id: "n", kind: .notary, url: listener.url("https"), gun: "example.org/app")
        let result = try await with(try AHCHTTPGetter(
            limits: Self.quick, caBundlePath: nil, proxy: nil, noProxy: ProxyRule(noProxy: nil), destinations: DestinationPolicy())
        ) { await probe($0, spec) }
        #expect(result.error?.kind == .forbidden)
        #expect(listener.connectionsReceived() == 0)
    }

    // MARK: (b) Notary token realm

    @Test func tokenRealmOnLoopbackIsForbiddenWhenTheTargetIsAllowed() async throws {
        try await HTTPFixture.with { f in
            let document = try RootChain(count: 1, dialect: .notary).documents[0]
            // The server's challenge names realm https://127.0.0.1:PORT/token, except for GUNs under localrealm/
            // (realm on https://localhost:PORT/token, which the stub resolver presents as public).
            for gun in ["example.org/app", "localrealm/app"] { try f.publish(document, at: "notary/\(gun)/root.json") }
            let server = "https://localhost:\(f.server.port)"
            func fetch(_ getter: AHCHTTPGetter, gun: String) async throws -> RootFetchResult {
                try await NotaryRootSource(serverURL: server, gun: gun, http: getter, maxBytes: f.limits.maxResponseBytes).fetch(.current)
            }
            try await with(try f.getter(DestinationPolicy(), resolver: StubResolver.localhostLooksPublic)) { getter in
                let refused = await failure { _ = try await fetch(getter, gun: "example.org/app") }
                #expect(refused?.kind == .forbidden, "\(String(describing: refused))")
                #expect(refused?.message.hasPrefix("token endpoint: https://127.0.0.1:") == true, "\(String(describing: refused))")
                #expect(refused?.message.contains("127.0.0.1 is a loopback address; set network.allow_private_addresses") == true)

                // Positive control: same target, same policy, a realm on an allowed host: the token flow succeeds.
                let allowed = try await fetch(getter, gun: "localrealm/app")
                #expect(allowed == .document(document))
            }
            // Positive control: the loopback realm with the permission given.
            try await with(try f.getter(DestinationPolicy(allowPrivateAddresses: true))) { getter in
                let permitted = try await fetch(getter, gun: "example.org/app")
                #expect(permitted == .document(document))
            }
            // Through the prober, the refusal is the observation's error.
            let probed = try await with(try f.getter(DestinationPolicy(), resolver: StubResolver.localhostLooksPublic)) {
                await probe($0, TargetSpec(id: "a", kind: .notary, url: server, gun: "example.org/app"), limits: f.limits)
            }
            #expect(probed.error?.kind == .forbidden)
        }
    }

    // MARK: (c) redirects

    func redirect(_ f: HTTPFixture, to location: String) -> String {
        "https://localhost:\(f.server.port)/redirect/to?location=" + location.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
    }

    @Test func redirectToAPrivateAddressIsForbidden() async throws {
        try await HTTPFixture.with { f in
            let listener = try SilentListener()
            defer { listener.close() }
            try f.publish(Array("{}".utf8), at: "x.json")
            let resolver = StubResolver(table: [
                "localhost": [IPAddress(literal: "93.184.215.14")!], "internal.example": [IPAddress(literal: "10.20.30.40")!],
            ])
            try await with(try f.getter(DestinationPolicy(), resolver: resolver)) { getter in
                let literal = await failure { _ = try await getter.get(redirect(f, to: listener.url("https", "/x")), bearerToken: nil, maxBytes: 1000, supplier: .configuration) }
                #expect(literal?.kind == .forbidden, "\(String(describing: literal))")
                #expect(literal?.message.contains("127.0.0.1 is a loopback address") == true)
                #expect(listener.connectionsReceived() == 0)

                let named = await failure {
                    _ = try await getter.get(redirect(f, to: "https://internal.example:\(listener.port)/x"), bearerToken: nil, maxBytes: 1000, supplier: .configuration)
                }
                #expect(named?.kind == .forbidden)
                #expect(named?.message.contains("internal.example resolves to 10.20.30.40, which is a private address") == true,
                    "\(String(describing: named))")
                #expect(listener.connectionsReceived() == 0)

                // Positive control: same policy, a redirect to an allowed host is followed.
                let followed = try await getter.get(
                    redirect(f, to: "https://localhost:\(f.server.port)/files/x.json"), bearerToken: nil, maxBytes: 1000, supplier: .configuration)
                #expect(followed.status == 200)
                #expect(followed.body == Array("{}".utf8))
            }
            // Positive control: the loopback redirect with the permission given.
            try await with(try f.getter(DestinationPolicy(allowPrivateAddresses: true))) { getter in
                let followed = try await getter.get(redirect(f, to: f.server.url("/files/x.json")), bearerToken: nil, maxBytes: 1000, supplier: .configuration)
                #expect(followed.status == 200)
            }
        }
    }

    // MARK: (f) server text never in messages

    @Test func errorBodiesNeverReachObservationMessages() async throws {
        try await HTTPFixture.with { f in
            let marker = "VANTAGE-BODY-MARKER"
            // The marker really is in what the server sends.
            let raw = try await f.getter.get(f.server.url("/status/500"), bearerToken: nil, maxBytes: 1000, supplier: .configuration)
            #expect(String(decoding: raw.body, as: UTF8.self).contains(marker))
            let token = try await f.getter.get(f.server.url("/token-bad"), bearerToken: nil, maxBytes: 1000, supplier: .configuration)
            #expect(String(decoding: token.body, as: UTF8.self).contains(marker))

            let cases: [(TargetSpec, ObservationError.Kind, Int?)] = [
                (TargetSpec(id: "tuf", kind: .tuf, url: f.server.url("/status/500")), .httpStatus, 500),
                (TargetSpec(id: "notary", kind: .notary, url: f.server.url("/status/502"), gun: "x/app"), .httpStatus, 502),
                (TargetSpec(id: "token", kind: .notary, url: f.server.base, gun: "bad/app"), .auth, 500),
            ]
            for (spec, kind, status) in cases {
                let result = await probe(f.getter, spec, limits: f.limits)
                #expect(result.error?.kind == kind, "\(spec.id): \(String(describing: result.error))")
                #expect(result.error?.status == status, "\(spec.id)")
                let message = result.error?.message ?? ""
                #expect(!message.contains(marker) && !message.contains("server text"), "\(spec.id): \(message)")
                #expect(!message.contains("VANTAGE-HEADER-MARKER"))
                #expect(message.contains("HTTP \(status ?? 0)"), "\(spec.id): \(message)")
            }
        }
    }

    @Test func serverControlledLocationIsClippedInMessages() async throws {
        try await HTTPFixture.with { f in
            let location = "http://" + String(repeating: "x", count: 3000) + ".example/"
            let error = await failure { _ = try await f.getter.get(redirect(f, to: location), bearerToken: nil, maxBytes: 1000, supplier: .configuration) }
            #expect(error?.kind == .redirect)
            #expect((error?.message.count ?? .max) < 600, "\(String(describing: error?.message.count))")
        }
    }

    // MARK: (d), (e) coordinator-supplied targets

    /// A catalog over a fake coordinator listing `listed`, with `network`.
    func catalog(
        listing listed: [TargetSpec], network: AgentConfiguration.Network, staticTargets: [TargetCatalog.Entry] = [],
        _ body: (TargetCatalog) async throws -> Void
    ) async throws {
        let coordinator = try await FakeCoordinator.start(agentKey: SigningIdentity().publicKey)
        let http = try HTTPClientFactory.make(.init(failFast: true))
        do {
            await coordinator.ledger.setTargets(listed)
            let catalog = TargetCatalog(
                staticTargets: staticTargets, coordinator: CoordinatorClient(baseURL: coordinator.url, http: http), network: network)
            try await body(catalog)
        } catch {
            try? await http.shutdown()
            await coordinator.stop()
            throw error
        }
        try? await http.shutdown()
        await coordinator.stop()
    }

    static let listed = [
        TargetSpec(id: "inside-host", kind: .notary, url: "https://notary.example.com", gun: "example.com/app"),
        TargetSpec(id: "lookalike", kind: .notary, url: "https://notary.example.com.evil.net", gun: "example.com/app"),
        TargetSpec(id: "inside-prefix", kind: .tuf, url: "https://tuf.example.org/metadata/prod"),
        TargetSpec(id: "prefix-lookalike", kind: .tuf, url: "https://tuf.example.org/metadata-other"),
        TargetSpec(id: "internal", kind: .tuf, url: "http://169.254.169.254/latest/meta-data"),
    ]

    static func patterns(_ texts: [String]) throws -> [SourcePattern] { try texts.map { try SourcePattern.parse($0).get() } }

    @Test func coordinatorTargetsOutsideAllowedSourcesAreReportedForbidden() async throws {
        let statik = TargetCatalog.Entry(spec: TargetSpec(id: "static", kind: .tuf, url: "https://anywhere.example.net/m"))
        let network = AgentConfiguration.Network(allowedSources: try Self.patterns(["*.example.com", "https://tuf.example.org/metadata"]))
        try await catalog(listing: Self.listed, network: network, staticTargets: [statik]) { catalog in
            let (logger, store) = RecordingLogHandler.logger()
            let entries = await catalog.current(logger: logger)
            let byID = Dictionary(uniqueKeysWithValues: entries.map { ($0.spec.id, $0) })
            #expect(entries.count == 6, "every listed target is reported, none silently dropped")
            // Static targets are the operator's choice: never matched against the patterns.
            #expect(byID["static"]?.forbidden == nil)
            #expect(byID["static"]?.supplier == .configuration)
            #expect(entries.filter { $0.spec.id != "static" }.allSatisfy { $0.supplier == .coordinator }, "bound to allowed_sources when probed")
            #expect(byID["inside-host"]?.forbidden == nil)
            #expect(byID["inside-prefix"]?.forbidden == nil)
            for id in ["lookalike", "prefix-lookalike", "internal"] {
                let reason = byID[id]?.forbidden ?? ""
                #expect(reason.contains("matches no pattern of network.allowed_sources"), "\(id): \(reason)")
            }
            #expect(store.all.contains { $0.level == .warning && $0.metadata["vantage.forbidden"] == "3" })
        }
        // Positive control: the same list with patterns admitting everything.
        let open = AgentConfiguration.Network(allowedSources: try Self.patterns([
            "*.example.com", "notary.example.com.evil.net", "https://tuf.example.org", "http://169.254.169.254",
        ]))
        try await catalog(listing: Self.listed, network: open) { catalog in
            let entries = await catalog.current(logger: Logger(label: "test"))
            #expect(entries.count == 5)
            #expect(entries.allSatisfy { $0.forbidden == nil })
        }
    }

    @Test func emptyAllowedSourcesReportsEveryCoordinatorTarget() async throws {
        try await catalog(listing: Self.listed, network: .init()) { catalog in
            let entries = await catalog.current(logger: Logger(label: "test"))
            #expect(entries.count == 5)
            #expect(entries.allSatisfy { $0.forbidden?.contains("network.allowed_sources is empty") == true })
        }
    }

    @Test func maxTargetsCapsCoordinatorTargets() async throws {
        let listed = (1...7).map { TargetSpec(id: "t\($0)", kind: .tuf, url: "https://tuf.example.com/r\($0)") }
            + [TargetSpec(id: "outside", kind: .tuf, url: "https://elsewhere.example.net/r")]
        let statik = TargetCatalog.Entry(spec: TargetSpec(id: "static", kind: .tuf, url: "https://static.example.net"))
        let capped = AgentConfiguration.Network(allowedSources: try Self.patterns(["tuf.example.com"]), maxTargets: 5)
        try await catalog(listing: listed, network: capped, staticTargets: [statik]) { catalog in
            let (logger, store) = RecordingLogHandler.logger()
            let entries = await catalog.current(logger: logger)
            #expect(entries.map(\.spec.id) == ["static", "t1", "t2", "t3", "t4", "t5"], "static targets are not counted")
            #expect(entries.allSatisfy { $0.forbidden == nil }, "allowed targets come before refusals")
            let warning = store.all.first { $0.message.contains("network.max_targets") }
            #expect(warning?.level == .warning)
            #expect(warning?.metadata["vantage.dropped"] == "3")
            #expect(warning?.metadata["vantage.listed"] == "8")
        }
        // Positive control: a limit above the list keeps all, the refusal included.
        let roomy = AgentConfiguration.Network(allowedSources: try Self.patterns(["tuf.example.com"]), maxTargets: 8)
        try await catalog(listing: listed, network: roomy) { catalog in
            let (logger, store) = RecordingLogHandler.logger()
            let entries = await catalog.current(logger: logger)
            #expect(entries.count == 8)
            #expect(entries.last?.spec.id == "outside" && entries.last?.forbidden != nil)
            #expect(!store.all.contains { $0.message.contains("network.max_targets") })
        }
    }

    // MARK: the whole agent

    /// What ``runAgent(allowedSources:listed:)`` lists by default: a good TUF mirror and a silent listener.
    static let mirrorAndListener = [
        TargetSpec(id: "good", kind: .tuf, url: "SERVER/files/good"),
        TargetSpec(id: "elsewhere", kind: .tuf, url: "LISTENER/repo"),
    ]

    /// The agent (``AgentRuntime``, one round) with `targets_from_coordinator` against a fake coordinator listing
    /// `listed`; returns the observations delivered, by target, and the connections the silent listener received.
    /// In `allowedSources` and the listed URLs, `SERVER` is the test server (`https://127.0.0.1:PORT`, also serving
    /// a Notary root for `example.org/app`), `LOCALHOST` the same server as `https://localhost:PORT`, and
    /// `LISTENER` the silent listener (`http://127.0.0.1:PORT`).
    func runAgent(
        allowedSources: [String], listed: [TargetSpec] = mirrorAndListener
    ) async throws -> (observations: [String: Observation], connections: Int) {
        let fixture = try await HTTPFixture(limits: Self.round)
        let listener = try SilentListener()
        var coordinator: FakeCoordinator?
        func cleanUp() async {
            listener.close()
            await coordinator?.stop()
            await fixture.close()
        }
        do {
            let identity = try AgentKeyFile.create(at: fixture.scratch.file("agent.key"))
            try RootChain(count: 1).write(to: fixture.scratch.file("www/good"))
            try fixture.publish(try RootChain(count: 1, dialect: .notary, gun: "example.org/app").documents[0], at: "notary/example.org/app/root.json")
            func expand(_ text: String) -> String {
                text.replacingOccurrences(of: "SERVER", with: fixture.server.base)
                    .replacingOccurrences(of: "LOCALHOST", with: "https://localhost:\(fixture.server.port)")
                    .replacingOccurrences(of: "LISTENER", with: listener.url())
            }
            coordinator = try await FakeCoordinator.start(agentKey: identity.publicKey)
            await coordinator!.ledger.setTargets(listed.map { TargetSpec(id: $0.id, kind: $0.kind, url: expand($0.url), gun: $0.gun) })
            let configuration = AgentConfiguration(
                agentID: "agent-1", region: "test", keyPath: fixture.scratch.file("agent.key"), coordinators: [coordinator!.url],
                spoolDirectory: fixture.scratch.file("spool"), pollJitter: .zero, limits: Self.round,
                caBundlePath: fixture.certificates.caFile, targetsFromCoordinator: true,
                network: .init(
                    allowedSources: try Self.patterns(allowedSources.map(expand)),
                    allowPrivateAddresses: true))
            let runtime = try await AgentRuntime(configuration: configuration, logger: Logger(label: "test"), registry: nil)
            _ = await runtime.service.runOnce()
            await runtime.shutdown()
            let stored = await coordinator!.ledger.stored.values.map(\.observation)
            let result = (Dictionary(stored.map { ($0.target, $0) }, uniquingKeysWith: { a, _ in a }), listener.connectionsReceived())
            await cleanUp()
            return result
        } catch {
            await cleanUp()
            throw error
        }
    }

    @Test func agentReportsCoordinatorTargetsOutsideAllowedSourcesWithoutFetchingThem() async throws {
        let (observations, connections) = try await runAgent(allowedSources: ["SERVER/files"])
        #expect(observations["good"]?.error == nil, "\(String(describing: observations["good"]?.error))")
        #expect(observations["good"]?.fingerprint?.version == 1)
        let refused = try #require(observations["elsewhere"], "the refused target is reported, not silently dropped")
        #expect(refused.error?.kind == .forbidden)
        #expect(refused.error?.message.contains("network.allowed_sources") == true, "\(String(describing: refused.error))")
        #expect(connections == 0, "a refused coordinator target is never fetched")

        // Positive control: the same agent with the listener's URL allowed does connect to it.
        let (admitted, reached) = try await runAgent(allowedSources: ["SERVER/files", "LISTENER"])
        #expect(admitted["good"]?.error == nil)
        #expect(admitted["elsewhere"]?.error?.kind != .forbidden)
        #expect(reached >= 1)
    }

    @Test func agentNeverFetchesAnEncodedDotSegmentOutOfAnAllowedPrefix() async throws {
        // Issue 22 item 3: `%2e%2e` kept by the old normalisation was resolved by servers that decode first.
        let escape = [TargetSpec(id: "escape", kind: .tuf, url: "LISTENER/metadata/%2e%2e/private-tenant")]
        let (observations, connections) = try await runAgent(allowedSources: ["LISTENER/metadata"], listed: escape)
        #expect(connections == 0, "the escaping URL is never fetched")
        #expect(observations["escape"]?.fingerprint == nil, "and nothing is attested for it")

        // Positive control: the same prefix and a path inside it is fetched (the silent listener is reached).
        let inside = [TargetSpec(id: "inside", kind: .tuf, url: "LISTENER/metadata/private-tenant")]
        let (admitted, reached) = try await runAgent(allowedSources: ["LISTENER/metadata"], listed: inside)
        #expect(admitted["inside"]?.error?.kind != .forbidden)
        #expect(reached >= 1)
    }

    @Test func agentHoldsACoordinatorTargetsTokenRealmToAllowedSources() async throws {
        // The registry is LOCALHOST; its challenge names a realm on 127.0.0.1, which LOCALHOST does not admit.
        let notary = [TargetSpec(id: "notary", kind: .notary, url: "LOCALHOST", gun: "example.org/app")]
        let (refused, _) = try await runAgent(allowedSources: ["LOCALHOST"], listed: notary)
        let error = try #require(refused["notary"]?.error, "\(String(describing: refused["notary"]))")
        #expect(error.kind == .forbidden)
        #expect(error.message.contains("host 127.0.0.1 matches no pattern of network.allowed_sources"), "\(error.message)")

        // Positive control: the realm's URL allowed too, the same target's token flow succeeds.
        let (admitted, _) = try await runAgent(allowedSources: ["LOCALHOST", "SERVER/token"], listed: notary)
        #expect(admitted["notary"]?.error == nil, "\(String(describing: admitted["notary"]?.error))")
        #expect(admitted["notary"]?.fingerprint?.version == 1)
    }

    // MARK: redirects and token realms of coordinator-supplied targets (issue 22 item 6)

    @Test func coordinatorTargetRedirectOutsideAllowedSourcesIsForbidden() async throws {
        try await HTTPFixture.with { f in
            let listener = try SilentListener()
            defer { listener.close() }
            try f.publish(Array("{}".utf8), at: "inside/x.json")
            try f.publish(Array("{}".utf8), at: "outside.json")
            let server = "https://localhost:\(f.server.port)"
            let inside = [server + "/redirect", server + "/files/inside"]
            try await with(try f.getter(DestinationPolicy(allowPrivateAddresses: true, allowedSources: try Self.patterns(inside)))) { getter in
                func follow(_ location: String, _ supplier: TargetSupplier) async throws -> FetchedResponse {
                    try await getter.get(redirect(f, to: location), bearerToken: nil, maxBytes: 1000, supplier: supplier)
                }
                let away = await failure { _ = try await follow(listener.url("https", "/x"), .coordinator) }
                #expect(away?.kind == .forbidden, "\(String(describing: away))")
                #expect(away?.message.contains("host 127.0.0.1 matches no pattern of network.allowed_sources") == true)
                #expect(listener.connectionsReceived() == 0, "nothing is fetched from a refused hop")
                for location in [server + "/files/outside.json", server + "/files/inside/%2e%2e/outside.json"] {
                    let refused = await failure { _ = try await follow(location, .coordinator) }
                    #expect(refused?.kind == .forbidden, "\(location): \(String(describing: refused))")
                }
                // Positive controls: a hop inside the prefixes is followed; the configuration's own targets are not
                // bound by network.allowed_sources.
                let followed = try await follow(server + "/files/inside/x.json", .coordinator)
                #expect(followed.status == 200 && followed.body == Array("{}".utf8))
                let configured = try await follow(server + "/files/outside.json", .configuration)
                #expect(configured.status == 200)
            }
            // Positive control: the listener inside the prefixes, the same hop reaches it.
            let silent = FetchLimits(requestTimeout: .seconds(3), totalTimeout: .seconds(6))
            let admitted = try await with(try AHCHTTPGetter(
                limits: silent, caBundlePath: f.certificates.caFile, proxy: nil, noProxy: ProxyRule(noProxy: nil),
                destinations: DestinationPolicy(allowPrivateAddresses: true, allowedSources: try Self.patterns(inside + [listener.url("https")])))
            ) { getter in
                await failure {
                    _ = try await getter.get(redirect(f, to: listener.url("https", "/x")), bearerToken: nil, maxBytes: 1000, supplier: .coordinator)
                }
            }
            #expect(admitted?.kind != .forbidden, "\(String(describing: admitted))")
            #expect(listener.connectionsReceived() >= 1)
        }
    }

    @Test func coordinatorTargetTokenRealmOutsideAllowedSourcesIsForbidden() async throws {
        try await HTTPFixture.with { f in
            let document = try RootChain(count: 1, dialect: .notary).documents[0]
            // The registry is on localhost; the realm on 127.0.0.1, or on localhost for GUNs under localrealm/.
            for gun in ["example.org/app", "localrealm/app"] { try f.publish(document, at: "notary/\(gun)/root.json") }
            let server = "https://localhost:\(f.server.port)"
            func fetch(_ getter: AHCHTTPGetter, gun: String, _ supplier: TargetSupplier) async throws -> RootFetchResult {
                try await NotaryRootSource(serverURL: server, gun: gun, http: getter, maxBytes: f.limits.maxResponseBytes, supplier: supplier)
                    .fetch(.current)
            }
            func policy(_ sources: [String]) throws -> DestinationPolicy {
                DestinationPolicy(allowPrivateAddresses: true, allowedSources: try Self.patterns(sources))
            }
            try await with(try f.getter(try policy([server]))) { getter in
                let refused = await failure { _ = try await fetch(getter, gun: "example.org/app", .coordinator) }
                #expect(refused?.kind == .forbidden, "\(String(describing: refused))")
                #expect(refused?.message.hasPrefix("token endpoint: https://127.0.0.1:") == true, "\(String(describing: refused))")
                #expect(refused?.message.contains("host 127.0.0.1 matches no pattern of network.allowed_sources") == true)
                // Positive controls: a realm inside the prefixes is followed; a configured target's realm is not bound.
                let inside = try await fetch(getter, gun: "localrealm/app", .coordinator)
                #expect(inside == .document(document))
                let configured = try await fetch(getter, gun: "example.org/app", .configuration)
                #expect(configured == .document(document))
            }
            // Positive control: the realm allowed, the refused token flow succeeds.
            let allowed = try await with(try f.getter(try policy([server, f.server.url("/token")]))) { getter in
                try await fetch(getter, gun: "example.org/app", .coordinator)
            }
            #expect(allowed == .document(document))
        }
    }

    // MARK: through an HTTPS proxy

    @Test func proxiedRequestsAreCheckedByTheirDestination() async throws {
        try await HTTPFixture.with { f in
            let proxy = try await ConnectProxy(logPath: f.scratch.file("proxy.log"))
            defer { proxy.stop() }
            try f.publish(Array("{}".utf8), at: "x.json")
            let url = "https://localhost:\(f.server.port)/files/x.json"
            func getter(_ policy: DestinationPolicy) throws -> AHCHTTPGetter {
                try AHCHTTPGetter(
                    limits: f.limits, caBundlePath: f.certificates.caFile, proxy: try ProxyURL.parse(proxy.url, setting: "proxy"),
                    noProxy: ProxyRule(noProxy: nil), destinations: policy)
            }
            let refused = try await with(try getter(DestinationPolicy())) { g in
                await failure { _ = try await g.get(url, bearerToken: nil, maxBytes: 1000, supplier: .configuration) }
            }
            #expect(refused?.kind == .forbidden, "\(String(describing: refused))")
            #expect(proxy.requests().isEmpty, "nothing was sent to the proxy: \(proxy.requests())")

            // Positive control: with the permission the request goes through the proxy.
            let answer = try await with(try getter(DestinationPolicy(allowPrivateAddresses: true))) { g in
                try await g.get(url, bearerToken: nil, maxBytes: 1000, supplier: .configuration)
            }
            #expect(answer.status == 200)
            #expect(proxy.requests().contains("CONNECT localhost:\(f.server.port)"))
        }
    }
}
