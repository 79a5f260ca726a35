import Foundation
import VantageCore

/// Runs an executable once per event, like certspotter's hooks: the event in `VANTAGE_EVENT_ID`,
/// `VANTAGE_EVENT_KIND`, `VANTAGE_SEVERITY`, `VANTAGE_TARGET`, `VANTAGE_MESSAGE`, the alert it opens or resolves in
/// `VANTAGE_ALERT` and `VANTAGE_ALERT_STATE` (`open`, `resolved`; both empty for a notice), and the whole event as
/// JSON in the file named by `VANTAGE_EVENT_JSON`. Exit status 0 means delivered; the run is killed after `timeoutSeconds`.
struct HookAlertSink: AlertSink {
    let channel = "hook"
    let path: String
    let timeoutSeconds: Int64

    func deliver(_ event: VantageEvent) async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("vantage-event-\(UUID().uuidString).json")
        guard FileManager.default.createFile(atPath: file.path, contents: Data(try Canonical.encode(event)), attributes: [.posixPermissions: 0o600])
        else { throw CoordinatorError(.delivery, "cannot write \(file.path) for hook \(path)") }
        defer { try? FileManager.default.removeItem(at: file) }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        var environment = ProcessInfo.processInfo.environment
        environment["VANTAGE_EVENT_ID"] = event.id
        environment["VANTAGE_EVENT_KIND"] = event.kind.rawValue
        environment["VANTAGE_SEVERITY"] = event.severity.rawValue
        environment["VANTAGE_TARGET"] = event.target ?? ""
        environment["VANTAGE_MESSAGE"] = event.message
        environment["VANTAGE_ALERT"] = event.alert ?? ""
        environment["VANTAGE_ALERT_STATE"] = event.alert == nil ? "" : event.resolvesAlert ? "resolved" : "open"
        environment["VANTAGE_EVENT_JSON"] = file.path
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice

        let run = HookRun(process: process)
        let status: Int32? = try await withThrowingTaskGroup(of: Int32?.self) { group in
            group.addTask { try await run.start(path: path) }
            group.addTask {
                try await Task.sleep(for: .seconds(timeoutSeconds))
                return nil
            }
            let first = try await group.next() ?? nil
            if first == nil {
                run.process.terminate()
                _ = try await group.next()
            }
            group.cancelAll()
            return first
        }
        guard let status else { throw CoordinatorError(.delivery, "hook \(path) ran longer than \(timeoutSeconds) s and was stopped") }
        guard status == 0 else { throw CoordinatorError(.delivery, "hook \(path) exited with status \(status)") }
    }
}

/// A started hook process, shared between the task that waits for it and the timeout that stops it.
/// `Process` is thread-safe for `run`, `terminate` and its termination handler, hence `@unchecked Sendable`.
private final class HookRun: @unchecked Sendable {
    let process: Process

    init(process: Process) { self.process = process }

    func start(path: String) async throws -> Int32 {
        try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: CoordinatorError(.delivery, "hook \(path) did not start: \(error)"))
            }
        }
    }
}
