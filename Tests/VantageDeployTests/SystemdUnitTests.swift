import Foundation
import VantageTestSupport
import Testing
import VantageCore
import VantageCoordinator

/// deploy/systemd: the units pass `systemd-analyze verify`, score in the "OK" band or better with
/// `systemd-analyze security`, and their exact `ExecStart=` + `Environment=` run a working system.
@Suite struct SystemdUnitTests {
    static let units = ["vantage-agent", "vantage-coordinator"]

    static var analyze: String? { Shell.which("systemd-analyze") }

    /// A root folder holding the units, systemd's own units (verify needs sysinit.target and friends) and
    /// stand-in executables at the units' `/usr/local/bin` paths.
    func verifyRoot() throws -> URL {
        let root = try temporaryDirectory("verify-root")
        let fm = FileManager.default
        try fm.createDirectory(at: root.appendingPathComponent("usr/lib/systemd"), withIntermediateDirectories: true)
        try fm.copyItem(atPath: "/lib/systemd/system", toPath: root.appendingPathComponent("usr/lib/systemd/system").path)
        for dir in ["etc/systemd/system", "usr/local/bin", "bin"] {
            try fm.createDirectory(at: root.appendingPathComponent(dir), withIntermediateDirectories: true)
        }
        // ExecReload= runs /bin/kill, which every host has.
        fm.createFile(atPath: root.appendingPathComponent("bin/kill").path, contents: Data("#!/bin/sh\n".utf8), attributes: [.posixPermissions: 0o755])
        for unit in Self.units {
            try fm.copyItem(atPath: PackagePaths.path("deploy/systemd/\(unit).service"), toPath: root.appendingPathComponent("etc/systemd/system/\(unit).service").path)
            let stub = root.appendingPathComponent("usr/local/bin/\(unit)").path
            fm.createFile(atPath: stub, contents: Data("#!/bin/sh\n".utf8), attributes: [.posixPermissions: 0o755])
        }
        return root
    }

