// swift-tools-version: 6.2
// libFuzzer harness for VantageTUF (JSONReader, CanonicalJSON, Root.parse, RootInspector).
// Not part of the main package: it depends on it by path and is built only by fuzz/run.sh,
// with its own scratch path (.build-fuzz), so the main .build is never touched.
import PackageDescription

let package = Package(
    name: "vantage-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "vantage", path: "..")],
    targets: [
        .executableTarget(
            name: "VantageTUFFuzz",
            dependencies: [.product(name: "VantageTUF", package: "vantage")]
        )
    ]
)
