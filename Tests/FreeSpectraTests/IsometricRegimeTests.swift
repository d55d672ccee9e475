import ComplexModule
import Foundation
import Testing
@testable import FreeSpectra

/// Orthogonal hard-tanh at small q* (issue 15), where D² is Bernoulli with 1 − p = δ =
/// erfc(1/√(2q*)) between 1e-15 and 1e-5: J Jᵀ is an atom δ at 0, an atom 1 − Lδ at σ_w^{2L},
/// and a continuous part of mass (L − 1)δ at the scale δσ_w^{2L} near 0. Every witness here is
/// independent of the engine's walk:
///
/// - the atoms and the continuous mass (Belinschi's rule, exact in δ);
/// - the continuous edge from the exact equation of the product in ν = (1 + w)/δ: with
///   S_{JJᵀ} = σ^{−2L}((1 + w)/(w + p))^L, z = σ^{2L} δ (ν − 1)^L/(ν^{L−1}(δν − 1)), whose critical
///   point on ν < 0 solves −L/(1 − ν) − (L − 1)/ν + δ/(1 − δν) = 0 (Brent);
/// - the continuous part's first two moments as exact series in δ: from m₁ = σ^{2L}p^L and
///   m₂/m₁² = 1 + Lδ/p, C₁ = σ^{2L} Σ_{k≥2} C(L,k)(−δ)^k and
///   C₂ = σ^{4L} Σ_{k≥3} (−1)^k [C(2L−1,k) − (L − 1)C(2L−1,k−1)] δ^k (the atoms' parts cancel
///   exactly up to k = 1, resp. 2);
/// - at L = 2, the law of two free projections of trace p: continuous density
///   √(x(c − x))/(2π x(1 − x)) on [0, c], c = 4p(1 − p), in units of σ_w⁴.
@Suite struct OrthogonalHardTanhAtSmallQStarTests {
    struct Case {
        let model: JacobianSpectrum
        let product: FreeMultiplicativeProduct
        let delta: Double
        let logSigma2: Double
        let depth: Int
        init(qStar: Double, depth: Int) throws {
            model = try JacobianSpectrum(activation: HardTanh(), weights: .orthogonal, depth: depth, point: .critical(qStar: qStar))
            product = model.product
            delta = erfc(1 / (2 * qStar).squareRoot())
            logSigma2 = 2 * log(model.meanField.sigmaW)
            self.depth = depth
        }

        /// λ_e/σ_w^{2L} from the critical point of log z(ν) on ν < 0.
        func exactEdge() throws -> Double {
            let L = Double(depth), d = delta
            let slope: (Double) -> Double = { nu in -L / (1 - nu) - (L - 1) / nu + d / (1 - d * nu) }
            let nu = try RootFinding.brent(slope, in: -10 * L, -1e-3, relativeTolerance: 1e-15)
            return d * exp(L * log(1 - nu) - (L - 1) * log(-nu) - log(1 - d * nu))
        }

        /// C₁/σ^{2L} and C₂/σ^{4L} (see the suite's comment), for a given δ.
        static func continuousMoments(depth: Int, delta d: Double) -> (Double, Double) {
            func binomial(_ n: Int, _ k: Int) -> Double {
                k < 0 || k > n ? 0 : (0..<k).reduce(1.0) { $0 * Double(n - $1) / Double($1 + 1) }
            }
            let L = depth
            var c1 = 0.0, c2 = 0.0
            // Terms fall like (2Lδ)^k: 40 of them are far below rounding for Lδ ≤ 1e-2.
            for k in 2...40 {
                let sign = k % 2 == 0 ? 1.0 : -1.0
                c1 += sign * binomial(L, k) * pow(d, Double(k))
                if k >= 3 { c2 += sign * (binomial(2 * L - 1, k) - Double(L - 1) * binomial(2 * L - 1, k - 1)) * pow(d, Double(k)) }
            }
            return (c1, c2)
        }
    }

