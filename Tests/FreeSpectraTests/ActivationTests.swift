import ComplexModule
import Foundation
import Testing
@testable import FreeSpectra

@Suite struct ActivationTests {
    @Test func unknownActivationIsRejected() {
        #expect(throws: NumericalError.self) { try Activations.named("softplusish") }
    }

    /// Names are case-insensitive and accept the aliases; a parameter only goes with leaky-relu.
    @Test func namesAliasesAndParameters() throws {
        #expect(try Activations.named("HardTanh").name == "hard-tanh")
        #expect(try Activations.named("swish").name == "silu")
        #expect(try Activations.named("leaky-relu:0.2").name == "leaky-relu(0.2)")
        #expect(throws: NumericalError.invalidArgument("activation 'tanh' takes no parameter")) { try Activations.named("tanh:3") }
        #expect(Activations.isBuiltin("leaky-relu:7") && !Activations.isBuiltin("abs"))
    }

    /// The Gram model's lookup reports what is wrong, not "unknown activation", for a known
    /// name with a bad parameter; its own `abs` and `square` take none.
    @Test func gramActivationErrorsSayWhatIsWrong() throws {
        #expect(throws: NumericalError.invalidArgument("leaky-relu slope must be in [0, 1), got 7.0")) {
            try GramActivations.named("leaky-relu:7")
        }
        #expect(throws: NumericalError.invalidArgument("leaky-relu slope 'x' is not a number")) {
            try GramActivations.named("leaky-relu:x")
        }
        #expect(throws: NumericalError.invalidArgument("activation 'abs' takes no parameter")) { try GramActivations.named("abs:2") }
        do {
            _ = try GramActivations.named("softsign")
            Issue.record("softsign accepted")
        } catch let NumericalError.invalidArgument(message) {
            #expect(message.hasPrefix("unknown activation 'softsign' for the Gram model"))
        }
        #expect(try GramActivations.named("Square").name == "square")
        #expect(try GramActivations.named("leaky-relu:0.1").name == "leaky-relu(0.1)")
    }

    /// φ′ keeps its relative accuracy where it is tiny (the slope laws at large q live there),
    /// against forms free of cancellation: sigmoid σ(x)σ(−x), tanh 1/cosh²x (real cosh). The
    /// complex φ′ agrees with the real one on the axis and obeys Schwarz reflection and
    /// evenness off it, at Re z = ±40 too (swift-numerics' Complex.cosh got the sign of the
    /// imaginary part wrong there, which conjugated tanh's φ′). Both sides are a few
    /// roundings of exp: 1e-13 relative.
    @Test func slopesKeepTheirRelativeAccuracyInTheTails() throws {
        let witnesses: [(any Activation, (Double) -> Double)] = [
            (Sigmoid(), { x in 1 / ((1 + exp(-x)) * (1 + exp(x))) }),
            (Tanh(), { x in let c = cosh(x); return 1 / (c * c) }),
        ]
        for (phi, witness) in witnesses {
            for x in [0.3, -2, 20, -20, 40, -40, 100, -100, 300, -300] {
                let expected = witness(x)
                #expect(abs(phi.derivative(x) / expected - 1) <= 1e-13, "\(phi.name) φ′(\(x)) = \(phi.derivative(x)) vs \(expected)")
                let onAxis = try #require(phi.derivative(complex: Complex(x, 0)))
                #expect(abs(onAxis.real / expected - 1) <= 1e-13 && onAxis.imaginary == 0, "\(phi.name) complex φ′(\(x))")
            }
        }
        for phi in [Sigmoid() as any Activation, Tanh(), Erf()] {
            for z in [Complex(40, 0.2), Complex(-40, 0.2), Complex(5, -0.3), Complex(-0.5, 0.4)] {
                let f = try #require(phi.derivative(complex: z))
                let reflected = try #require(phi.derivative(complex: z.conjugate))
                let mirrored = try #require(phi.derivative(complex: -z))
                #expect((reflected - f.conjugate).length <= 1e-13 * f.length, "\(phi.name) at \(z): \(reflected) vs \(f.conjugate)")
                #expect((mirrored - f).length <= 1e-13 * f.length, "\(phi.name) even at \(z): \(mirrored) vs \(f)")
            }
        }
    }

    /// Φ(z) off the real axis (GELU's complex φ′, on the lifted contour) keeps its relative
    /// accuracy deep in the left tail, against the asymptotic series
    /// Φ(z) = ϕ(z)/(−z) Σ_k (−1)^k (2k − 1)!!/z^{2k}, summed to its smallest term (below 1e-17
    /// relative for |z| ≥ 12, where the series is effectively exact). The Taylor series in iy
    /// used to stop at an absolute 1e-18, i.e. after 5 terms at x = −23 (Φ ~ 1e-117), with an
    /// error of ~1e-7 relative. Both sides round z²/2 (~450 at |z| = 30) before exp, ~1e-13
    /// relative each: 1e-12.
    @Test func normalCDFOffTheAxisIsRelativelyAccurateInTheTail() {
        for z in [Complex(-12.0, 0.02), Complex(-23.0, 0.01), Complex(-23.0, -0.01), Complex(-30.0, 0.008)] {
            let pdf = Complex.exp(-(z * z) / 2) / Complex((2 * Double.pi).squareRoot())
            var sum = Complex<Double>(1), term = Complex<Double>(1)
            let inverseSquare = 1 / (z * z)
            for k in 1...200 {
                let next = term * Complex(-Double(2 * k - 1)) * inverseSquare
                if next.length >= term.length { break }
                term = next
                sum = sum + term
                if term.length < 1e-18 { break }
            }
            let expected = pdf / (-z) * sum
            let computed = normalCDF(complex: z)
            #expect((computed - expected).length <= 1e-12 * expected.length, "Φ(\(z)) = \(computed) vs \(expected)")
        }
    }

    /// ξ = −1/log χ: +∞ on the critical line even when χ is 1 only to rounding.
    @Test func depthScaleIsInfiniteAtCriticality() throws {
        #expect(MeanField.depthScale(chi: 1) == .infinity)
        #expect(MeanField.depthScale(chi: 1.0000000000000002) == .infinity)
        #expect(abs(MeanField.depthScale(chi: 0.5) - 1 / log(2.0)) <= 1e-15)
        #expect(MeanField.depthScale(chi: 2) < 0)
        let (sigmaW, _) = try CriticalLine.point(activation: Tanh(), qStar: 0.2)
        let chi = try MeanField(activation: Tanh(), sigmaW: sigmaW, sigmaB: 0).chi(0.2)
        #expect(MeanField.depthScale(chi: chi) == .infinity, "χ = \(chi)")
    }

    /// The slope of the length map, 𝓛′(q*). Witnesses: erf on the critical line, where φ″ = −2xφ′
    /// turns 𝓛′ = χ + σ_w² E[φφ″] into 𝓛′ = χ − 2q𝓛′, so 𝓛′ = 1/(1 + 2q*) exactly (quadrature
    /// to 1e-11, so 1e-10); and central differences of 𝓛 itself (step 1e-4 q: error ~1e-8 𝓛‴,
    /// so 1e-6) for GELU, SiLU, tanh. A critical point with 𝓛′ > 1 is reported as unstable.
    @Test func lengthMapSlopeDecidesWhetherQStarAttracts() throws {
        for qStar in [0.2, 1, 5] {
            let (w, b) = try CriticalLine.point(activation: Erf(), qStar: qStar)
            let slope = try MeanField(activation: Erf(), sigmaW: w, sigmaB: b).lengthMapSlope(qStar)
            #expect(abs(slope - 1 / (1 + 2 * qStar)) <= 1e-10, "erf q* = \(qStar): \(slope)")
        }
        for (phi, qStar) in [(GELU() as any Activation, 1.0), (SiLU(), 0.5), (Tanh(), 0.5), (GELU(), 8)] {
            let (w, b) = try CriticalLine.point(activation: phi, qStar: qStar)
            let field = try MeanField(activation: phi, sigmaW: w, sigmaB: b)
            let h = 1e-4 * qStar
            let difference = (try field.lengthMap(qStar + h) - field.lengthMap(qStar - h)) / (2 * h)
            let slope = try field.lengthMapSlope(qStar)
            #expect(abs(slope - difference) <= 1e-6, "\(phi.name) q* = \(qStar): \(slope) vs \(difference)")
            let model = try JacobianSpectrum(activation: phi, weights: .gaussian, depth: 2, point: .critical(qStar: qStar))
            #expect(model.meanField.lengthMapSlope == slope)
            #expect((model.meanField.note?.contains("unstable") ?? false) == (slope > 1), "\(phi.name) q* = \(qStar): 𝓛′ = \(slope)")
        }
        #expect(throws: NumericalError.self) { try MeanField(activation: Tanh(), sigmaW: 1, sigmaB: 0).lengthMapSlope(0) }
    }
}
