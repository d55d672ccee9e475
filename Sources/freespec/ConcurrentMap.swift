import Foundation

/// `transform` applied to every element of `items` on the machine's cores, the results in the
/// order of `items`.
///
/// Used for independent configurations of one command (`--weights gaussian,orthogonal --depth
/// 16,64`), whose analytic answers take up to seconds each. Every call runs to its end; the
/// first failure in the order of `items` is rethrown, the one a sequential loop would report.
func concurrentMap<T: Sendable, R: Sendable>(_ items: [T], _ transform: @escaping @Sendable (T) throws -> R) throws -> [R] {
    let slots = ResultSlots<R>(count: items.count)
    DispatchQueue.concurrentPerform(iterations: items.count) { i in
        slots.store(Result { try transform(items[i]) }, at: i)
    }
    return try slots.results().map { try $0.get() }
}

/// One result slot per index, written once each from different threads (distinct elements
/// of a buffer allocated up front: no shared array to copy on write).
private final class ResultSlots<R>: @unchecked Sendable {
    private let buffer: UnsafeMutablePointer<Result<R, any Error>?>
    private let count: Int

    init(count: Int) {
        self.count = count
        buffer = .allocate(capacity: count)
        buffer.initialize(repeating: nil, count: count)
    }
    deinit {
        buffer.deinitialize(count: count)
        buffer.deallocate()
    }
    func store(_ result: Result<R, any Error>, at i: Int) { buffer[i] = result }
    /// Call after every slot was stored.
    func results() -> [Result<R, any Error>] { (0..<count).map { buffer[$0]! } }
}