    @Test(arguments: [1.0 / 64, 0.02, 0.03, 0.04, 0.05], [2, 16, 128, 1000])
    func atomsEdgeMassAndMoments(qStar: Double, depth: Int) throws {
        let c = try Case(qStar: qStar, depth: depth)
        let L = Double(depth), delta = c.delta
        let context = "q* = \(qStar), L = \(depth)"
        // Atoms: exact in δ (erfc to ~1 ulp, the deficits summed, not subtracted).
        let atoms = c.product.atoms
        #expect(atoms.count == 2, "\(context): \(atoms)")
        #expect(atoms[0].location == 0 && abs(atoms[0].mass / delta - 1) <= 1e-14, "\(context): zero atom \(atoms[0].mass) vs \(delta)")
        #expect(abs(atoms[1].mass - (1 - L * delta)) <= 1e-15, "\(context): top atom \(atoms[1].mass)")
        #expect(abs(log(atoms[1].location) - L * c.logSigma2) <= 1e-13 * max(1, L * c.logSigma2), "\(context): top atom at \(atoms[1].location)")
        #expect(abs(c.product.continuousMass / ((L - 1) * delta) - 1) <= 1e-13, "\(context): continuous mass \(c.product.continuousMass)")

        let analysis = try SpectrumAnalysis(product: c.product)
        // The continuous edge: Brent to 1e-15 in ν, where λ is stationary; the engine's edge is
        // a secant/Brent root of d log z/dw to ~1e-15: 1e-10 relative.
        let edge = try c.exactEdge()
        #expect(abs(exp(analysis.edge.logLocation - L * c.logSigma2) / edge - 1) <= 1e-10, "\(context): edge \(exp(analysis.edge.logLocation - L * c.logSigma2)) vs \(edge)")

        // The continuous part: its mass (Gauss–Legendre on the skeleton, ~1e-11 relative) and
        // first two moments against the series in δ, 1e-8 and 1e-6 (C₂ weights the square-root
        // edge more; both are far inside what a wrong location or shape would give: δ off by
        // 0.1 % moves C₁ by 0.2 %).
        let (mass, moments) = try analysis.densityMoments(count: 2, logFirstMoment: L * c.logSigma2)
        let (c1, c2) = Case.continuousMoments(depth: depth, delta: delta)
        #expect(abs(mass / ((L - 1) * delta) - 1) <= 1e-9, "\(context): ∫ρ = \(mass) vs \((L - 1) * delta)")
        #expect(abs(moments[0] / c1 - 1) <= 1e-8, "\(context): C₁ = \(moments[0]) vs \(c1)")
        #expect(abs(moments[1] / c2 - 1) <= 1e-6, "\(context): C₂ = \(moments[1]) vs \(c2)")

        // The whole law against the exact S-transform series: mass 1 ± 1e-12, m₁ … m₄ to 1e-6.
        let (logM1, normalized) = try c.product.normalizedMoments(count: 4)
        let (_, all) = try analysis.densityMoments(count: 4, logFirstMoment: logM1)
        let total = mass + atoms.reduce(0) { $0 + $1.mass }
        #expect(abs(total - 1) <= 1e-12, "\(context): total mass \(total)")
        for k in 0..<4 {
            let atomPart = atoms[1].mass * exp(Double(k + 1) * (log(atoms[1].location) - logM1))
            #expect(abs(all[k] + atomPart - normalized[k]) <= 1e-6 * normalized[k], "\(context): m\(k + 1)")
        }
    }

    /// The comparisons above can fail: the same witnesses with δ off by 0.1 % (an atom mass
    /// from 1 − erf would be off by far more at these q*) or one layer too few disagree with the
    /// engine by far more than their tolerances.
    @Test func theWitnessesCatchAWrongInput() throws {
        let c = try Case(qStar: 0.02, depth: 16)
        let analysis = try SpectrumAnalysis(product: c.product)
        let (_, moments) = try analysis.densityMoments(count: 2, logFirstMoment: 16 * c.logSigma2)
        let (wrongDelta, _) = Case.continuousMoments(depth: 16, delta: 1.001 * c.delta)
        let (wrongDepth, _) = Case.continuousMoments(depth: 15, delta: c.delta)
        #expect(abs(moments[0] / wrongDelta - 1) > 100 * 1e-8)
        #expect(abs(moments[0] / wrongDepth - 1) > 100 * 1e-8)
        let wrongEdge = try Case(qStar: 0.02, depth: 15).exactEdge()
        #expect(abs(exp(analysis.edge.logLocation - 16 * c.logSigma2) / wrongEdge - 1) > 100 * 1e-10)
    }

