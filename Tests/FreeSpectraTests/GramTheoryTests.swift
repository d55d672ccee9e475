import ComplexModule
import Foundation
import Testing
@testable import FreeSpectra

/// The Pennington–Worah law against independent witnesses: closed-form activation constants,
/// Marchenko–Pastur (ζ = 0), the product-Wishart cubic from Burda et al.'s S-transform
/// (η = ζ), closed-form moments vs the series vs the numeric density, mass balance with the
/// rank rule for the atom, G in the upper half-plane vs the Stieltjes integral of ρ, and G′ vs
/// finite differences. Tolerances are numerical (quadrature ~1e-10, tabulated CDF ~1e-8).
@Suite struct GramTheoryTests {
    static let relu = try! LeakyReLU(slope: 0)

    // MARK: Activation constants

    @Test func activationConstantsInClosedForm() throws {
        for s in [0.5, 1.0, 2.0] {
            // ReLU: E[max(sz,0)] = s/√(2π), E[max²] = s²/2, E[z max(sz,0)] = s/2.
            let r = try GramActivationMoments(activation: Self.relu, sigmaW: s, sigmaX: 1)
            #expect(abs(r.eta - s * s * (0.5 - 1 / (2 * .pi))) < 1e-12)
            #expect(abs(r.zeta - s * s / 4) < 1e-12)
            #expect(r.centred && abs(r.meanRemoved - s / (2 * Double.pi).squareRoot()) < 1e-12)
            // |x|: η = s²(1 − 2/π), ζ = 0. x²: mean s², η = 2s⁴, ζ = 0. Linear: η = ζ = s².
            let a = try GramActivationMoments(activation: try GramActivations.named("abs"), sigmaW: 1, sigmaX: s)
            #expect(abs(a.eta - s * s * (1 - 2 / .pi)) < 1e-12 && a.zeta < 1e-24)
            let q = try GramActivationMoments(activation: try GramActivations.named("square"), sigmaW: s, sigmaX: 1)
            #expect(abs(q.eta - 2 * pow(s, 4)) < 1e-10 && q.zeta < 1e-20 && abs(q.meanRemoved - s * s) < 1e-12)
            let l = try GramActivationMoments(activation: Linear(), sigmaW: s, sigmaX: 1)
            #expect(abs(l.eta - s * s) < 1e-12 && abs(l.zeta - s * s) < 1e-12 && !l.centred && l.meanRemoved == 0)
        }
        // tanh is centred; Stein's ζ agrees with (s E[f′])² from the derivative.
        let t = try GramActivationMoments(activation: Tanh(), sigmaW: 1.3, sigmaX: 0.9)
        let s = 1.3 * 0.9
        let direct = s * (try Quadrature.gaussianExpectation { Tanh().derivative(s * $0) })
        #expect(!t.centred && abs(t.zeta - direct * direct) < 1e-12)
        #expect(t.zeta < t.eta)
    }

    @Test func badInputThrows() throws {
        func invalid(_ body: () throws -> Void) -> Bool {
            do { try body(); return false } catch let e as NumericalError {
                if case .invalidArgument = e { return true }
                return false
            } catch { return false }
        }
        #expect(invalid { _ = try NonlinearGram(eta: 1, zeta: 0.5, phi: 0, psi: 1) })
        #expect(invalid { _ = try NonlinearGram(eta: 1, zeta: 0.5, phi: 1, psi: -1) })
        #expect(invalid { _ = try NonlinearGram(eta: .nan, zeta: 0.5, phi: 1, psi: 1) })
        #expect(invalid { _ = try NonlinearGram(eta: 1, zeta: 2, phi: 1, psi: 1) })
        #expect(invalid { _ = try NonlinearGram(activation: Tanh(), sigmaW: 0, phi: 1, psi: 1) })
        #expect(invalid { _ = try NonlinearGram(activation: Tanh(), sigmaX: -1, phi: 1, psi: 1) })
        #expect(invalid { _ = try NonlinearGram(activation: Tanh(), phi: .infinity, psi: 1) })
        #expect(invalid { _ = try GramActivations.named("softplus") })
        #expect(invalid { _ = try NonlinearGram(activation: CustomActivation(name: "const", value: { _ in 3 }, derivative: { _ in 0 }), phi: 1, psi: 1) })
        #expect(invalid { _ = try NonlinearGram(eta: 1, zeta: 0.5, phi: 1, psi: 1).trainingLoss(gamma: 0) })
        #expect(invalid { _ = try GramShape(phi: 1, psi: 1, width: 1) })
    }