    @Test(.enabled(if: analyze != nil, "systemd-analyze is missing: apt-get install systemd"))
    func unitsPassSystemdAnalyzeVerify() async throws {
        let root = try verifyRoot()
        let result = try await Shell.run(
            Self.analyze!, ["verify", "--root=\(root.path)"] + Self.units.map { "/etc/systemd/system/\($0).service" },
            directory: root.path)
        // verify exits 0 on warnings such as unknown keys: any output is a failure.
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty && result.stdout.isEmpty, "\(result.stderr)\(result.stdout)")
    }

    @Test(.enabled(if: analyze != nil, "systemd-analyze is missing: apt-get install systemd"), arguments: units)
    func securityExposureIsOKOrBetter(_ unit: String) async throws {
        let result = try await Shell.run(Self.analyze!, ["security", "--offline=yes", "--no-pager", PackagePaths.path("deploy/systemd/\(unit).service")])
        let line = result.stdout.split(separator: "\n").first { $0.contains("Overall exposure level") }.map(String.init) ?? ""
        print("systemd-analyze security \(unit): \(line.replacingOccurrences(of: "→ ", with: ""))")
        let score = line.split(separator: ":").last?.split(separator: " ").first.flatMap { Double($0) }
        #expect(score != nil, "\(result.stdout)\(result.stderr)")
        // Bands: < 1.0 SAFE, < 2.0 OK, < 5.0 MEDIUM, higher EXPOSED/UNSAFE/DANGEROUS.
        #expect((score ?? 10) < 2.0, "\(line)")
    }

    @Test func unitsUseTheHardeningAndSecretHandlingOfTheConventions() throws {
        for name in Self.units {
            let unit = try UnitStack.unit(name)
            for (key, value) in [
                ("DynamicUser", "yes"), ("StateDirectory", name), ("ConfigurationDirectory", name), ("ProtectSystem", "strict"),
                ("NoNewPrivileges", "yes"), ("PrivateTmp", "yes"), ("RestrictNamespaces", "yes"), ("Restart", "on-failure"),
                ("RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6"), ("KillSignal", "SIGTERM"), ("Type", "exec"),
            ] {
                #expect(unit.value(key) == value, "\(name): \(key)=")
            }
            #expect(!unit.values("LoadCredential").isEmpty)
            // Secrets never travel in Environment=; only paths into $CREDENTIALS_DIRECTORY (%d) do.
            for assignment in unit.values("Environment") {
                #expect(!assignment.lowercased().contains("secret=") && !assignment.lowercased().contains("token="), "\(assignment)")
            }
        }
    }

    /// The names the units pass to the programs exist: flags in `--help`, `VANTAGE_*` variables in the loaders.
    @Test func unitsNameOnlyRealFlagsAndEnvironmentVariables() throws {
        for name in Self.units {
            let host = try SimulatedHost(unit: UnitStack.unit(name), root: temporaryDirectory("names"))
            let words = try host.command()
            let executable = (words[0] as NSString).lastPathComponent
            #expect(executable == name)
            #expect(try Shell.subcommands(executable).contains(words[1]))
            let flags = try Shell.longFlags(executable, [words[1]])
            for word in words.dropFirst(2) where word.hasPrefix("--") { #expect(flags.contains(word), "\(name): \(word)") }
            let known = name == "vantage-agent"
                ? try ConfigKeys.agentEnvironmentNames()
                : ConfigKeys.coordinatorEnvironmentNames(CoordinatorConfiguration.knownKeys)
            for assignment in host.unit.values("Environment") {
                let variable = String(assignment.prefix { $0 != "=" })
                #expect(known.contains(variable), "\(name): Environment=\(variable) is not a configuration key")
            }
        }
    }

    /// The example configuration installed as the unit says needs exactly the credentials the unit loads: every
    /// `%d/NAME` an `Environment=` line passes and every `/run/credentials/<unit>/NAME` the configuration names is a
    /// `LoadCredential=NAME:` line, and the coordinator's loader reads the example with the unit's environment
    /// (a configuration reading a credential the unit leaves commented out would fail at every start).
    @Test func coordinatorExampleNeedsOnlyTheCredentialsTheUnitLoads() async throws {
        let host = try SimulatedHost(unit: UnitStack.unit("vantage-coordinator"), root: temporaryDirectory("credentials"))
        let loaded = Set(host.unit.values("LoadCredential").map { String($0.prefix { $0 != ":" }) })
        for assignment in host.unit.values("Environment") where assignment.contains("%d/") {
            let name = assignment.components(separatedBy: "%d/")[1]
            #expect(loaded.contains(name), "Environment=\(assignment) passes a credential no LoadCredential= loads")
        }
        let example = PackagePaths.path("coordinator/coordinator.example.json")
        let prefix = "/run/credentials/\(host.unit.name)/"
        for path in try String(contentsOfFile: example, encoding: .utf8).components(separatedBy: "\"") where path.hasPrefix(prefix) {
            #expect(loaded.contains(String(path.dropFirst(prefix.count))), "the example reads \(path), which the unit does not load")
        }
        for name in loaded {
            try "placeholder-credential-0123456789\n".write(toFile: host.credentialsDirectory + "/" + name, atomically: true, encoding: .utf8)
        }
        let configuration = try await ConfigurationLoader.load(file: example, environment: host.environment())
        #expect(configuration.adminTokens == ["placeholder-credential-0123456789"])
        #expect(configuration.resolvedKeyFile == host.credentialsDirectory + "/coordinator.key")
    }

    /// A configuration or key error exits 78, which neither unit restarts (the agent's 78 has its own tests); the
    /// coordinator's descriptor limit holds its default connection cap.
    @Test func configurationAndKeyErrorsExitWithTheStatusTheUnitsDoNotRestart() async throws {
        for name in Self.units { #expect(try UnitStack.unit(name).values("RestartPreventExitStatus") == ["78"], "\(name)") }
        let limit = try #require(Int(try UnitStack.unit("vantage-coordinator").value("LimitNOFILE") ?? ""))
        #expect(limit > CoordinatorConfiguration().maxConnections + 256)
        let folder = try temporaryDirectory("exit-status")
        let state = folder.appendingPathComponent("state").path
        let bad = folder.appendingPathComponent("bad.json").path, good = folder.appendingPathComponent("good.json").path
        try #"{"listen": {"prot": 1}}"#.write(toFile: bad, atomically: true, encoding: .utf8)
        try "{\"state_dir\": \"\(state)\", \"listen\": {\"port\": 0}}".write(toFile: good, atomically: true, encoding: .utf8)
        let coordinator = PackagePaths.executable("vantage-coordinator")
        let configError = try await Shell.run(coordinator, ["serve", "--config", bad])
        #expect(configError.status == 78, "\(configError.stderr)")
        // No key in the state folder: a key error, with the keygen command to run.
        let keyError = try await Shell.run(coordinator, ["serve", "--config", good])
        #expect(keyError.status == 78, "\(keyError.stderr)")
        #expect(keyError.stderr.contains("vantage-coordinator keygen --out"))
    }

    /// Both programs started with the units' ExecStart= and Environment=: agents report, the coordinator
    /// publishes a pin list of the served root, and SIGTERM stops every process cleanly (exit 0).
    @Test(.timeLimit(.minutes(3)))
    func execStartLinesRunAgentsAndCoordinator() async throws {
        let stack = try UnitStack(agents: 2)
        do {
            try await stack.start()
            let list = try await stack.waitForPinList()
            let decoded = try JSONDecoder().decode(PinList.self, from: JSONSerialization.data(withJSONObject: list))
            #expect(decoded.pins.map(\.target) == [UnitStack.targetID])
            #expect(decoded.pins.first?.sha256 == stack.tuf.rootDigest)
            #expect(decoded.pins.first?.attestations.count == 2)
            let metrics = await HTTP.get(stack.baseURL + "/metrics").body
            #expect(metrics.contains(#"vantage_observations_ingested_total{result="accepted"}"#))
            // The key and admin token came from $CREDENTIALS_DIRECTORY, the database went to $STATE_DIRECTORY.
            #expect(FileManager.default.fileExists(atPath: stack.coordinatorHost.stateDirectory + "/coordinator.sqlite"))
            #expect(!FileManager.default.fileExists(atPath: stack.coordinatorHost.stateDirectory + "/coordinator.key"))
            func adminStatus(_ token: String) async throws -> String {
                try await Shell.run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "-H",
                    "Authorization: Bearer \(token)", stack.baseURL + "/v1/alerts/test"]).stdout
            }
            #expect(try await adminStatus("wrong-token-wrong-token-0123") == "401")
            #expect(try await adminStatus("deploy-test-admin-token-0123456789") != "401")
            for agent in stack.agentHosts {
                #expect(try FileManager.default.contentsOfDirectory(atPath: agent.stateDirectory).isEmpty == false)
            }
        } catch {
            let logs = ([stack.coordinator] + stack.agents).compactMap { $0 }.map { "== \($0.name)\n\($0.log)" }
            await stack.stop()
            throw TestFailure("\(error)\n\(logs.joined(separator: "\n"))")
        }
        let statuses = await stack.stop()
        #expect(statuses.coordinator == 0, "coordinator: \(stack.coordinator?.log ?? "")")
        #expect(statuses.agents.allSatisfy { $0 == 0 }, "agents: \(statuses.agents)")
    }
}
