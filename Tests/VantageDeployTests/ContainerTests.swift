import Foundation
import VantageTestSupport
import Testing
import VantageCoordinator

/// deploy/container and deploy/compose. No Docker engine runs here: the compose file is parsed and every
/// command, flag, port, volume, secret and configuration key it names is checked against the real programs;
/// the Dockerfile's binaries are built by the same script (opt-in, it is a long release build).
@Suite struct ContainerTests {
    static let compose = "deploy/compose/docker-compose.yml"

    func composeServices() throws -> (root: [String: Any], services: [String: [String: Any]]) {
        guard let root = try YAML.documents(PackagePaths.path(Self.compose)).first as? [String: Any],
            let services = root["services"] as? [String: [String: Any]]
        else { throw TestFailure("\(Self.compose): no services") }
        return (root, services)
    }

    @Test(.enabled(if: YAML.python != nil, "needs python3 with PyYAML (Debian: python3-yaml)"))
    func composeHasOneCoordinatorAndThreeAgents() throws {
        let (root, services) = try composeServices()
        let commands = services.mapValues { ($0["command"] as? [String])?.first ?? "" }
        #expect(commands.values.filter { $0 == "vantage-coordinator" }.count == 1)
        #expect(commands.values.filter { $0 == "vantage-agent" }.count == 3)
        let volumes = Set((root["volumes"] as? [String: Any] ?? [:]).keys)
        let secrets = Set((root["secrets"] as? [String: Any] ?? [:]).keys)
        for (name, service) in services {
            #expect((service["image"] as? String)?.contains("VANTAGE_IMAGE") == true, "\(name): image")
            #expect(service["read_only"] as? Bool == true, "\(name): read_only")
            #expect(service["cap_drop"] as? [String] == ["ALL"], "\(name): cap_drop")
            for mount in service["volumes"] as? [String] ?? [] {
                let source = String(mount.prefix { $0 != ":" })
                if source.hasPrefix(".") {
                    let file = URL(fileURLWithPath: PackagePaths.path("deploy/compose")).appendingPathComponent(source).standardized.path
                    #expect(FileManager.default.fileExists(atPath: file), "\(name): \(source) does not exist")
                } else {
                    #expect(volumes.contains(source), "\(name): volume \(source) is not declared")
                }
            }
            for secret in service["secrets"] as? [String] ?? [] { #expect(secrets.contains(secret)) }
        }
        // The build context and Dockerfile exist.
        let build = services["coordinator"]?["build"] as? [String: String]
        #expect(build?["dockerfile"] == "deploy/container/Dockerfile")
        #expect(URL(fileURLWithPath: PackagePaths.path("deploy/compose")).appendingPathComponent(build?["context"] ?? "").standardized.path
            == URL(fileURLWithPath: PackagePaths.root).standardized.path)
    }