    /// Two layers: the law of two free projections (see the suite's comment), λρ(λ) =
    /// √(x(c − x))/(2π(1 − x)) at λ = σ_w⁴x, down to 1e-6 of the edge. Newton converges to
    /// rounding in v = 1 + w (|v| ~ δ): 1e-9 relative.
    @Test(arguments: [1.0 / 64, 0.02, 0.04])
    func twoLayersAreTwoFreeProjections(qStar: Double) throws {
        let c = try Case(qStar: qStar, depth: 2)
        let p = erf(1 / (2 * qStar).squareRoot())
        let width = 4 * p * c.delta
        let analysis = try SpectrumAnalysis(product: c.product)
        let xs = [0.9, 0.5, 0.1, 1e-3, 1e-6].map { $0 * width }
        let points = try c.product.evaluate(descendingLogX: xs.map { log($0) + 2 * c.logSigma2 }, edge: analysis.edge)
        for (x, point) in zip(xs, points) {
            let exact = (x * (width - x)).squareRoot() / (2 * .pi * (1 - x))
            #expect(abs(point.logDensity / exact - 1) <= 1e-9, "q* = \(qStar): λρ at x = \(x / width) c: \(point.logDensity) vs \(exact)")
        }
    }

    /// The continuous part's closed-form tail below the top atom (`TopAtomTail`) against the
    /// density integrated from the edge down (Gauss–Legendre on 400 panels graded towards the
    /// square-root edge, independent of the closed form): 1e-9 of the continuous mass. The
    /// general closed form resolves this tail only to ~L ε/((L − 1)δ) = 1e-5 here.
    @Test func continuousTailBelowTheTopAtomMatchesTheIntegratedDensity() throws {
        let c = try Case(qStar: 0.02, depth: 16)
        let analysis = try SpectrumAnalysis(product: c.product)
        let top = analysis.edge.logLocation
        let rule = GaussLegendreRule(points: 8)
        let continuous = c.product.continuousMass
        for depthBelow in [0.05, 0.5, 2.0, 8.0] {
            // t = top − s², panels uniform in s.
            let sMax = depthBelow.squareRoot(), panels = 400
            var nodes: [(t: Double, weight: Double)] = []
            for j in 0..<panels {
                let a = sMax * Double(j) / Double(panels), b = sMax * Double(j + 1) / Double(panels)
                for (x, w) in zip(rule.nodes, rule.weights) {
                    let s = a + 0.5 * (b - a) * (x + 1)
                    nodes.append((top - s * s, 0.5 * (b - a) * w * 2 * s))
                }
            }
            let values = try c.product.evaluate(descendingLogX: nodes.map(\.t), edge: analysis.edge, includeCDF: false)
            let integrated = zip(nodes, values).reduce(0) { $0 + $1.0.weight * $1.1.logDensity }
            let closed = try c.product.evaluate(descendingLogX: [top - depthBelow], edge: analysis.edge)[0].continuousTail
            #expect(abs(closed - integrated) <= 1e-9 * continuous, "tail at t_e − \(depthBelow): \(closed) vs ∫ \(integrated)")
        }
    }
}

