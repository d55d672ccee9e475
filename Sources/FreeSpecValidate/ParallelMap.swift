import Foundation

/// `body(0..<count)` evaluated on `jobs` threads, results in index order; `done` is called
/// after each (from the worker threads) with the result and how many are finished.
func parallelMap<T>(_ count: Int, jobs: Int, _ body: @escaping @Sendable (Int) -> T,
                    done: (@Sendable (T, Int) -> Void)? = nil) -> [T] {
    let box = WorkBox<T>(count: count)
    DispatchQueue.concurrentPerform(iterations: max(1, min(jobs, count))) { _ in
        while let i = box.next() {
            let value = body(i)
            let finished = box.store(value, at: i)
            done?(value, finished)
        }
    }
    return box.results.map { $0! }
}

/// The shared queue index and results of `parallelMap` (guarded by a lock; results are
/// written once each and read after every worker has finished).
private final class WorkBox<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var nextIndex = 0
    private var finished = 0
    private(set) var results: [T?]
    init(count: Int) { results = Array(repeating: nil, count: count) }

    func next() -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard nextIndex < results.count else { return nil }
        nextIndex += 1
        return nextIndex - 1
    }

    func store(_ value: T, at i: Int) -> Int {
        lock.lock(); defer { lock.unlock() }
        results[i] = value
        finished += 1
        return finished
    }
}
