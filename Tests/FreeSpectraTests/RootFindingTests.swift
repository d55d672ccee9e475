import Foundation
import Testing
@testable import FreeSpectra

/// `RootFinding.illinois` against closed forms: ∛2 from x³ − 2 with the bracket given in either
/// order (to 1e-15, the requested bracket), an end where f vanishes, no sign change, and a
/// flat-then-steep f (e^{40x} − 1 on [−1, 1]) that plain regula falsi crawls on: the bisection
/// safeguard must still reach 1e-15 within 200 evaluations.
@Suite struct RootFindingTests {
    @Test func illinoisFindsBracketedRoots() {
        let f: (Double) -> Double = { $0 * $0 * $0 - 2 }
        let tight: (Double, Double) -> Bool = { abs($0 - $1) <= 1e-15 }
        let root = cbrt(2.0)
        #expect(abs(RootFinding.illinois(f, 0, f(0), 2, f(2), maxIterations: 200, until: tight) - root) <= 2e-15)
        #expect(abs(RootFinding.illinois(f, 2, f(2), 0, f(0), maxIterations: 200, until: tight) - root) <= 2e-15)
        #expect(RootFinding.illinois(f, root, 0, 2, f(2), maxIterations: 200, until: tight) == root)
        #expect(RootFinding.illinois(f, 0, 0.5, 2, 1, maxIterations: 200, until: tight) == 0)
        var count = 0
        let steep: (Double) -> Double = { count += 1; return exp(40 * $0) - 1 }
        let x = RootFinding.illinois(steep, -1, steep(-1), 1, steep(1), maxIterations: 200, until: tight)
        #expect(abs(x) <= 1e-15 && count <= 200, "root \(x) after \(count) evaluations")
    }
}
