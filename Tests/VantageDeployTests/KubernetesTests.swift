import Foundation
import VantageTestSupport
import Testing
import VantageCoordinator

/// deploy/kubernetes: the manifests parse, carry the required fields and Pod Security "restricted" settings, and
/// name only real commands, flags, environment variables, configuration keys, volumes and ports.
@Suite(.enabled(if: YAML.python != nil, "needs python3 with PyYAML (Debian: python3-yaml)"))
struct KubernetesTests {
    typealias Object = [String: Any]

    static let files = [
        "deploy/kubernetes/namespace.yaml", "deploy/kubernetes/coordinator/coordinator.yaml",
        "deploy/kubernetes/coordinator/secret.example.yaml", "deploy/kubernetes/agents/eu-west.yaml",
        "deploy/kubernetes/agents/us-east.yaml", "deploy/kubernetes/agents/secret.example.yaml",
    ]

    func objects(_ file: String) throws -> [Object] {
        try YAML.documents(PackagePaths.path(file)).compactMap { $0 as? Object }
    }

    /// Objects of the coordinator's or one agent region's cluster (a region file plus the shared ones).
    func cluster(_ files: [String]) throws -> [Object] {
        try (["deploy/kubernetes/namespace.yaml"] + files).flatMap(objects)
    }

