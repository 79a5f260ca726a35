import HummingbirdCore
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle
import Synchronization
import UnixSignals

/// The listener's TLS certificate and key, read from files and read again on SIGHUP (a renewed certificate takes
/// effect for new connections without a restart; a file that does not load leaves the current one in place).
final class ReloadableTLS: Sendable {
    let certificateFile: String
    let keyFile: String
    private let context: Mutex<NIOSSLContext>

    /// - Throws: ``CoordinatorError`` (`configuration`) when the files do not load.
    init(certificateFile: String, keyFile: String) throws {
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        context = Mutex(try Self.load(certificateFile: certificateFile, keyFile: keyFile))
    }

    var current: NIOSSLContext { context.withLock { $0 } }

    /// Reads the files again; on failure keeps the current certificate and throws.
    func reload() throws {
        let fresh = try Self.load(certificateFile: certificateFile, keyFile: keyFile)
        context.withLock { $0 = fresh }
    }

    static func load(certificateFile: String, keyFile: String) throws -> NIOSSLContext {
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(certificateFile).map { NIOSSLCertificateSource.certificate($0) }
            guard !chain.isEmpty else { throw CoordinatorError(.configuration, "listen.tls.certificate_file \(certificateFile) holds no certificate") }
            let key = try NIOSSLPrivateKey(file: keyFile, format: .pem)
            var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
            tls.minimumTLSVersion = .tlsv12
            return try NIOSSLContext(configuration: tls)
        } catch let error as CoordinatorError {
            throw error
        } catch {
            throw CoordinatorError(.configuration, "listen.tls: cannot load \(certificateFile) and \(keyFile) as a PEM certificate chain and key")
        }
    }

    /// `base` behind TLS with whichever certificate is current when a connection arrives.
    func channel<Base: ServerChildChannel>(_ base: Base) -> ReloadableTLSChannel<Base> {
        ReloadableTLSChannel(base: base, tls: self)
    }
}

/// A child channel that adds a TLS handler with the current context, then sets up the HTTP channel under it.
struct ReloadableTLSChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value
    let base: Base
    let tls: ReloadableTLS

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls.current))
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

/// Reloads the TLS certificate on every SIGHUP.
struct TLSReloadService: Service {
    let tls: ReloadableTLS
    let logger: Logger

    func run() async throws {
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            do {
                try tls.reload()
                logger.notice("reloaded the TLS certificate", metadata: ["tls.certificate_file": "\(tls.certificateFile)"])
            } catch {
                logger.error("TLS certificate not reloaded; the previous one stays", metadata: ["error": "\(error)"])
            }
        }
    }
}