    /// Each service's command, flags, environment variables, mounted configuration (keys and values, through the
    /// real loaders) and ports are what the programs accept.
    @Test(.enabled(if: YAML.python != nil, "needs python3 with PyYAML (Debian: python3-yaml)"))
    func composeNamesOnlyRealFlagsKeysAndPorts() async throws {
        let (_, services) = try composeServices()
        let envExample = try Repo.read("deploy/compose/.env.example")
        for (name, service) in services {
            let command = try #require(service["command"] as? [String])
            let executable = command[0]
            #expect(Repo.executables.contains(executable))
            #expect(try Shell.subcommands(executable).contains(command[1]), "\(name): \(command[1])")
            let flags = try Shell.longFlags(executable, [command[1]])
            for word in command.dropFirst(2) where word.hasPrefix("--") { #expect(flags.contains(word), "\(name): \(word)") }
            // ${VARS} used in the file are documented in .env.example.
            for word in command where word.contains("${") {
                let variable = word.components(separatedBy: "${")[1].prefix { $0 != ":" && $0 != "}" }
                #expect(envExample.contains("\(variable)="), "\(name): \(variable) is not in .env.example")
            }
            // The configuration file mounted at --config.
            let configPath = command[command.firstIndex(of: "--config")! + 1]
            let mount = try #require((service["volumes"] as? [String])?.first { $0.contains(":\(configPath)") })
            let file = URL(fileURLWithPath: PackagePaths.path("deploy/compose")).appendingPathComponent(String(mount.prefix { $0 != ":" })).standardized.path
            let environment = service["environment"] as? [String: String] ?? [:]
            if executable == "vantage-coordinator" {
                let names = ConfigKeys.coordinatorEnvironmentNames(CoordinatorConfiguration.knownKeys)
                for variable in environment.keys { #expect(names.contains(variable), "\(name): \(variable)") }
                let config = try await ConfigurationLoader.load(file: file, environment: [:])
                let ports = service["ports"] as? [String] ?? []
                #expect(ports.contains { $0.hasSuffix(":\(config.listenPort)") }, "\(name): ports \(ports) vs listen.port")
                #expect(config.listenHost == "0.0.0.0")
                let state = try #require(environment["VANTAGE_STATE_DIR"])
                #expect((service["volumes"] as? [String] ?? []).contains { $0.hasSuffix(":\(state)") })
                #expect(environment["VANTAGE_ADMIN_TOKEN_FILE"] == "/run/secrets/admin-token")
            } else {
                let names = try ConfigKeys.agentEnvironmentNames()
                for variable in environment.keys { #expect(names.contains(variable), "\(name): \(variable)") }
                try await AgentConfigCheck.check(file: file, flags: command)
                let agent = try JSON.object(Data(contentsOf: URL(fileURLWithPath: file)))
                let spool = (agent["spool"] as? [String: Any])?["dir"] as? String ?? ""
                #expect((service["volumes"] as? [String] ?? []).contains { $0.hasSuffix(":\(spool)") }, "\(name): spool volume")
                let coordinatorURL = (agent["coordinators"] as? [String])?.first ?? ""
                #expect(coordinatorURL == "http://coordinator:8080", "agents reach the coordinator service by name")
            }
        }
    }

    /// The docker CLI, when its compose plugin answers `docker compose version`.
    static let dockerCompose: String? = {
        guard let docker = Shell.which("docker"), (try? Shell.runBlocking(docker, ["compose", "version"]))?.status == 0 else { return nil }
        return docker
    }()

    /// `docker compose config` needs no engine; where the compose plugin exists, it validates the file too.
    @Test(.enabled(if: dockerCompose != nil, "needs the docker CLI with its compose plugin (`docker compose version`)"))
    func dockerComposeConfigAcceptsTheFile() async throws {
        let docker = try #require(Self.dockerCompose)
        let dir = try temporaryDirectory("compose")
        try "x\n".write(toFile: dir.appendingPathComponent("admin-token").path, atomically: true, encoding: .utf8)
        let result = try await Shell.run(
            docker, ["compose", "-f", PackagePaths.path(Self.compose), "config", "--quiet"],
            environment: ProcessInfo.processInfo.environment.merging(["VANTAGE_ADMIN_TOKEN_FILE": dir.appendingPathComponent("admin-token").path]) { $1 })
        #expect(result.status == 0, "\(result.stderr)")
    }

    @Test func dockerfileBuildsWithTheSharedScriptAndRunsAsNonRoot() throws {
        let dockerfile = try Repo.read("deploy/container/Dockerfile")
        let stages = dockerfile.split(separator: "\n").filter { $0.hasPrefix("FROM ") }
        #expect(stages.count == 2)
        #expect(stages.first?.contains("swift:6.3") == true)
        #expect(stages.last?.contains("debian:bookworm-slim") == true)
        #expect(dockerfile.contains("RUN deploy/container/build-binaries.sh /out"))
        for package in ["ca-certificates", "libssl3", "libsqlite3-0"] { #expect(dockerfile.contains(package)) }
        #expect(dockerfile.contains("\nUSER 10001:10001\n"))
        let script = try Repo.read("deploy/container/build-binaries.sh")
        #expect(script.contains("-c release --static-swift-stdlib"))
        for product in Repo.executables { #expect(script.contains(product)) }
        #expect(FileManager.default.isExecutableFile(atPath: PackagePaths.path("deploy/container/build-binaries.sh")))
        let ignore = try Repo.read("deploy/container/Dockerfile.dockerignore").split(separator: "\n")
        #expect(ignore.contains(".build*") && ignore.contains(".git"), "host build folders stay out of the context")
        // The uid the image runs as is the one compose volumes and Kubernetes securityContexts assume.
        #expect(dockerfile.contains("--uid 10001"))
    }

    /// Builds the image's binaries exactly as the Dockerfile does (release, --static-swift-stdlib) and checks
    /// they run and link only libraries the runtime stage installs. A full release build takes tens of minutes
    /// on two cores, so it runs when VANTAGE_TEST_RELEASE_BUILD=1 (and reuses .build-release between runs).
    @Test(
        .enabled(if: ProcessInfo.processInfo.environment["VANTAGE_TEST_RELEASE_BUILD"] == "1", "set VANTAGE_TEST_RELEASE_BUILD=1"),
        .timeLimit(.minutes(60)))
    func releaseBinariesLinkOnlyRuntimePackagesAndTheImageRuns() async throws {
        let out = try temporaryDirectory("release-bin")
        let build = try await Shell.run(
            PackagePaths.path("deploy/container/build-binaries.sh"), [out.path, "--scratch-path", PackagePaths.path(".build-release")],
            directory: PackagePaths.root)
        #expect(build.status == 0, "\(build.stdout.suffix(3000))\(build.stderr.suffix(3000))")
        // Packages of debian:bookworm-slim plus the runtime stage's apt-get install line.
        let runtimePackages: Set<String> = ["libc6", "libgcc-s1", "libstdc++6", "zlib1g", "libssl3", "libsqlite3-0"]
        for product in Repo.executables {
            let binary = out.appendingPathComponent(product).path
            #expect(try await Shell.run(binary, ["--help"]).status == 0)
            let ldd = try await Shell.run("ldd", [binary]).stdout
            #expect(!ldd.contains("libswift") && !ldd.contains("libFoundation"), "\(product) links the Swift runtime dynamically:\n\(ldd)")
            for line in ldd.split(separator: "\n") {
                guard let path = line.split(separator: " ").first(where: { $0.hasPrefix("/") }) else { continue }
                // dpkg knows a library by one of its paths (/lib or /usr/lib, link or file).
                let resolved = URL(fileURLWithPath: String(path)).resolvingSymlinksInPath().path
                let candidates = [String(path), resolved, resolved.replacingOccurrences(of: "/usr/lib/", with: "/lib/")]
                var owner = ""
                for candidate in candidates where owner.isEmpty {
                    let result = try await Shell.run("dpkg", ["-S", candidate])
                    if result.status == 0 { owner = result.stdout }
                }
                let package = owner.split(separator: ":").first.map(String.init) ?? "?"
                #expect(runtimePackages.contains(package) || String(path).contains("ld-linux"), "\(product): \(path) from \(package)")
            }
        }
        // The CI verifier links what verification and installation need, and not the coordinator, agent or SQLite
        // (the symbol table, which --strip-debug keeps, names every module linked in).
        let verifier = out.appendingPathComponent("vantage-pins").path
        #expect(!(try await Shell.run("ldd", [verifier]).stdout.contains("libsqlite3")))
        let symbols = try await Shell.run("/bin/bash", ["-c", "nm \"$1\" | grep -c -E 'Hummingbird|GRDB|VantageCoordinator|VantageAgent' || true", "nm", verifier])
        #expect(symbols.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "vantage-pins links server modules")
        let full = try await Shell.run("/bin/bash", ["-c", "nm \"$1\" | grep -c -E 'GRDB' || true", "nm", out.appendingPathComponent("vantage").path])
        #expect((Int(full.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) > 0, "positive control: the full CLI does link GRDB")

        // The image itself, built from the Dockerfile with these binaries and run: a coordinator and an agent
        // container, and a pin list (podman and runc from Debian; scripts/install-test-deps.sh installs them).
        try #require(Shell.which("podman") != nil, "podman is missing: scripts/install-test-deps.sh installs it")
        let smoke = try await Shell.run(PackagePaths.path("deploy/container/podman-smoke.sh"), [out.path, try temporaryDirectory("podman").path],
                                  directory: PackagePaths.root)
        #expect(smoke.status == 0 && smoke.stdout.contains("PASS podman-smoke"), "\(smoke.stdout.suffix(3000))\(smoke.stderr.suffix(3000))")
    }
}

/// Loads an agent configuration through the real loader, with the flags of a command line, and checks that every
/// key it holds is one the loader reads.
enum AgentConfigCheck {
    static func check(file: String, flags command: [String]) async throws {
        let object = try JSON.object(Data(contentsOf: URL(fileURLWithPath: file)))
        let targets = Array((object["targets"] as? [String: Any] ?? [:]).keys)
        let known = try ConfigKeys.agentKeys()
        for key in JSON.leafKeys(object) {
            #expect(known.contains(ConfigKeys.agentPattern(key, targetIDs: targets)), "\(file): unknown agent key \(key)")
        }
        // The real loader (executable, so values are checked too), with the key and spool in temporary folders.
        let dir = try temporaryDirectory("agent-config")
        let keygen = try await Shell.run(PackagePaths.executable("vantage-agent"), ["keygen", "--out", dir.appendingPathComponent("agent.key").path])
        #expect(keygen.status == 0)
        var args = ["run", "--config", file, "--once", "--key", dir.appendingPathComponent("agent.key").path,
                    "--spool-dir", dir.appendingPathComponent("spool").path, "--coordinator", "http://127.0.0.1:9"]
        for flag in ["--agent-id", "--region"] {
            if let i = command.firstIndex(of: flag) { args += [flag, command[i + 1]] }
        }
        // Configuration errors exit 78 before anything runs. Anything else (here: delivery to a closed port
        // fails, exit 1) means the configuration loaded. Network probes go nowhere: no targets are listed, and
        // targets_from_coordinator asks the closed port.
        var environment = ProcessInfo.processInfo.environment
        environment["VANTAGE_AGENT_METRICS_LISTEN"] = "127.0.0.1:0"  // the file's port may be taken by a parallel test
        let run = try await Shell.run(PackagePaths.executable("vantage-agent"), args, environment: environment)
        #expect(run.status != 78, "\(file): \(run.stderr)")
    }
}