/// Concentrated slope laws (q* from 1e-6 down to 1e-16) with orthogonal weights: J Jᵀ is
/// concentrated within ~√L ε of its mean, ε the relative spread of D² (~q for tanh, erf,
/// sigmoid; ~√q for GELU, SiLU). Its moments m_k/m₁^k are 1 to within 1e-30 there, so the
/// witnesses are the exact central moments, kept in small variables. With X = D²/E D² − 1,
/// v = E X², s = E X³, the S-transform of 1 + X is 1 − v w + (2v² − s) w² + O(w³), so
/// log S adds −v w + (3v²/2 − s) w² per layer, and the product has
///
///     Var λ/(E λ)² = Σ_l v_l,   E(λ − E λ)³/(E λ)³ = Σ_l s_l + (3/2)((Σ v_l)² − Σ v_l²)
///
/// (orthogonal weights add nothing). v and s come from GSL on the real line of the slope's own
/// small-x series (`deviation`, written out here, independent of the library's
/// `SlopeDeviation`), in units of the spread so GSL's absolute tolerance does not bite; the
/// engine's side is its density integrated in x = λ/λ_e − 1 = expm1(t − t_e), on 8-point
/// Gauss–Legendre panels four to each interval of the skeleton (whose points only mark where
/// the density turns: the lower edge of these laws sits inside their range, with a Gaussian
/// tail of ~1e-9 of the mass below it), with t = t_e − s² on the interval at the upper edge.
@Suite struct ConcentratedSlopeLawTests {
    /// φ′(x)/φ′(0) − 1 by its Taylor series, good to ~x⁸ (|x| ≤ 9√q ≤ 1e-2 here).
    static func deviation(_ name: String, _ x: Double) -> Double {
        let x2 = x * x
        switch name {
        case "tanh": return -x2 + (2.0 / 3) * x2 * x2 - (17.0 / 45) * x2 * x2 * x2            // sech² x − 1
        case "erf": return -x2 + x2 * x2 / 2 - x2 * x2 * x2 / 6                             // e^{−x²} − 1
        case "sigmoid": let z2 = x2 / 4; return -z2 + (2.0 / 3) * z2 * z2 - (17.0 / 45) * z2 * z2 * z2  // −tanh²(x/2)
        case "gelu": return (2 / Double.pi).squareRoot() * (2 * x - (2.0 / 3) * x * x2 + 0.15 * x * x2 * x2)  // erf(x/√2) + 2xϕ(x)
        default: let z = x / 2; return 2 * z - (4.0 / 3) * z * z * z + 0.8 * z * z * z * z * z        // SiLU: tanh z + z sech² z
        }
    }

    /// v and s of X = D²/E D² − 1 at q (GSL, in units of the spread).
    static func slopeMoments(_ name: String, q: Double) throws -> (v: Double, s: Double) {
        let spread = ["gelu", "silu"].contains(name) ? q.squareRoot() : q
        let sq = q.squareRoot()
        func y(_ h: Double) -> Double { let d = deviation(name, sq * h); return d * (2 + d) / spread }
        let mean = try Quadrature.gaussianExpectation({ y($0) })
        let c2 = try Quadrature.gaussianExpectation({ let d = y($0) - mean; return d * d })
        let c3 = try Quadrature.gaussianExpectation({ let d = y($0) - mean; return d * d * d })
        let scale = spread / (1 + spread * mean)
        return (c2 * scale * scale, c3 * scale * scale * scale)
    }

    /// The engine's Var λ/(Eλ)² and E(λ − Eλ)³/(Eλ)³ (see the suite's comment).
    static func engineMoments(_ product: FreeMultiplicativeProduct) throws -> (variance: Double, third: Double, mass: Double) {
        let analysis = try SpectrumAnalysis(product: product)
        let top = analysis.edge.logLocation
        let rule = GaussLegendreRule(points: 8)
        var nodes: [(t: Double, weight: Double)] = []
        var upper = top
        for (i, point) in analysis.skeleton.enumerated() {
            for j in 0..<4 {
                let a = upper - (upper - point.logX) * Double(j) / 4, b = upper - (upper - point.logX) * Double(j + 1) / 4
                for (x, w) in zip(rule.nodes, rule.weights) {
                    if i == 0 {
                        // s from √(t_e − a) to √(t_e − b).
                        let sa = (top - a).squareRoot(), sb = (top - b).squareRoot()
                        let s = sa + 0.5 * (sb - sa) * (x + 1)
                        nodes.append((top - s * s, 0.5 * (sb - sa) * w * 2 * s))
                    } else {
                        nodes.append((b + 0.5 * (a - b) * (x + 1), 0.5 * (a - b) * w))
                    }
                }
            }
            upper = point.logX
        }
        nodes.sort { $0.t > $1.t }
        let values = try product.evaluate(descendingLogX: nodes.map(\.t), edge: analysis.edge, includeCDF: false)
        var mass = 0.0, m1 = 0.0
        for (n, p) in zip(nodes, values) { mass += n.weight * p.logDensity; m1 += n.weight * p.logDensity * expm1(n.t - top) }
        let mean = m1 / mass
        var c2 = 0.0, c3 = 0.0
        for (n, p) in zip(nodes, values) {
            let d = expm1(n.t - top) - mean
            c2 += n.weight * p.logDensity * d * d
            c3 += n.weight * p.logDensity * d * d * d
        }
        let scale = 1 / (1 + mean)
        return (c2 / mass * scale * scale, c3 / mass * scale * scale * scale, mass)
    }

