import ComplexModule
import Foundation
import Testing
@testable import FreeSpectra

@Suite struct ScratchTests {
    @Test func scratch() throws {
        for (name, wl, L, q) in [("linear", WeightGramLaw.gaussian(sigmaW: 1), 1, 1.0), ("relu", .gaussian(sigmaW: 2.squareRoot()), 2, 1.0), ("relu", .orthogonal(sigmaW: 2.squareRoot()), 8, 1.0), ("relu", .gaussian(sigmaW: 2.squareRoot()), 64, 1.0), ("tanh", .orthogonal(sigmaW: 1.05), 64, 0.05), ("tanh", .gaussian(sigmaW: 1.05), 1000, 0.05)] {
            let law = try DerivativeSquaredLaw(activation: Activations.named(name), q: q)
            let p = try FreeMultiplicativeProduct(weights: wl, slopes: law, depth: L)
            let t0 = Date()
            let edge = try p.upperEdge()
            let (lm1, nm) = try p.normalizedMoments(count: 4)
            let xs = (0..<400).map { edge.location * pow(10, -Double($0) * 0.05) }
            let pts = try p.evaluate(descending: xs, edge: edge)
            let dt = Date().timeIntervalSince(t0)
            print("SCR", name, L, "edge", edge.location, edge.isRegular, "m1", exp(lm1), nm, "atoms", p.atoms, "time", dt)
            for i in stride(from: 0, to: 400, by: 40) { print("   ", pts[i].x, pts[i].density, pts[i].cdf) }
        }
    }
}
