import Foundation
import Testing
@testable import FreeSpectra

/// `freespec implicit-bias` (Woodworth et al., COLT 2020): gradient flow on the diagonal
/// network against the exact implicit-bias problem min Q_α s.t. Xβ = y, on sparse-regression
/// data with d = 40, N = 20, r = 3 (seed 7).
///
/// Witnesses: the flow integrated on the 2d weights (never uses the reduction) and the reduced
/// N-dimensional flow, both against the dual's Newton solution; the dual's KKT condition
/// ∇Q(β) ∈ range(Xᵀ) checked from the closed form q′(z) = arcsinh(z/2); min-ℓ2 against
/// Xᵀ(XXᵀ)⁻¹y; min-ℓ1 against its LP certificate and against the planted β* (exact recovery
/// at r = 3, N = 20); Theorem 2's bound at α = 1e-4; gradient descent's O(η) bias halving
/// with η. Wrong-input witnesses: a neighbouring α and the wrong depth must fail the 1e-6 check.
@Suite struct ImplicitBiasTests {
    static let data = try! RegressionData.sparse(dimension: 40, samples: 20, sparsity: 3, noise: 0, seed: 7)
    static let problem = try! ImplicitBiasProblem(data: data)
    static let ones = [Double](repeating: 1, count: 40)

    static func relative(_ a: [Double], _ b: [Double]) -> Double { distance(a, b) / euclideanNorm(b) }

    /// β_flow = β_Q to 1e-6 relative for D = 2, 3 and α = 1e-3 … 1e2. The flows stop at
    /// ‖Xβ − y‖ ≤ 1e-12‖y‖ (the weight flow at 1e-10: β = w₊^D − w₋^D cancels ~log10(α^D) digits
    /// at large α); β's error is at most √(max β′/λ_min H)·‖Xβ − y‖, ≤ 1e-8 here, and
    /// the weight flow's own integration error (relative tolerance 1e-11 per step) stays
    /// below 1e-7, so 1e-6 leaves room while a wrong α (×1.05) or depth is off by ≥ 1e-3.
    @Test(arguments: [2, 3]) func flowConvergesToImplicitBias(depth: Int) throws {
        for alpha in [1e-3, 1e-2, 1e-1, 1, 10, 100] {
            let network = try DiagonalLinearNetwork(depth: depth, alpha: alpha, shape: Self.ones)
            let dual = try ImplicitBiasDual.solve(network, data: Self.data)
            #expect(dual.relativeResidual <= 1e-10, "D = \(depth), α = \(alpha): dual residual \(dual.relativeResidual)")
            let reduced = try DiagonalNetworkFlow.reduced(network, data: Self.data)
            let eReduced = Self.relative(reduced.beta, dual.beta)
            #expect(eReduced <= 1e-6, "D = \(depth), α = \(alpha): reduced flow vs β_Q \(eReduced)")
            #expect(reduced.time > 0 && reduced.steps > 0 && reduced.trainingLoss <= 1e-16 * euclideanNorm(Self.data.targets) * euclideanNorm(Self.data.targets))
            // The weight flow only where β = w₊^D − w₋^D keeps its digits: α^D ≤ 1e4 (at D = 3,
            // α = 100, β ~ 1 is a difference of w^D ~ 1e6 and the integrator's 1e-11 on w
            // leaves ~5 % in β).
            guard Foundation.pow(alpha, Double(depth)) <= 1e4 else { continue }
            let weights = try DiagonalNetworkFlow.full(network, data: Self.data, tolerance: 1e-10)
            let eWeights = Self.relative(weights.beta, dual.beta)
            #expect(eWeights <= 1e-6, "D = \(depth), α = \(alpha): weight flow vs β_Q \(eWeights)")
            #expect(Self.relative(reduced.beta, weights.beta) <= 1e-6)
            // The check can fail: the implicit-bias solution at a neighbouring α or another depth.
            if alpha == 0.1 || alpha == 1 {
                let nearby = try ImplicitBiasDual.solve(DiagonalLinearNetwork(depth: depth, alpha: alpha * 1.05, shape: Self.ones), data: Self.data)
                #expect(Self.relative(weights.beta, nearby.beta) > 1e-4, "D = \(depth), α = \(alpha): α × 1.05 indistinguishable")
                let other = try ImplicitBiasDual.solve(DiagonalLinearNetwork(depth: 5 - depth, alpha: alpha, shape: Self.ones), data: Self.data)
                #expect(Self.relative(weights.beta, other.beta) > 1e-4, "D = \(depth), α = \(alpha): depth \(5 - depth) indistinguishable")
            }
        }
    }