    static func product(_ name: String, q: Double, depth: Int) throws -> FreeMultiplicativeProduct {
        let phi = try Activations.named(name)
        let law = try DerivativeSquaredLaw(activation: phi, q: q)
        return try FreeMultiplicativeProduct(weights: .orthogonal(sigmaW: 1 / phi.derivative(0)), slopes: law, depth: depth)
    }

    /// Mass 1 ± 1e-9; the variance to 1e-6 and the third central moment to 1e-4 (it is the
    /// small difference of its two terms for GELU and SiLU; floor 1e-6 of Var^{3/2}).
    @Test(arguments: ["tanh", "erf", "sigmoid", "gelu", "silu"], [1e-6, 1e-10, 1e-16])
    func centralMomentsMatchTheSTransform(name: String, q: Double) throws {
        for depth in [2, 30, 1000] {
            let product = try Self.product(name, q: q, depth: depth)
            let (v, s) = try Self.slopeMoments(name, q: q)
            let L = Double(depth)
            let exactVariance = L * v, exactThird = L * s + 1.5 * L * (L - 1) * v * v
            let engine = try Self.engineMoments(product)
            let context = "\(name) q = \(q) L = \(depth)"
            #expect(abs(engine.mass - 1) <= 1e-9, "\(context): mass \(engine.mass)")
            #expect(abs(engine.variance / exactVariance - 1) <= 1e-6, "\(context): Var \(engine.variance) vs \(exactVariance)")
            #expect(abs(product.normalizedVariance / exactVariance - 1) <= 1e-6, "\(context): normalizedVariance \(product.normalizedVariance)")
            #expect(abs(engine.third - exactThird) <= 1e-4 * abs(exactThird) + 1e-6 * pow(exactVariance, 1.5),
                    "\(context): third \(engine.third) vs \(exactThird)")
        }
    }

    /// The comparison can fail: one layer fewer in the witness (a 1/L error in the variance), or
    /// the slope law at 1.001 q, is far outside the tolerance.
    @Test func theWitnessCatchesAWrongInput() throws {
        let product = try Self.product("tanh", q: 1e-10, depth: 30)
        let engine = try Self.engineMoments(product)
        let (v, _) = try Self.slopeMoments("tanh", q: 1e-10), (vWrong, _) = try Self.slopeMoments("tanh", q: 1.001e-10)
        #expect(abs(engine.variance / (29 * v) - 1) > 1e3 * 1e-6)
        #expect(abs(engine.variance / (30 * vWrong) - 1) > 1e3 * 1e-6)
    }

    /// The law near and away from its support: M(u), M′(u) and 1 + M(u) at u = a(1 + ν) for ν
    /// from half the law's radius (inside the pole sum in offsets) to 30 radii (the series),
    /// off the axis by half a radius, against GSL of E[(1 + Y)/(ν − Y)], E[(1 + Y)/(ν − Y)²]/a and
    /// (1 + ν) E[1/(ν − Y)] in units of the spread (Y from `deviation`). 1e-8 relative: GSL's
    /// own tolerance near the support.
    @Test(arguments: ["tanh", "gelu"], [1e-8, 1e-14])
    func concentratedLawAgainstQuadrature(name: String, q: Double) throws {
        let phi = try Activations.named(name)
        let law = try DerivativeSquaredLaw(activation: phi, q: q)
        let c = try #require(law.concentration)
        let spread = name == "gelu" ? q.squareRoot() : q
        let sq = q.squareRoot()
        func y(_ h: Double) -> Double { let d = Self.deviation(name, sq * h); return d * (2 + d) / spread }
        for scale in [0.5, 2, 30] {
            let nuHat = Complex(scale * c.radius / spread, 0.5 * c.radius / spread)
            func expectation(_ f: @escaping (Double) -> Complex<Double>) throws -> Complex<Double> {
                Complex(try Quadrature.gaussianExpectation({ f($0).real }), try Quadrature.gaussianExpectation({ f($0).imaginary }))
            }
            let m = try expectation { h in (1 + Complex(spread * y(h))) / (nuHat - Complex(y(h))) } / Complex(spread)
            let dm = try expectation { h in let r = 1 / (nuHat - Complex(y(h))); return (1 + Complex(spread * y(h))) * r * r } / Complex(spread * spread)
            let g = try expectation { h in 1 / (nuHat - Complex(y(h))) } / Complex(spread)
            let nu = nuHat * Complex(spread)
            let r = law.transform(Complex(c.center) * (1 + nu), offset: nu)
            let context = "\(name) q = \(q), ν = \(scale) radius"
            #expect((r.value - m).length <= 1e-8 * m.length, "\(context): M \(r.value) vs \(m)")
            #expect((r.derivative + dm / Complex(c.center)).length <= 1e-8 * dm.length / c.center, "\(context): M′")
            #expect((r.complement - (1 + nu) * g).length <= 1e-8 * ((1 + nu) * g).length, "\(context): 1 + M")
        }
    }
}

