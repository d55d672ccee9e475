import Foundation
import Testing
@testable import FreeSpectra

/// The layer-by-layer mean field: trajectories q^l, fixed points and where the iteration goes,
/// the phase and the depth scales ξ_q, ξ_c. Each against a second witness: a closed form
/// (homogeneous φ), an asymptotic law (tanh at σ_w = 1), brute-force iteration, the measured
/// rate of approach, or an independent Gauss–Hermite quadrature.
@Suite struct MeanFieldDynamicsTests {
    /// ReLU: q¹ = σ_w² Q0 + σ_b², q^{l+1} = (σ_w²/2) q^l + σ_b² exactly; at σ_b = 0 the trajectory
    /// leaves Double's range and stays exact in log10Q (σ_w = 3, L = 1000: q^L = 9·4.5^999).
    @Test func homogeneousTrajectoryIsTheClosedForm() throws {
        let relu = try LeakyReLU(slope: 0)
        for (w, b) in [(1.2, 0.0), (1.5, 0.3), (3.0, 0.0)] {
            let path = try MeanField(activation: relu, sigmaW: w, sigmaB: b).trajectory(inputLength: 0.7, depth: 40)
            var q = w * w * 0.7 + b * b
            for l in 0..<40 {
                #expect(abs(path.q[l] - q) <= 1e-13 * q, "σ_w = \(w), σ_b = \(b), layer \(l + 1)")
                #expect(abs(path.chi[l] - w * w / 2) <= 1e-12)
                q = w * w / 2 * q + b * b
            }
        }
        let deep = try MeanField(activation: relu, sigmaW: 3, sigmaB: 0).trajectory(inputLength: 1, depth: 1000)
        #expect(deep.q.last == .infinity)
        #expect(abs(deep.log10Q.last! - (999 * log10(4.5) + log10(9))) <= 1e-9 * 653)
    }

