import Foundation

/// The `freespec` binary, called as a child process with a time limit.
struct Freespec: Sendable {
    let path: String

    /// What a call produced: parsed JSON, or why there is none.
    enum Answer {
        case json(JSONValue, seconds: Double)
        case failed(CaseOutcome.Verdict, String, seconds: Double)
    }

    /// Runs `freespec arguments` (which must ask for `--format json`) for at most `timeout`
    /// seconds. Exit status 64 (an argument the CLI rejects) reads as `skipped`, any other
    /// failure as `engineError`, a time-out as `timeout`.
    func call(_ arguments: [String], timeout: Double) -> Answer {
        let result: ChildResult
        do { result = try runChild(path, arguments, timeout: timeout) } catch {
            return .failed(.engineError, "could not start \(path): \(error)", seconds: 0)
        }
        switch result.status {
        case .timedOut:
            return .failed(.timeout, String(format: "no answer within %.0f s", timeout), seconds: result.seconds)
        case .exited(64):
            return .failed(.skipped, "not yet supported: \(result.lastErrorLine)", seconds: result.seconds)
        case .exited(0):
            guard let json = JSONValue(data: result.stdout) else {
                return .failed(.engineError, "output is not JSON", seconds: result.seconds)
            }
            return .json(json, seconds: result.seconds)
        case .exited(let code):
            let message = result.lastErrorLine.isEmpty ? "exit status \(code)" : result.lastErrorLine
            return .failed(.engineError, message, seconds: result.seconds)
        }
    }

    /// The JSON of a call, or nil (with the failure's message in `failure`).
    func json(_ arguments: [String], timeout: Double, failure: inout String) -> JSONValue? {
        switch call(arguments, timeout: timeout) {
        case .json(let j, _): return j
        case .failed(let v, let message, _): failure = "\(v.rawValue): \(message)"; return nil
        }
    }
}

/// Runs catalogue cases, several at a time, each in its own child process.
struct CaseRunner: Sendable {
    let freespec: Freespec
    let figures: URL
    let defaultTimeout: Double

    func run(_ c: ValidationCase) -> CaseOutcome {
        switch freespec.call(c.arguments(), timeout: c.timeout ?? defaultTimeout) {
        case .failed(let verdict, let message, let seconds):
            if verdict == .engineError, let expected = c.expectError, message.contains(expected) {
                return CaseOutcome(testCase: c, verdict: .expectedError, seconds: seconds, note: message)
            }
            return CaseOutcome(testCase: c, verdict: verdict, seconds: seconds, note: message)
        case .json(let json, let seconds):
            var outcome = CaseEvaluation.evaluate(c, json: json, seconds: seconds)
            if let plot = CaseFigure.plot(c, json: json) {
                let name = c.slug + ".svg"
                do {
                    try plot.render().write(to: figures.appendingPathComponent(name), atomically: true, encoding: .utf8)
                    outcome.figure = name
                } catch {
                    outcome.note += "; figure not written: \(error)"
                }
            }
            return outcome
        }
    }

    /// All cases, `jobs` at a time; `progress` is called after each (from worker threads).
    func run(_ cases: [ValidationCase], jobs: Int, progress: @escaping @Sendable (CaseOutcome, Int) -> Void) -> [CaseOutcome] {
        parallelMap(cases.count, jobs: jobs, { run(cases[$0]) }, done: progress)
    }
}
