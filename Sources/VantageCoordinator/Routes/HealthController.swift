import Hummingbird

/// `/livez` (the process serves), `/readyz` (database reachable, migrations done) and `/metrics` (Prometheus).
struct HealthController: Sendable {
    let database: CoordinatorDatabase
    let metrics: CoordinatorMetrics

    func add(to router: Router<BasicRequestContext>) {
        router.get("/livez") { _, _ in JSONResponse.bytes(Array("ok\n".utf8), contentType: "text/plain") }
        router.get("/readyz") { _, _ in
            await database.isReady()
                ? JSONResponse.bytes(Array("ready\n".utf8), contentType: "text/plain")
                : JSONResponse.bytes(Array("database not ready\n".utf8), status: .serviceUnavailable, contentType: "text/plain")
        }
        router.get("/metrics") { _, _ in
            JSONResponse.bytes(metrics.render(), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
    }
}