    @Test func everyManifestHasTheRequiredFields() throws {
        #expect(Set(Self.files) == Set(try FileManager.default.subpathsOfDirectory(atPath: PackagePaths.path("deploy/kubernetes"))
            .filter { $0.hasSuffix(".yaml") }.map { "deploy/kubernetes/" + $0 }))
        for file in Self.files {
            let docs = try objects(file)
            #expect(!docs.isEmpty, "\(file)")
            for object in docs {
                let kind = object["kind"] as? String ?? ""
                let metadata = object["metadata"] as? Object ?? [:]
                #expect(object["apiVersion"] is String && !kind.isEmpty, "\(file)")
                #expect(metadata["name"] is String, "\(file): \(kind) without a name")
                if kind != "Namespace" { #expect(metadata["namespace"] as? String == "vantage", "\(file): \(kind)") }
                if kind == "Deployment" || kind == "StatefulSet" {
                    let spec = object["spec"] as? Object ?? [:]
                    let selector = (spec["selector"] as? Object)?["matchLabels"] as? [String: String] ?? [:]
                    let labels = ((spec["template"] as? Object)?["metadata"] as? Object)?["labels"] as? [String: String] ?? [:]
                    #expect(!selector.isEmpty && selector.allSatisfy { labels[$0.key] == $0.value }, "\(file): selector")
                    #expect(spec["replicas"] as? Int == 1, "\(file): one writer / one key per agent")
                }
            }
        }
        let namespace = try objects("deploy/kubernetes/namespace.yaml")[0]
        let labels = (namespace["metadata"] as? Object)?["labels"] as? [String: String]
        #expect(labels?["pod-security.kubernetes.io/enforce"] == "restricted")
    }

    func workloads(_ objects: [Object]) -> [(kind: String, pod: Object, spec: Object)] {
        objects.compactMap { object in
            guard let kind = object["kind"] as? String, ["Deployment", "StatefulSet"].contains(kind),
                let spec = object["spec"] as? Object, let pod = (spec["template"] as? Object)?["spec"] as? Object
            else { return nil }
            return (kind, pod, spec)
        }
    }

    @Test func podsMeetPodSecurityRestricted() throws {
        let all = try Self.files.flatMap(objects)
        #expect(workloads(all).count == 3)
        for (kind, pod, _) in workloads(all) {
            let security = pod["securityContext"] as? Object ?? [:]
            #expect(security["runAsNonRoot"] as? Bool == true, "\(kind)")
            #expect((security["seccompProfile"] as? Object)?["type"] as? String == "RuntimeDefault", "\(kind)")
            #expect(pod["automountServiceAccountToken"] as? Bool == false)
            for container in pod["containers"] as? [Object] ?? [] {
                let context = container["securityContext"] as? Object ?? [:]
                #expect(context["allowPrivilegeEscalation"] as? Bool == false)
                #expect(context["readOnlyRootFilesystem"] as? Bool == true)
                #expect((context["capabilities"] as? Object)?["drop"] as? [String] == ["ALL"])
                #expect(container["image"] is String)
            }
        }
    }

    /// Per cluster: commands and flags from `--help`, environment from the loaders, the ConfigMap's JSON through
    /// the real loaders, every volume and referenced ConfigMap/Secret/PVC present, probes and ports consistent.
    @Test(arguments: [
        ["deploy/kubernetes/coordinator/coordinator.yaml", "deploy/kubernetes/coordinator/secret.example.yaml"],
        ["deploy/kubernetes/agents/eu-west.yaml", "deploy/kubernetes/agents/secret.example.yaml"],
        ["deploy/kubernetes/agents/us-east.yaml", "deploy/kubernetes/agents/secret.example.yaml"],
    ])
    func manifestsNameOnlyRealFlagsKeysAndObjects(_ files: [String]) async throws {
        let objects = try cluster(files)
        func named(_ kind: String) -> [String: Object] {
            Dictionary(objects.filter { $0["kind"] as? String == kind }.map { (($0["metadata"] as? Object)?["name"] as? String ?? "", $0) }) { a, _ in a }
        }
        let configMaps = named("ConfigMap"), secrets = named("Secret"), claims = named("PersistentVolumeClaim")
        for (kind, pod, spec) in workloads(objects) {
            let volumes = Dictionary(uniqueKeysWithValues: (pod["volumes"] as? [Object] ?? []).map { ($0["name"] as? String ?? "", $0) })
            let claimTemplates = Set((spec["volumeClaimTemplates"] as? [Object] ?? []).compactMap { ($0["metadata"] as? Object)?["name"] as? String })
            for (name, volume) in volumes {
                if let ref = (volume["configMap"] as? Object)?["name"] as? String { #expect(configMaps[ref] != nil, "\(kind): \(name)") }
                if let ref = (volume["secret"] as? Object)?["secretName"] as? String { #expect(secrets[ref] != nil, "\(kind): \(name)") }
                if let ref = (volume["persistentVolumeClaim"] as? Object)?["claimName"] as? String { #expect(claims[ref] != nil, "\(kind): \(name)") }
            }
            for container in pod["containers"] as? [Object] ?? [] {
                let command = (container["command"] as? [String] ?? []) + (container["args"] as? [String] ?? [])
                let executable = command[0]
                #expect(Repo.executables.contains(executable))
                #expect(try Shell.subcommands(executable).contains(command[1]))
                let flags = try Shell.longFlags(executable, [command[1]])
                for word in command.dropFirst(2) where word.hasPrefix("--") { #expect(flags.contains(word), "\(word)") }

                let mounts = container["volumeMounts"] as? [Object] ?? []
                var mountedAt: [String: String] = [:]
                for mount in mounts {
                    let name = mount["name"] as? String ?? "", path = mount["mountPath"] as? String ?? ""
                    #expect(volumes[name] != nil || claimTemplates.contains(name), "\(kind): volumeMount \(name)")
                    mountedAt[path] = name
                }
                /// The file at `path` as the container sees it: a key of a mounted ConfigMap or Secret.
                func mountedFile(_ path: String) -> (kind: String, object: Object, key: String)? {
                    let dir = (path as NSString).deletingLastPathComponent, key = (path as NSString).lastPathComponent
                    guard let volume = mountedAt[dir].flatMap({ volumes[$0] }) else { return nil }
                    if let ref = (volume["configMap"] as? Object)?["name"] as? String, let map = configMaps[ref],
                        (map["data"] as? Object)?[key] != nil { return ("ConfigMap", map, key) }
                    if let ref = (volume["secret"] as? Object)?["secretName"] as? String, let secret = secrets[ref],
                        (secret["stringData"] as? Object)?[key] != nil { return ("Secret", secret, key) }
                    return nil
                }
                let env = Dictionary(uniqueKeysWithValues: (container["env"] as? [Object] ?? []).map {
                    ($0["name"] as? String ?? "", $0["value"] as? String ?? "")
                })
                let configPath = command[command.firstIndex(of: "--config")! + 1]
                let config = try #require(mountedFile(configPath), "\(configPath) is not a mounted ConfigMap key")
                let json = try #require((config.object["data"] as? Object)?[config.key] as? String)
                let file = try temporaryDirectory("k8s").appendingPathComponent(config.key).path
                try json.write(toFile: file, atomically: true, encoding: .utf8)
                let ports = (container["ports"] as? [Object] ?? []).map { ($0["name"] as? String ?? "", $0["containerPort"] as? Int ?? 0) }

                if executable == "vantage-coordinator" {
                    #expect(kind == "StatefulSet")
                    let names = ConfigKeys.coordinatorEnvironmentNames(CoordinatorConfiguration.knownKeys)
                    for variable in env.keys { #expect(names.contains(variable), "\(variable)") }
                    for variable in ["VANTAGE_KEY_FILE", "VANTAGE_ADMIN_TOKEN_FILE"] {
                        let path = try #require(env[variable])
                        #expect(mountedFile(path)?.kind == "Secret", "\(variable)=\(path) is not a mounted Secret key")
                    }
                    let state = try #require(env["VANTAGE_STATE_DIR"])
                    #expect(mountedAt[state].map(claimTemplates.contains) == true, "the state dir is on the PVC")
                    let loaded = try await ConfigurationLoader.load(file: file, environment: [:])
                    #expect(loaded.listenHost == "0.0.0.0")
                    let http = try #require(ports.first { $0.0 == "http" })
                    #expect(http.1 == loaded.listenPort)
                    let liveness = (container["livenessProbe"] as? Object)?["httpGet"] as? Object
                    let readiness = (container["readinessProbe"] as? Object)?["httpGet"] as? Object
                    #expect(liveness?["path"] as? String == "/livez" && liveness?["port"] as? String == "http")
                    #expect(readiness?["path"] as? String == "/readyz" && readiness?["port"] as? String == "http")
                    let service = try #require(named("Service")["vantage-coordinator"])
                    let servicePorts = (service["spec"] as? Object)?["ports"] as? [Object] ?? []
                    #expect(servicePorts.contains { $0["targetPort"] as? String == "http" })
                    #expect(((service["spec"] as? Object)?["selector"] as? [String: String])?["app.kubernetes.io/name"] == "vantage-coordinator")
                } else {
                    #expect(kind == "Deployment")
                    #expect((spec["strategy"] as? Object)?["type"] as? String == "Recreate")
                    try await AgentConfigCheck.check(file: file, flags: command)
                    let agent = try JSON.object(json)
                    let keyPath = ((agent["agent"] as? Object)?["key"] as? String) ?? ""
                    #expect(mountedFile(keyPath)?.kind == "Secret", "agent.key \(keyPath) is not a mounted Secret key")
                    let spool = ((agent["spool"] as? Object)?["dir"] as? String) ?? ""
                    #expect(mountedAt[spool].flatMap { volumes[$0]?["persistentVolumeClaim"] } != nil, "spool.dir on a PVC")
                    let listen = ((agent["metrics"] as? Object)?["listen"] as? String) ?? ""
                    #expect(ports.contains { $0.0 == "metrics" && listen.hasSuffix(":\($0.1)") })
                }
            }
        }
    }

    /// Agents of different regions must differ in id and region (and run in different clusters).
    @Test func agentRegionsAreDistinct() throws {
        var seen: Set<String> = []
        for file in ["deploy/kubernetes/agents/eu-west.yaml", "deploy/kubernetes/agents/us-east.yaml"] {
            let map = try #require(try objects(file).first { $0["kind"] as? String == "ConfigMap" })
            let agent = try JSON.object(try #require((map["data"] as? Object)?["agent.json"] as? String))
            let identity = agent["agent"] as? [String: String] ?? [:]
            #expect(seen.insert(identity["id"] ?? "").inserted && seen.insert(identity["region"] ?? "").inserted)
        }
        #expect(try Repo.read("deploy/README.md").contains("DaemonSet"))
    }
}