    /// A non-uniform shape w₀ (D = 2 and 4): the reduction holds for any w₀ > 0.
    @Test func nonUniformShape() throws {
        let shape = (0..<40).map { 0.5 + Double($0 % 7) / 4 }
        for depth in [2, 4] {
            let network = try DiagonalLinearNetwork(depth: depth, alpha: 0.05, shape: shape)
            let dual = try ImplicitBiasDual.solve(network, data: Self.data)
            let weights = try DiagonalNetworkFlow.full(network, data: Self.data, tolerance: 1e-10)
            #expect(Self.relative(weights.beta, dual.beta) <= 1e-6, "D = \(depth): \(Self.relative(weights.beta, dual.beta))")
            let uniform = try ImplicitBiasDual.solve(DiagonalLinearNetwork(depth: depth, alpha: 0.05, shape: Self.ones), data: Self.data)
            #expect(Self.relative(weights.beta, uniform.beta) > 1e-3)
        }
    }

    /// KKT for D = 2, w₀ = 1, independent of ψ: ∇Q_α(β) = arcsinh(β/(2α²)) must lie in
    /// range(Xᵀ); its component orthogonal to range(Xᵀ) (least squares) is ≤ 1e-8 of it.
    /// The minimum-ℓ2 interpolant fails the same check at α = 0.1.
    @Test func dualSatisfiesOptimality() throws {
        let xt = Self.data.design.transposed
        func offRange(_ v: [Double]) throws -> Double {
            let (coefficients, _) = try LinearAlgebra.minimumNormLeastSquares(xt, v)
            return distance(LinearAlgebra.apply(xt, coefficients), v) / euclideanNorm(v)
        }
        for alpha in [1e-3, 0.1, 10] {
            let dual = try ImplicitBiasDual.solve(DiagonalLinearNetwork(depth: 2, alpha: alpha, shape: Self.ones), data: Self.data)
            let gradient = dual.beta.map { asinh($0 / (2 * alpha * alpha)) }
            #expect(try offRange(gradient) <= 1e-8, "α = \(alpha)")
        }
        let wrong = Self.problem.minimumL2.map { asinh($0 / (2 * 0.01)) }
        #expect(try offRange(wrong) > 1e-3)
    }

    /// The two limits: min-ℓ2 equals Xᵀ(XXᵀ)⁻¹y (Cholesky) to 1e-12; min-ℓ1 has an LP certificate
    /// (‖Xᵀλ‖_∞ ≤ 1 + 1e-9, yᵀλ = ‖β_ℓ1‖₁ to 1e-9) and recovers the planted 3-sparse β* to 1e-9.
    @Test func minimumNormInterpolants() throws {
        let x = Self.data.design, y = Self.data.targets
        let gram = LinearAlgebra.weightedGram(x, Self.ones)
        let z = try #require(try LinearAlgebra.solvePositiveDefinite(gram, n: 20, y))
        #expect(Self.relative(Self.problem.minimumL2, LinearAlgebra.applyTransposed(x, z)) <= 1e-12)
        let l1 = Self.problem.minimumL1, lambda = Self.problem.minimumL1Certificate
        let l1Norm = l1.map(abs).reduce(0, +)
        #expect(LinearAlgebra.applyTransposed(x, lambda).map(abs).max()! <= 1 + 1e-9)
        #expect(abs(dotProduct(y, lambda) - l1Norm) <= 1e-9 * l1Norm)
        #expect(Self.relative(l1, Self.data.truth!) <= 1e-9)
        #expect(Self.relative(Self.problem.minimumL2, Self.data.truth!) > 0.1)
    }

