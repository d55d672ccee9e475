import Foundation

/// What a literature section needs: the binary to call and how many calls may run at once.
struct LiteratureContext: Sendable {
    let freespec: Freespec
    let jobs: Int

    /// Calls `freespec` once per argument list, `jobs` at a time; nil where a call failed
    /// (the failure's message goes into `failures`, in order).
    func jsonBatch(_ calls: [[String]], timeout: Double) -> (results: [JSONValue?], failures: [String]) {
        let box = BatchBox(count: calls.count)
        DispatchQueue.concurrentPerform(iterations: max(1, min(jobs, calls.count))) { _ in
            while let i = box.next() {
                var failure = ""
                let value = freespec.json(calls[i], timeout: timeout, failure: &failure)
                box.store(i, value.map { RawJSON(data: $0) }, failure.isEmpty ? nil : "`freespec \(calls[i].joined(separator: " "))`: \(failure)")
            }
        }
        return (box.values.map { $0.map { JSONValue($0.data.raw) } }, box.failures.compactMap { $0 })
    }
}

/// A parsed JSON value carried across threads (JSONSerialization's output is immutable).
private struct RawJSON: @unchecked Sendable { let data: JSONValue }

private final class BatchBox: @unchecked Sendable {
    private let lock = NSLock()
    private var nextIndex = 0
    private(set) var values: [RawJSON?]
    private(set) var failures: [String?]
    init(count: Int) { values = Array(repeating: nil, count: count); failures = Array(repeating: nil, count: count) }
    func next() -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard nextIndex < values.count else { return nil }
        nextIndex += 1
        return nextIndex - 1
    }
    func store(_ i: Int, _ value: RawJSON?, _ failure: String?) {
        lock.lock(); defer { lock.unlock() }
        values[i] = value
        failures[i] = failure
    }
}

/// The literature reproductions, in report order.
enum Literature {
    static let sections: [(String, @Sendable (LiteratureContext) -> ReportSection)] = [
    ]
}
