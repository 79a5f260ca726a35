import Foundation
import VantageTestSupport
import GRDB
import HTTPTypes
import HummingbirdTesting
import Testing
import VantageCore
import VantageTUF

@testable import VantageCoordinator

/// Headers are re-signed every quarter of max_age; every header (the hash chain) is kept, and the pins of the
/// latest list a row per target — no list body is stored, so the database does not grow with the list size on
/// every publication. The list before the latest is still served (from memory) for clients that read its header.
@Suite struct PinListRetentionTests {
    @Test func headersAreKeptForeverBodiesOnlyRecently() async throws {
        let c = try await TestCoordinator { $0.consensus.maxAgeSeconds = 40 }
        let root = try TestRepository().root(version: 1)
        let rounds = 8
        try await c.coordinator.application.test(.router) { client in
            for _ in 0..<rounds {
                _ = try await client.submit(try c.agents.map { try $0.observe("example.test/app", root: root, at: c.now) })
                _ = try await c.coordinator.consensus.evaluateNow()
                c.clock.advance(seconds: 11)  // past max_age / 4: the next round re-signs with fresh attestations
            }
            let latest = try await client.get(SignedPinListHeader.self, "\(APIPath.pins)/latest/header")
            #expect(latest.signed.version >= Int64(rounds), "a refresh every quarter of max_age")
            // Every header is still served, and they chain.
            var previous = ""
            for version in 1...latest.signed.version {
                let header = try await client.get(SignedPinListHeader.self, "\(APIPath.pins)/\(version)/header")
                #expect(header.signed.previous == previous)
                previous = try header.digest
            }
            // Old bodies are gone; the latest and the one before it are served.
            try await client.execute(uri: "\(APIPath.pins)/1", method: .get) { #expect($0.status == .notFound) }
            try await client.execute(uri: "\(APIPath.pins)/\(latest.signed.version - 1)", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: APIPath.pins, method: .get) { #expect($0.status == .ok) }
        }
        let (bodies, rows) = try await c.coordinator.database.writer.read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM pin_lists WHERE length(body_json) > 0") ?? 0,
             try Int.fetchOne(db, sql: "SELECT count(*) FROM published_pins WHERE length(pin_json) > 0") ?? 0)
        }
        #expect(bodies == 0 && rows == 1)
    }
}