    // MARK: Witness 1: ζ = 0 is Marchenko–Pastur(ratio φ/ψ, variance η)

    @Test(arguments: [(0.5, 0.8), (1.0, 1.0), (2.0, 0.5), (0.3, 1.2)])
    func zetaZeroIsMarchenkoPastur(phi: Double, psi: Double) throws {
        let eta = 1.7
        let law = try NonlinearGram(eta: eta, zeta: 0, phi: phi, psi: psi)
        let mp = try MarchenkoPastur(ratio: phi / psi, variance: eta)
        #expect(law.atoms == mp.atoms || (law.atoms.count == mp.atoms.count && abs(law.atoms[0].mass - mp.atoms[0].mass) < 1e-14))
        #expect(law.support.count == 1)
        #expect(abs(law.support[0].lowerBound - mp.lowerEdge) < 1e-9 * mp.upperEdge)
        #expect(abs(law.lambdaMax - mp.upperEdge) < 1e-9 * mp.upperEdge)
        for k in 1...6 { #expect(abs(law.moment(k) / mp.moment(k) - 1) < 1e-12) }
        let a = mp.lowerEdge, b = mp.upperEdge
        for i in 1..<40 {
            let x = a + (b - a) * Double(i) / 40
            #expect(abs(law.density(x) - mp.density(x)) < 1e-9 * max(1, mp.density(x)), "x \(x)")
            #expect(abs(law.cdf(x) - mp.cdf(x)) < 1e-8, "x \(x)")
        }
        // A wrong identification fails: ratio ψ/φ instead of φ/ψ (when they differ).
        if phi != psi {
            let wrong = try MarchenkoPastur(ratio: psi / phi, variance: eta)
            #expect(abs(law.moment(2) - wrong.moment(2)) > 0.1)
        }
    }

    // MARK: Witness 2: η = ζ is a product of two Wisharts

    /// Independently of the P equation: M = (ζ/m)WXXᵀWᵀ has S(w) = ζ⁻¹/((1 + w/ψ)(1 + wφ/ψ))
    /// (S of a product of rectangular Gaussians, Burda et al. 2010: factors 1/(1 + (n₁/n_i)w)
    /// with n₁/n₀ = 1/ψ, n₁/m = φ/ψ), so w = M(z) = zG − 1 solves the cubic
    /// ζ(1 + w)(1 + w/ψ)(1 + φw/ψ) − zw = 0, which has at most one complex pair on the real axis:
    /// ρ(x) = |Im w|/(πx) there, without any branch choice.
    @Test(arguments: [(0.5, 0.8), (1.0, 1.0), (2.0, 0.5), (0.4, 2.5)])
    func linearIsProductWishartCubic(phi: Double, psi: Double) throws {
        let zeta = 0.8
        let law = try NonlinearGram(eta: zeta, zeta: zeta, phi: phi, psi: psi)
        #expect(law.isLinear)
        // Atom: rank(WX) = min(n₀, n₁, m).
        let rank = min(psi, psi / phi)
        #expect(abs((law.atoms.first?.mass ?? 0) - max(0, 1 - rank)) < 1e-14)
        func cubic(_ x: Double) -> [Double] {
            let a = 1 / psi, b = phi / psi
            // ζ(1 + w)(1 + aw)(1 + bw) − xw in increasing degree.
            return [zeta, zeta * (1 + a + b) - x, zeta * (a + b + a * b), zeta * a * b]
        }
        let top = law.lambdaMax
        for i in 1..<60 {
            let x = top * Double(i) / 60
            let roots = try PolynomialRoots.roots(cubic(x))
            let pair = roots.first { abs($0.imaginary) > 1e-10 }
            let expected = pair.map { abs($0.imaginary) / (.pi * x) } ?? 0
            #expect(abs(law.density(x) - expected) < 1e-8 * max(1, expected), "φ \(phi) ψ \(psi) x \(x)")
            // The physical G solves the cubic.
            if pair != nil {
                let w = Complex(x) * law.cauchyTransform(Complex(x, 0)) - 1
                let c = cubic(x)
                let residual = ((Complex(c[3]) * w + Complex(c[2])) * w + Complex(c[1])) * w + Complex(c[0])
                #expect(residual.length < 1e-9 * (1 + w.length * w.length * w.length))
            }
        }
        // Moments of the product: m₂ = ζ²(1 + 1/ψ + φ/ψ) from S.
        #expect(abs(law.moment(2) - zeta * zeta * (1 + 1 / psi + phi / psi)) < 1e-13)
    }

    // MARK: Moments and mass

    /// The last three are erf's constants (η = (2/π) asin(2/3), ζ = 4/(3π)) at φ = ψ = 0.5 and
    /// ψ = 0.49 and a nonlinear φ = ψ = 0.6: at φ = ψ the degree-9 resultant of the edge search
    /// had a 6-fold root that Double split into two spurious real edges near 4e-7 (mass
    /// 1.0001, refused); with its exact factor δζR² removed they are gone.
    @Test(arguments: [(0.34, 0.25, 0.5, 0.8), (1.0, 0.3, 1.0, 1.0), (0.39, 0.37, 2.0, 0.5), (2.0, 1.5, 0.3, 3.0),
                      (2 / Double.pi * asin(2.0 / 3), 4 / (3 * Double.pi), 0.5, 0.5),
                      (2 / Double.pi * asin(2.0 / 3), 4 / (3 * Double.pi), 0.5, 0.49), (0.5, 0.25, 0.6, 0.6)])
    func momentsClosedFormSeriesAndDensity(eta: Double, zeta: Double, phi: Double, psi: Double) throws {
        let law = try NonlinearGram(eta: eta, zeta: zeta, phi: phi, psi: psi)
        let r = phi / psi, p = 1 / psi
        let closed = [
            eta,
            eta * eta * (1 + r) + zeta * zeta * p,
            pow(eta, 3) * (1 + 3 * r + r * r) + 3 * eta * zeta * zeta * (p + r * p) + pow(zeta, 3) * p * p,
            pow(eta, 4) * (1 + 6 * r + 6 * r * r + r * r * r)
                + zeta * zeta * eta * eta * (6 * p + 16 * r * p + 6 * r * r * p)
                + 4 * pow(zeta, 3) * eta * (p * p + r * p * p)
                + pow(zeta, 4) * (2 * p * p + 2 * r * p * p + p * p * p),
        ]
        for k in 1...4 {
            #expect(abs(law.moment(k) / closed[k - 1] - 1) < 1e-12, "m\(k)")
            // ∫ x^k ρ dx over the support by adaptive quadrature (the atom sits at 0).
            var numeric = 0.0
            for interval in law.support {
                numeric += try Quadrature.integrate({ pow($0, Double(k)) * law.density($0) },
                                                    from: interval.lowerBound, to: interval.upperBound,
                                                    absoluteTolerance: 0, relativeTolerance: 1e-10)
            }
            #expect(abs(numeric / closed[k - 1] - 1) < 1e-7, "numeric m\(k) = \(numeric) vs \(closed[k - 1])")
        }
        // Mass balance: density + atom = 1, the atom from the rank rule min(n₁, m)/n₁.
        #expect(abs(law.continuousMass + (law.atoms.first?.mass ?? 0) - 1) < 1e-8)
        #expect(abs((law.atoms.first?.mass ?? 0) - max(0, 1 - psi / phi)) < 1e-14)
        // The tabulated CDF against adaptive quadrature of ρ.
        for u in [0.1, 0.3, 0.5, 0.7, 0.9] {
            let interval = law.support[law.support.count - 1]
            let x = interval.lowerBound + u * (interval.upperBound - interval.lowerBound)
            var f = law.atoms.first?.mass ?? 0
            for piece in law.support where piece.lowerBound < x {
                f += try Quadrature.integrate(law.density, from: piece.lowerBound, to: min(x, piece.upperBound),
                                              absoluteTolerance: 0, relativeTolerance: 1e-11)
            }
            #expect(abs(law.cdf(x) - f) < 1e-8, "F(\(x))")
        }
    }

    /// The rank rule distinguishes linear and nonlinear f at the same shape: n₀ < n₁ < m
    /// (φ = 0.5, ψ = 0.8) has no atom for nonlinear f (rank min(n₁, m) = n₁) but an atom
    /// 1 − n₀/n₁ = 0.2 for linear f; a nearly linear f (δ = 1e-4) has no atom but puts ≈ 0.2
    /// of its mass near 0.
    @Test func atomRuleLinearVersusNonlinear() throws {
        let nonlinear = try NonlinearGram(eta: 1, zeta: 1 - 1e-4, phi: 0.5, psi: 0.8)
        let linear = try NonlinearGram(eta: 1, zeta: 1, phi: 0.5, psi: 0.8)
        #expect(nonlinear.atoms.isEmpty && abs(nonlinear.continuousMass - 1) < 1e-8)
        #expect(abs(linear.atoms[0].mass - 0.2) < 1e-14 && abs(linear.continuousMass - 0.8) < 1e-9)
        #expect(abs(nonlinear.cdf(0.01) - 0.2) < 0.01)
        // n₁ = m: a hard edge at 0 (ρ ~ 1/√x), no atom, full mass.
        let square = try NonlinearGram(eta: 0.5, zeta: 0.25, phi: 0.7, psi: 0.7)
        #expect(square.atoms.isEmpty && square.support[0].lowerBound == 0)
        #expect(abs(square.continuousMass - 1) < 1e-8)
        #expect(square.density(1e-6) > 10 * square.density(1e-4))
    }

    // MARK: The branch in the complex plane

    /// G from the continuation against the Stieltjes integral ∫ρ(x)/(z − x)dx + atom/z at
    /// points of the upper half-plane close to the support: a wrong branch anywhere on the path
    /// would show here. Also G′ against a central difference, and P = 1 + ηt + O(t²).
    @Test(arguments: [(0.34, 0.25, 0.5, 0.8), (0.39, 0.37, 2.0, 0.5), (1.0, 0.5, 1.0, 1.0)])
    func cauchyTransformMatchesStieltjesIntegral(eta: Double, zeta: Double, phi: Double, psi: Double) throws {
        let law = try NonlinearGram(eta: eta, zeta: zeta, phi: phi, psi: psi)
        let top = law.lambdaMax
        for z in [Complex(0.3 * top, 0.05 * top), Complex(0.8 * top, 0.02 * top), Complex(1.1 * top, 0.01 * top), Complex(-0.2 * top, 0.1 * top)] {
            var re = 0.0, im = 0.0
            for piece in law.support {
                re += try Quadrature.integrate({ x in law.density(x) * (z.real - x) / ((z.real - x) * (z.real - x) + z.imaginary * z.imaginary) },
                                               from: piece.lowerBound, to: piece.upperBound, absoluteTolerance: 1e-12, relativeTolerance: 1e-10)
                im += try Quadrature.integrate({ x in -law.density(x) * z.imaginary / ((z.real - x) * (z.real - x) + z.imaginary * z.imaginary) },
                                               from: piece.lowerBound, to: piece.upperBound, absoluteTolerance: 1e-12, relativeTolerance: 1e-10)
            }
            var stieltjes = Complex(re, im)
            if let atom = law.atoms.first { stieltjes = stieltjes + Complex(atom.mass) / z }
            let g = law.cauchyTransform(z)
            #expect((g - stieltjes).length < 1e-7 * stieltjes.length, "z \(z): \(g) vs \(stieltjes)")
            #expect(g.imaginary < 0)
            let h = 1e-5 * z.length
            let fd = (law.cauchyTransform(z + Complex(h)) - law.cauchyTransform(z - Complex(h))) / Complex(2 * h)
            #expect((law.cauchyTransformDerivative(z) - fd).length < 1e-6 * fd.length)
        }
        // P = (zG − 1 + ψ)/ψ at z = 1/(ψt), far above the support: 1 + ηt + O(t²).
        let t = 1e-4, z = 1 / (psi * t)
        let p = (z * law.cauchyTransform(Complex(z, 0)).real - 1 + psi) / psi
        let bound = 10 * t * t * (eta * eta * (phi + psi) + zeta * zeta)
        #expect(abs(p - 1 - eta * t) < bound)
    }

    // MARK: Training loss

    /// E_train = 1 − 1/c − (γ²/c³)G′(−γ/c) against the same expression summed over the eigen-
    /// values of K computed from ρ by quadrature, and its limits: → 1 as γ → ∞; as γ → 0,
    /// 1 − rank(K)/m: nonlinear rank min(n₁, m), linear min(n₀, n₁, m).
    @Test func trainingLossFormulaAndLimits() throws {
        for (eta, zeta, phi, psi) in [(0.34, 0.25, 0.5, 0.8), (1.0, 1.0, 0.5, 0.8), (0.36, 0.0, 1.0, 0.5), (0.39, 0.37, 2.0, 0.5)] {
            let law = try NonlinearGram(eta: eta, zeta: zeta, phi: phi, psi: psi)
            let c = psi / phi  // m/n₁
            for gamma in [0.05, 0.5, 2.0] {
                // (γ²/m) tr (K + γ)⁻²: K's eigenvalues are cλ with weight n₁/m = 1/c for each of M's,
                // plus (1 − 1/c) zeros.
                var sum = 0.0
                for piece in law.support {
                    sum += try Quadrature.integrate({ x in law.density(x) * gamma * gamma / ((c * x + gamma) * (c * x + gamma)) },
                                                    from: piece.lowerBound, to: piece.upperBound, absoluteTolerance: 1e-13, relativeTolerance: 1e-10)
                }
                let atom = law.atoms.first?.mass ?? 0
                let expected = (sum + atom) / c + (1 - 1 / c)
                #expect(abs(try law.trainingLoss(gamma: gamma) - expected) < 1e-8, "γ \(gamma)")
            }
            #expect(abs(try law.trainingLoss(gamma: 1e6) - 1) < 1e-5)
            let rank = law.isLinear ? min(psi, psi / phi, 1) : min(1, psi / phi)  // rank/n₁
            let small = try law.trainingLoss(gamma: 1e-7)
            #expect(abs(small - (1 - rank / c)) < 1e-4, "γ → 0: \(small) vs \(1 - rank / c)")
        }
    }

    // MARK: Output

    @Test func predictionEncodesTheDocumentedKeys() throws {
        let law = try NonlinearGram(activation: Self.relu, phi: 0.5, psi: 0.8)
        let prediction = try law.prediction(points: 41, evaluations: [0.5, 1.0], gammas: [0.1, 1])
        let data = try JSONEncoder().encode(prediction)
        let object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        for key in ["eta", "zeta", "phi", "psi", "moments", "atoms", "support", "lambdaMax", "density", "evaluations", "trainLoss", "centred", "meanRemoved"] {
            #expect(object[key] != nil, "missing \(key)")
        }
        let density = object["density"] as! [String: Any]
        #expect(density["x"] != nil && density["rho"] != nil && density["cdf"] != nil)
        #expect(prediction.density.cdf.last! > 0.999999)
        #expect(prediction.centred == true)
        let decoded = try JSONDecoder().decode(GramPrediction.self, from: data)
        #expect(decoded == prediction)
    }
}
