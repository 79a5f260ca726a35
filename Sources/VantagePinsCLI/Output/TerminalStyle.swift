import Foundation

/// Colour on a terminal only: stdout is a TTY, `NO_COLOR` is unset and `TERM` is not `dumb`.
public enum TerminalStyle {
    public static let enabled: Bool = {
        let environment = ProcessInfo.processInfo.environment
        return isatty(STDOUT_FILENO) == 1 && environment["NO_COLOR"] == nil && environment["TERM"] != "dumb"
    }()

    public static func red(_ s: String) -> String { wrap(s, "31") }
    public static func green(_ s: String) -> String { wrap(s, "32") }
    public static func yellow(_ s: String) -> String { wrap(s, "33") }
    public static func bold(_ s: String) -> String { wrap(s, "1") }

    public static func wrap(_ s: String, _ code: String) -> String { enabled ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }

    /// A status word coloured by meaning.
    public static func status(_ s: String) -> String {
        switch s {
        case "agreed", "ok", "healthy", "installed", "unchanged", "info": return green(s)
        case "pending", "changing", "no_consensus", "warning", "silent", "never_seen": return yellow(s)
        case "split_view", "critical", "failed", "refused": return red(s)
        default: return s
        }
    }
}
