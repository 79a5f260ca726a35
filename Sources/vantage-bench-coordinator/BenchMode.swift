import ArgumentParser

extension BenchCoordinator {
    /// The one benchmark a command line selects, with its checked values.
    enum Mode {
        case standard
        case scale(targets: Int, agents: Int)
        case day(targets: Int, agents: Int, ticks: Int)
        case sustain(targets: Int, agents: Int, rate: Int, seconds: Int)
        case reliabilityFixtures(String)
        case servePins(String)
    }

    /// The mode the options select; a usage error for two modes or values out of range.
    func mode() throws -> Mode {
        let given = [!scale.isEmpty, !day.isEmpty, !sustain.isEmpty, reliabilityFixtures != nil, servePins != nil].filter { $0 }
        guard given.count <= 1 else {
            throw ValidationError("give at most one of --scale, --day, --sustain, --reliability-fixtures, --serve-pins")
        }
        if mixed, scale.isEmpty { throw ValidationError("--mixed goes with --scale") }
        if !scale.isEmpty {
            guard scale.count == 2, scale[0] >= 1000, scale[1] >= 2 else {
                throw ValidationError("--scale needs TARGETS (at least 1000) and AGENTS (at least 2)")
            }
            return .scale(targets: scale[0], agents: scale[1])
        }
        if !day.isEmpty {
            guard (2...3).contains(day.count), day[0] >= 1, day[1] >= 2, day.count == 2 || day[2] >= 1 else {
                throw ValidationError("--day needs TARGETS (>= 1) and AGENTS (>= 2), then optionally TICKS (>= 1; 144, a day, by default)")
            }
            return .day(targets: day[0], agents: day[1], ticks: day.count == 3 ? day[2] : 144)
        }
        if !sustain.isEmpty {
            guard sustain.count == 4, sustain[0] >= 1000, sustain[1] >= 2, sustain[2] >= 100, sustain[3] >= 10 else {
                throw ValidationError("--sustain needs TARGETS (>= 1000) AGENTS (>= 2) RATE (>= 100 per second) SECONDS (>= 10)")
            }
            return .sustain(targets: sustain[0], agents: sustain[1], rate: sustain[2], seconds: sustain[3])
        }
        if let directory = reliabilityFixtures { return .reliabilityFixtures(directory) }
        if let directory = servePins { return .servePins(directory) }
        return .standard
    }
}
