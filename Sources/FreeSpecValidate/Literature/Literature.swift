import Foundation

/// What a literature section needs: the binary to call and how many calls may run at once.
struct LiteratureContext: Sendable {
    let freespec: Freespec
    let jobs: Int

    /// Calls `freespec` once per argument list, `jobs` at a time; nil where a call failed
    /// (the failures' messages in `failures`, in call order).
    func jsonBatch(_ calls: [[String]], timeout: Double) -> (results: [JSONValue?], failures: [String]) {
        let answers = parallelMap(calls.count, jobs: jobs) { i -> (JSONValue?, String?) in
            var failure = ""
            let value = freespec.json(calls[i], timeout: timeout, failure: &failure)
            return (value, failure.isEmpty ? nil : "`freespec \(calls[i].joined(separator: " "))`: \(failure)")
        }
        return (answers.map { $0.0 }, answers.compactMap { $0.1 })
    }
}

/// The literature reproductions, in report order.
enum Literature {
    static let sections: [(String, @Sendable (LiteratureContext) -> ReportSection)] = [
        ("Pennington, Schoenholz & Ganguli 2017", DynamicalIsometry.section),
        ("tanh phase diagram", PhaseDiagram.section),
        ("Pennington & Worah 2017", RandomFeatureGram.section),
        ("Pennington & Bahri 2017", LossHessianIndex.section),
    ]
}