/// A network with many slope laws: tanh with σ_b = 0, layer by layer at its own q^l (the length
/// map q^{l+1} = σ_w² E tanh(√q^l h)², σ_w = 0.9 from q¹ = 1 over 200 layers, down to 6e-20),
/// 200 distinct groups, the late ones concentrated far beyond Double's resolution of D². Mass
/// 1 ± 1e-9 and m₁…m₄ of the density against the S-transform series (1e-6), both ensembles.
@Suite struct ManySlopeLawsTests {
    @Test(arguments: [WeightGramLaw.gaussian(sigmaW: 0.9), .orthogonal(sigmaW: 0.9)])
    func tanhLayerByLayer(weights: WeightGramLaw) throws {
        var q = 1.0, layers: [(weights: WeightGramLaw, slopes: DerivativeSquaredLaw)] = []
        for _ in 0..<200 {
            layers.append((weights, try DerivativeSquaredLaw(activation: Tanh(), q: q)))
            let sq = q.squareRoot()
            q = 0.81 * (try Quadrature.gaussianExpectation({ h in let v = tanh(sq * h); return v * v }))
        }
        let product = try FreeMultiplicativeProduct(layers: layers)
        #expect(product.slopeGroups.count == 200)
        #expect(product.slopeGroups.filter { $0.law.concentration != nil }.count > 100)
        let analysis = try SpectrumAnalysis(product: product)
        let (logM1, normalized) = try product.normalizedMoments(count: 4)
        let (mass, moments) = try analysis.densityMoments(count: 4, logFirstMoment: logM1)
        #expect(abs(mass - 1) <= 1e-9, "mass \(mass)")
        for k in 0..<4 { #expect(abs(moments[k] / normalized[k] - 1) <= 1e-6, "m\(k + 1): \(moments[k]) vs \(normalized[k])") }
    }
}

/// Deep near-linear networks: the closed-form CDF is rounded to ~L ε, and the self-check's
/// monotonicity slack grows with L (16 L ε), so L = 1000 is answered instead of refused for
/// a CDF that steps back by 1e-12 to 2.2e-12. Witness: mass and moments against the series.
@Suite struct DeepNearLinearSelfCheckTests {
    @Test(arguments: [("tanh", 1e-4), ("tanh", 0.05), ("erf", 1e-3)])
    func answeredAtDepthAThousand(name: String, qStar: Double) throws {
        let model = try JacobianSpectrum(activation: try Activations.named(name), weights: .orthogonal, depth: 1000,
                                         point: .critical(qStar: qStar))
        let p = try model.predict(points: 200)
        #expect(abs(p.check.totalMass - 1) < 1e-9 && p.check.momentRelativeErrors.allSatisfy { $0 < 1e-9 },
                "\(name) q* = \(qStar): mass \(p.check.totalMass), moments \(p.check.momentRelativeErrors)")
        #expect(p.check.cdfDecrease <= DensityCheck.monotonicitySlack(depth: 1000))
    }
}
