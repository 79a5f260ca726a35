import Foundation

/// The `config.yml` of a test registry: filesystem storage with deletes, HTTPS on 127.0.0.1, and token auth when a
/// token server is given (its signing certificate is the `rootcertbundle`).
struct RegistryConfiguration {
    var storage: String
    var port: Int
    var certificate: String
    var key: String
    var tokenServer: RegistryTokenServer?

    var yaml: String {
        var text = """
            version: 0.1
            log:
              level: warn
            storage:
              filesystem:
                rootdirectory: \(storage)
              delete:
                enabled: true
            http:
              addr: 127.0.0.1:\(port)
              secret: vantage-test-\(UUID().uuidString)
              tls:
                certificate: \(certificate)
                key: \(key)

            """
        if let tokenServer {
            text += """
                auth:
                  token:
                    realm: \(tokenServer.realm)
                    service: \(RegistryFixture.service)
                    issuer: \(RegistryTokenServer.issuer)
                    rootcertbundle: \(tokenServer.signingCertificate)

                """
        }
        return text
    }
}