    /// tanh at σ_w = 1, σ_b = 0: 𝓛(q) = q − 2q² + (17/3)q³ + …, so 1/q^l = 2l − (5/6) ln l + O(1):
    /// q^l shrinks like 1/(2l) (the finding: it was reported as diverging). 2l q^l at l = 1000 is
    /// 1 within (5/12) ln l/l + O(1/l) ≈ 0.004.
    @Test func tanhAtUnitSigmaShrinksLikeOneOverTwoL() throws {
        let field = try MeanField(activation: Tanh(), sigmaW: 1, sigmaB: 0)
        #expect(try field.fixedPoint(from: 1) == .stable(0))
        let path = try field.trajectory(inputLength: 1, depth: 1000)
        for l in 1..<1000 { #expect(path.q[l] < path.q[l - 1]) }
        #expect(abs(2 * 1000 * path.q[999] - 1) < 0.01, "2L q^L = \(2 * 1000 * path.q[999])")
        // 1/q^l − 2l grows like −(5/6) ln l: its increments between l = 500 and 1000 match.
        let drift = (1 / path.q[999] - 2000) - (1 / path.q[499] - 1000)
        #expect(abs(drift - (-5.0 / 6) * log(2)) < 0.05, "drift \(drift)")
    }

    /// The fixed point reached from q¹ against 3000 plain iterations of the length map.
    @Test(arguments: [("tanh", 1.3, 0.0), ("tanh", 2.0, 0.5), ("erf", 1.1, 0.05), ("sigmoid", 1.0, 0.0), ("gelu", 1.2, 0.1)])
    func fixedPointMatchesIteration(name: String, sigmaW: Double, sigmaB: Double) throws {
        let field = try MeanField(activation: try Activations.named(name), sigmaW: sigmaW, sigmaB: sigmaB)
        guard case .stable(let qStar) = try field.fixedPoint(from: 1) else { Issue.record("\(name): no stable fixed point"); return }
        var q = 1.0
        for _ in 0..<3000 { q = try field.lengthMap(q) }
        #expect(abs(q - qStar) <= 1e-9 * qStar, "\(name): \(q) vs \(qStar)")
        #expect(try field.fixedPoints().contains { abs($0.q - qStar) <= 1e-9 * qStar && $0.stable })
    }

    /// Where q^l goes for homogeneous φ: g = σ_w² E[φ(h)²] < 1 shrinks (σ_b = 0) or converges,
    /// g = 1 is marginal, g > 1 diverges — at every σ_w, not only √2 (the findings: ReLU at
    /// σ_w = 1.2 raised an internal error, 1.35…1.4142 claimed divergence).
    @Test func homogeneousLimits() throws {
        let relu = try LeakyReLU(slope: 0)
        for w in [0.5, 1.0, 1.2, 1.3, 1.35, 1.4142] {
            #expect(try MeanField(activation: relu, sigmaW: w, sigmaB: 0).fixedPoint() == .stable(0), "σ_w = \(w)")
        }
        #expect(try MeanField(activation: relu, sigmaW: 2.squareRoot(), sigmaB: 0).fixedPoint() == .marginal)
        #expect(try MeanField(activation: relu, sigmaW: 1.5, sigmaB: 0).fixedPoint() == .divergent)
        let b = 0.3, w = 1.2
        guard case .stable(let q) = try MeanField(activation: relu, sigmaW: w, sigmaB: b).fixedPoint() else { Issue.record("no q*"); return }
        #expect(abs(q - b * b / (1 - w * w / 2)) <= 1e-13 * q)
    }

    /// ξ_q = −1/log 𝓛′(q*) against the measured rate (q^{l+1} − q*)/(q^l − q*) of a trajectory.
    @Test func depthScaleOfLengthMatchesTheTrajectory() throws {
        let field = try MeanField(activation: Tanh(), sigmaW: 1.3, sigmaB: 0.1)
        let analysis = try field.analysis(inputLength: 1)
        guard case .stable(let qStar) = analysis.limit, let xi = analysis.depthScaleQ else { Issue.record("no limit"); return }
        let path = try field.trajectory(inputLength: 1, depth: 30)
        let rate = (path.q[20] - qStar) / (path.q[19] - qStar)
        #expect(abs(rate - exp(-1 / xi)) < 1e-4, "rate \(rate) vs e^{−1/ξ_q} = \(exp(-1 / xi))")
    }

    /// Phases and ξ_c: ordered tanh has c* = 1 and ξ_c = −1/log χ; chaotic tanh has c* < 1 with
    /// map(c*) = c*, checked by an independent 80 × 80 Gauss–Hermite quadrature of the map and its
    /// slope; ReLU at σ_b = 0 has ξ_c = ∞ at every σ_w.
    @Test func phasesAndCorrelationDepthScale() throws {
        let ordered = try MeanField(activation: Tanh(), sigmaW: 0.9, sigmaB: 0.3).analysis()
        #expect(ordered.phase == .ordered)
        #expect(ordered.correlationFixedPoint == 1)
        #expect(abs(ordered.depthScaleC! - (-1 / log(ordered.chi!))) < 1e-9)

        for (w, b) in [(1.8, 0.0), (2.5, 0.4)] {
            let field = try MeanField(activation: Tanh(), sigmaW: w, sigmaB: b)
            let chaotic = try field.analysis()
            #expect(chaotic.phase == .chaotic)
            guard case .stable(let q) = chaotic.limit, let c = chaotic.correlationFixedPoint, let xi = chaotic.depthScaleC else {
                Issue.record("σ_w = \(w): no c*"); continue
            }
            #expect(c >= 0 && c < 1)
            let (map, slope) = try Self.hermiteCorrelationMap(w: w, b: b, q: q, c: c)
            // ξ_c = −1/log χ_c amplifies an error in χ_c by 1/(χ_c |log χ_c|): compare χ_c itself.
            #expect(abs(map - c) < 1e-10, "σ_w = \(w): map(c*) − c* = \(map - c)")
            #expect(abs(exp(-1 / xi) - slope) < 1e-10, "χ_c \(exp(-1 / xi)) vs \(slope)")
        }
        let critical = try MeanField(activation: Tanh(), sigmaW: 1, sigmaB: 0).analysis()
        #expect(critical.phase == .critical)   // q^l → 0 where χ → σ_w² φ′(0)² = 1
        #expect(critical.depthScaleQ == .infinity)
        for w in [1.0, 2.squareRoot(), 2.0] {
            let relu = try MeanField(activation: LeakyReLU(slope: 0), sigmaW: w, sigmaB: 0).analysis()
            #expect(relu.depthScaleC == .infinity)
            #expect(relu.phase == (w < 1.414 ? .ordered : w > 1.415 ? .chaotic : .critical))
        }
    }

    /// The tanh correlation map and its slope at c by a composite 8-point Gauss–Legendre rule on
    /// 240 panels of [−12, 12] in each variable (panel width 0.1 against a distance ≥ 0.7 of the
    /// integrand's poles from the real axis: exact to rounding; the Gaussian mass beyond ±12 is
    /// 1e-32), independent of the library's nested adaptive GSL quadrature. (A 250-point
    /// Gauss–Hermite rule errs by 3e-9 here: sech²(√q z) is nearly a spike at q = 4.)
    static func hermiteCorrelationMap(w: Double, b: Double, q: Double, c: Double) throws -> (Double, Double) {
        let rule = GaussLegendreRule(points: 8)
        var nodes: [Double] = [], weights: [Double] = []
        let panels = 240, width = 24.0 / Double(panels)
        for p in 0..<panels {
            let mid = -12 + (Double(p) + 0.5) * width
            for (t, omega) in zip(rule.nodes, rule.weights) {
                let z = mid + 0.5 * width * t
                nodes.append(z)
                weights.append(0.5 * width * omega * exp(-0.5 * z * z) / (2 * Double.pi).squareRoot())
            }
        }
        let r = (1 - c * c).squareRoot(), s = q.squareRoot()
        var k = 0.0, d = 0.0
        for i in nodes.indices {
            let u1 = s * nodes[i], t1 = tanh(u1), s1 = 1 / cosh(u1)
            var ki = 0.0, di = 0.0
            for j in nodes.indices {
                let u2 = s * (c * nodes[i] + r * nodes[j])
                let s2 = 1 / cosh(u2)
                ki += weights[j] * tanh(u2)
                di += weights[j] * s2 * s2
            }
            k += weights[i] * t1 * ki
            d += weights[i] * s1 * s1 * di
        }
        return ((w * w * k + b * b) / q, w * w * d)
    }
}