    /// Kernel regime: at α = 1e3 (D = 2, 3) the flow is within 1e-6 of min-ℓ2 (the expansion of
    /// Q_α gives a shift O(‖β‖³/α⁴), ~1e-12) and far from min-ℓ1. Rich regime: at α = 1e-4,
    /// D = 2, ‖β‖₁ ≤ (1 + ε)‖β_ℓ1‖₁ with ε the smallest Theorem 2 guarantees at this α.
    @Test func kernelAndRichLimits() throws {
        for depth in [2, 3] {
            let row = try Self.problem.row(alpha: 1e3, depth: depth)
            let l2 = euclideanNorm(Self.problem.minimumL2)
            #expect(row.distanceToMinL2 <= 1e-6 * l2, "D = \(depth): \(row.distanceToMinL2 / l2)")
            #expect(row.distanceToMinL1 > 0.1 * l2)
        }
        let rich = try Self.problem.row(alpha: 1e-4, depth: 2)
        let epsilon = try #require(rich.theoremL1Epsilon)
        #expect(rich.l1Ratio <= 1 + epsilon, "‖β‖₁/‖β_ℓ1‖₁ = \(rich.l1Ratio), Theorem 2 ε = \(epsilon)")
        #expect(rich.flowVsImplicit <= 1e-6 && rich.dualResidual <= 1e-10)
        #expect(rich.distanceToMinL1 < 0.01 * rich.distanceToMinL2, "ℓ1 \(rich.distanceToMinL1), ℓ2 \(rich.distanceToMinL2)")
        // At the kernel end Theorem 2's ℓ2 guarantee holds where it applies.
        let kernel = try Self.problem.row(alpha: 30, depth: 2)
        if let e = kernel.theoremL2Epsilon { #expect(kernel.l2SquaredRatio <= 1 + e) }
        #expect(kernel.theoremL2Epsilon != nil)
    }

    /// Gradient descent with step η against the flow: the gap to β_Q is O(η), so halving η
    /// halves it (ratio 2 ± 0.4), and at η = 2e-4 it is below 1e-2.
    @Test func gradientDescentApproachesFlow() throws {
        let network = try DiagonalLinearNetwork(depth: 2, alpha: 0.3, shape: Self.ones)
        let dual = try ImplicitBiasDual.solve(network, data: Self.data)
        let coarse = try DiagonalNetworkFlow.gradientDescent(network, data: Self.data, step: 4e-4)
        let fine = try DiagonalNetworkFlow.gradientDescent(network, data: Self.data, step: 2e-4)
        let e1 = Self.relative(coarse.beta, dual.beta), e2 = Self.relative(fine.beta, dual.beta)
        #expect(e2 < 1e-2 && e2 > 0)
        #expect(abs(e1 / e2 - 2) <= 0.4, "GD gaps \(e1) at η, \(e2) at η/2")
        #expect(throws: NumericalError.self) { try DiagonalNetworkFlow.gradientDescent(network, data: Self.data, step: 1) }
    }

    /// Bad input: targets no β interpolates (N > d), α ≤ 0, NaN, shapes that disagree, D = 1,
    /// rank-deficient X, all-zero y.
    @Test func badInput() throws {
        let tall = try RegressionData.sparse(dimension: 5, samples: 12, sparsity: 2, noise: 0.5, seed: 1)
        #expect(throws: NumericalError.self) { try ImplicitBiasProblem(data: tall) }
        #expect(throws: NumericalError.self) { try DiagonalLinearNetwork(depth: 2, alpha: 0, shape: Self.ones) }
        #expect(throws: NumericalError.self) { try DiagonalLinearNetwork(depth: 2, alpha: -1, shape: Self.ones) }
        #expect(throws: NumericalError.self) { try DiagonalLinearNetwork(depth: 2, alpha: .nan, shape: Self.ones) }
        #expect(throws: NumericalError.self) { try DiagonalLinearNetwork(depth: 1, alpha: 1, shape: Self.ones) }
        var x = Self.data.design
        x[3, 4] = .nan
        #expect(throws: NumericalError.self) { try RegressionData(design: x, targets: Self.data.targets) }
        #expect(throws: NumericalError.self) { try RegressionData(design: Self.data.design, targets: [1, 2, 3]) }
        #expect(throws: NumericalError.self) { try RegressionData(design: Self.data.design, targets: [Double](repeating: 0, count: 20)) }
        var duplicated = Self.data.design
        for j in 0..<40 { duplicated[1, j] = duplicated[0, j] }
        var y = Self.data.targets
        y[1] = y[0]
        #expect(throws: NumericalError.self) { try ImplicitBiasProblem(data: RegressionData(design: duplicated, targets: y)) }
        let network = try DiagonalLinearNetwork(depth: 2, alpha: 1, shape: [1, 1])
        #expect(throws: NumericalError.self) { try ImplicitBiasDual.solve(network, data: Self.data) }
    }

    /// `.npy` (C and Fortran order, float64 and float32) and `.csv` (with a header) give the same
    /// 2 × 3 matrix; a corrupt `.npy`, a ragged or non-numeric CSV and a missing file are refused.
    @Test func matrixFiles() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("implicit-bias-files-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        func npy(_ name: String, descr: String, fortran: Bool, _ values: [Double]) throws -> String {
            var header = "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': (2, 3), }"
            while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
            header += "\n"
            var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 255), UInt8(header.utf8.count >> 8)] + Array(header.utf8)
            for v in values {
                if descr == "<f8" { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
                else { withUnsafeBytes(of: Float(v).bitPattern.littleEndian) { bytes += $0 } }
            }
            let path = folder.appendingPathComponent(name).path
            FileManager.default.createFile(atPath: path, contents: Data(bytes))
            return path
        }
        let expected: [Double] = [1, 2, 3, 4, 5, 6.5]
        let c = try MatrixFile.read(try npy("c.npy", descr: "<f8", fortran: false, expected))
        let f = try MatrixFile.read(try npy("f.npy", descr: "<f8", fortran: true, [1, 4, 2, 5, 3, 6.5]))
        let single = try MatrixFile.read(try npy("s.npy", descr: "<f4", fortran: false, expected))
        let csvPath = folder.appendingPathComponent("m.csv").path
        try "a,b,c\n1,2,3\n\n4, 5, 6.5\n".write(toFile: csvPath, atomically: true, encoding: .utf8)
        let csv = try MatrixFile.read(csvPath)
        for m in [c, f, single, csv] { #expect(m.rows == 2 && m.columns == 3 && m.values == expected) }
        #expect(try c.matrix[1, 2] == 6.5)
        let corrupt = folder.appendingPathComponent("bad.npy").path
        FileManager.default.createFile(atPath: corrupt, contents: Data([0x93, 0x4E, 0x55]))
        #expect(throws: NumericalError.self) { try MatrixFile.read(corrupt) }
        let ragged = folder.appendingPathComponent("ragged.csv").path
        try "1,2,3\n4,5\n".write(toFile: ragged, atomically: true, encoding: .utf8)
        #expect(throws: NumericalError.self) { try MatrixFile.read(ragged) }
        let words = folder.appendingPathComponent("words.csv").path
        try "1,2\n3,x\n".write(toFile: words, atomically: true, encoding: .utf8)
        #expect(throws: NumericalError.self) { try MatrixFile.read(words) }
        #expect(throws: NumericalError.self) { try MatrixFile.read(folder.appendingPathComponent("missing.npy").path) }
    }
}
