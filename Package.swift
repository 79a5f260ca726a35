// swift-tools-version: 6.2
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "vantage",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "vantage", targets: ["vantage"]),
        .executable(name: "vantage-pins", targets: ["vantage-pins"]),
        .executable(name: "vantage-agent", targets: ["vantage-agent"]),
        .executable(name: "vantage-coordinator", targets: ["vantage-coordinator"]),
        .library(name: "VantageTUF", targets: ["VantageTUF"]),
        .library(name: "VantageCore", targets: ["VantageCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
    ],
    targets: [
        // System OpenSSL (libcrypto) for RSA-PSS with arbitrary salt lengths; see Sources/COpenSSL/README.
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),

        // Pure core: no I/O, no clock, no logging.
        .target(
            name: "VantageTUF",
            dependencies: [
                "COpenSSL",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "VantageCore",
            dependencies: ["VantageTUF", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),

        // I/O shells.
        .target(
            name: "VantageSupport",
            dependencies: [.product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .target(
            name: "VantageClient",
            dependencies: [
                "VantageTUF", "VantageCore", "VantageSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "VantageAgent",
            dependencies: [
                "VantageTUF", "VantageCore", "VantageClient", "VantageSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "VantageCoordinator",
            dependencies: [
                "VantageCore", "VantageClient", "VantageSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),

        // The CI host's commands (`pins verify|install|bundle`) and the CLI's shared output and options: argument
        // parsing over VantageClient, with no coordinator, agent or SQLite.
        .target(
            name: "VantagePinsCLI",
            dependencies: [
                "VantageTUF", "VantageCore", "VantageClient", "VantageSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),

        // Executables: parse arguments and configuration, then call the libraries.
        .executableTarget(
            name: "vantage-pins",
            dependencies: [
                "VantagePinsCLI", "VantageClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "vantage",
            dependencies: [
                "VantagePinsCLI", "VantageTUF", "VantageCore", "VantageClient", "VantageAgent", "VantageCoordinator", "VantageSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // The demo's registry serves https on 127.0.0.1 with a certificate made at start.
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "vantage-bench",
            dependencies: ["VantageTUF", "VantageCore"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "vantage-agent",
            dependencies: [
                "VantageAgent", "VantageCore", "VantageSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "vantage-coordinator",
            dependencies: [
                "VantageCoordinator", "VantageCore", "VantageSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Benchmark: ingest, storage growth, pin list build and proof size (bench/coordinator.sh).
        .executableTarget(
            name: "vantage-bench-coordinator",
            dependencies: [
                "VantageCoordinator", "VantageCore", "VantageTUF",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),

        // What every test target shares (Tests/VantageTestSupport): child processes, free ports, package paths,
        // scratch folders, bounded polling, the one root/chain fixture builder and the real OCI registry fixture.
        .target(
            name: "VantageTestSupport",
            dependencies: ["VantageTUF", .product(name: "Crypto", package: "swift-crypto")],
            path: "Tests/VantageTestSupport",
            swiftSettings: strict
        ),
        .testTarget(
            name: "VantageCLITests",
            dependencies: [
                "VantageTestSupport",
                "vantage", "vantage-pins", "VantagePinsCLI", "VantageTUF", "VantageCore", "VantageClient", "VantageAgent", "VantageCoordinator",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "VantageCoreTests",
            dependencies: ["VantageTestSupport", "VantageCore", "VantageTUF"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "VantageCoordinatorTests",
            dependencies: [
                "VantageTestSupport",
                "VantageCoordinator", "VantageCore", "VantageTUF", "VantageClient",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "VantageAgentTests",
            dependencies: [
                "VantageTestSupport",
                "VantageAgent", "VantageCore", "VantageTUF", "VantageClient",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Hummingbird", package: "hummingbird"),
                // FakeRegistry serves https: an oci target's registry is always reached over TLS.
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // Whole-system tests: the built executables as child processes, real notary-server/notary client,
        // network namespaces (scripts/testbed/netns.sh), real SQLite and HTTP/TLS.
        .testTarget(
            name: "VantageSystemTests",
            dependencies: [
                "VantageTestSupport",
                "vantage", "vantage-pins", "vantage-agent", "vantage-coordinator", "VantageCore", "VantageTUF", "VantageClient",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strict
        ),
        // deploy/: systemd units, container build, compose, Kubernetes, backups and Prometheus rules, checked
        // against the real executables and configuration loaders.
        .testTarget(
            name: "VantageDeployTests",
            dependencies: [
                "VantageTestSupport",
                "vantage", "vantage-agent", "vantage-coordinator", "VantageTUF", "VantageCore", "VantageCoordinator",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "VantageTUFTests",
            dependencies: [
                "VantageTestSupport", "VantageTUF", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: strict
        ),
    ]
)
