import Foundation
import Testing
@testable import FreeSpectra

/// The generator, the normal sampler and the random-matrix ensembles.
///
/// Every test uses a fixed seed, so each is a deterministic check; the tolerances are the
/// ones a *random* seed would pass with high probability, so that a seed change cannot make
/// a correct implementation fail except with the stated small probability.
@Suite struct MonteCarloRandomTests {
    /// xoshiro256** from the raw state (1, 2, 3, 4): the reference C code's first ten outputs
    /// (also the test vector of Rust's rand_xoshiro). SplitMix64 from 0: its reference first
    /// output 0xE220A8397B1DCDAF. Exact equality: these are integer recurrences.
    @Test func generatorMatchesReferenceVectors() {
        var g = Xoshiro256StarStar(state: (1, 2, 3, 4))
        let expected: [UInt64] = [11520, 0, 1_509_978_240, 1_215_971_899_390_074_240, 1_216_172_134_540_287_360,
                                  607_988_272_756_665_600, 16_172_922_978_634_559_625, 8_476_171_486_693_032_832,
                                  10_595_114_339_597_558_777, 2_904_607_092_377_533_576]
        #expect((0..<10).map { _ in g.next() } == expected)
        var state: UInt64 = 0
        #expect(Xoshiro256StarStar.splitMix64(&state) == 0xE220_A839_7B1D_CDAF)
        // Streams: jumping changes the sequence; stream(0) is the generator itself.
        let base = Xoshiro256StarStar(seed: 7)
        #expect(base.stream(0) == base)
        #expect(base.stream(1) != base && base.stream(1) != base.stream(2))
    }

    /// 10⁶ Ziggurat normals. KS against Φ ≤ 1.95/√n (the 99.9% Kolmogorov quantile for i.i.d.
    /// samples); mean within 5/√n and variance within 5·√(2/n) of 0 and 1 (5 standard errors);
    /// the count beyond the Ziggurat tail start R = 3.4426 (the rarely used tail branch) within
    /// 5 binomial standard deviations of n·2(1 − Φ(R)) ≈ 576 — a broken tail sampler shifts it.
    @Test func zigguratNormalsAreStandardNormal() throws {
        var g = Xoshiro256StarStar(seed: 2024)
        let n = 1_000_000
        let z = g.normals(n)
        let nd = Double(n)
        let mean = z.reduce(0, +) / nd
        let variance = z.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (nd - 1)
        #expect(abs(mean) < 5 / nd.squareRoot())
        #expect(abs(variance - 1) < 5 * (2 / nd).squareRoot())
        let r = Ziggurat.tailStart
        let tailCount = Double(z.filter { abs($0) > r }.count)
        let p = erfc(r / 2.0.squareRoot())
        #expect(abs(tailCount - nd * p) < 5 * (nd * p * (1 - p)).squareRoot())
        let spectrum = try EmpiricalSpectrum(samples: [z])
        let ks = spectrum.ksDistance { 0.5 * erfc(-$0 / 2.0.squareRoot()) }
        #expect(ks < 1.95 / nd.squareRoot())
    }

    /// QᵀQ = I to 1e-12 (Householder QR is orthogonal to O(N·ε) ≈ 4e-14 at N = 200), square
    /// and rectangular, and the scale σ_w multiplies Q.
    @Test func haarMatricesAreOrthogonal() throws {
        var g = Xoshiro256StarStar(seed: 11)
        for (m, n) in [(200, 200), (300, 100), (100, 300)] {
            let q = try RandomMatrices.haarOrthogonal(rows: m, columns: n, using: &g)
            let small = min(m, n)
            let product = m >= n ? try LinearAlgebra.multiply(q, q, transposeA: true)
                                 : try LinearAlgebra.multiply(q, q, transposeB: true)
            var worst = 0.0
            for j in 0..<small { for i in 0..<small { worst = max(worst, abs(product[i, j] - (i == j ? 1 : 0))) } }
            #expect(worst < 1e-12, "\(m)×\(n): max |QᵀQ − I| = \(worst)")
        }
        let scaled = try RandomMatrices.haarOrthogonal(rows: 50, columns: 50, scale: 1.5, using: &g)
        let gram = LinearAlgebra.gram(scaled)
        #expect(abs(gram[3, 3] - 2.25) < 1e-12 && abs(gram[3, 4]) < 1e-12)
    }

    /// Eigenvalue phases θ ∈ (−π, π] of one 200 × 200 Haar orthogonal matrix against the
    /// uniform law. Haar eigenvalues are rigid: the KS distance of one matrix is O(1/N), not
    /// the i.i.d. 1/√N (whose 99% critical value 1.63/√200 = 0.115 would accept almost
    /// anything). Measured with numpy's QR over 150 matrices: Haar 0.007–0.016 (99th
    /// percentile 0.0154); LAPACK's Q *without* the sign correction 0.019–0.028. Tolerance
    /// 0.0175 (3.5/N) separates them, and the uncorrected Q must fail it for these seeds —
    /// the test can fail.
    ///
    /// A second, sharper witness: tr Q has mean 0 and variance 1 under Haar measure
    /// (Diaconis–Shahshahani), so the mean trace of 20 matrices must lie within 5/√20 ≈ 1.1
    /// of 0; the uncorrected Q has mean trace ≈ −7.6 (and det Q = −1 always).
    @Test func haarEigenvaluePhasesAreUniform() throws {
        func phaseKS(signCorrection: Bool, seed: UInt64) throws -> Double {
            var g = Xoshiro256StarStar(seed: seed)
            let q = try RandomMatrices.haarOrthogonal(rows: 200, columns: 200, scale: 1,
                                                      signCorrection: signCorrection, using: &g)
            let (re, im) = try LinearAlgebra.generalEigenvalues(q)
            for k in 0..<re.count { #expect(abs(re[k] * re[k] + im[k] * im[k] - 1) < 1e-10) }
            let phases = zip(re, im).map { atan2($0.1, $0.0) }
            let spectrum = try EmpiricalSpectrum(samples: [phases])
            return spectrum.ksDistance { min(1, max(0, ($0 + .pi) / (2 * .pi))) }
        }
        for seed: UInt64 in [1, 2, 3] {
            let haar = try phaseKS(signCorrection: true, seed: seed)
            #expect(haar < 0.0175, "seed \(seed): Haar phase KS = \(haar)")
            let raw = try phaseKS(signCorrection: false, seed: seed)
            #expect(raw > 0.0175, "seed \(seed): uncorrected QR phase KS = \(raw) should reveal non-Haar Q")
        }
        func meanTrace(signCorrection: Bool) throws -> Double {
            var g = Xoshiro256StarStar(seed: 99)
            var sum = 0.0
            for _ in 0..<20 {
                let q = try RandomMatrices.haarOrthogonal(rows: 200, columns: 200, scale: 1,
                                                          signCorrection: signCorrection, using: &g)
                sum += (0..<200).reduce(0) { $0 + q[$1, $1] }
            }
            return sum / 20
        }
        let haarTrace = try meanTrace(signCorrection: true)
        #expect(abs(haarTrace) < 5 / 20.0.squareRoot(), "Haar mean trace \(haarTrace)")
        let rawTrace = try meanTrace(signCorrection: false)
        #expect(abs(rawTrace) > 5 / 20.0.squareRoot(), "uncorrected mean trace \(rawTrace)")
    }

    /// Wishart with ratio c = 1 against the closed-form Marchenko–Pastur CDF, through both
    /// eigenvalue paths (dsyrk + dsyevd in `wishart`, dgesdd in the Jacobian sampler with a
    /// linear depth-1 network, where JJᵀ = WWᵀ). N = 400, S = 4: the default
    /// `MonteCarloTolerance` 1.36/√1600 + 4/400 = 0.044, and a tight 3/N = 0.0075 (observed
    /// ≈ 1/N: eigenvalues are rigid). The same sample against MP with the wrong scale 1.25
    /// (sup |F₁ − F₁.₂₅| = 0.071) must disagree, so the test can fail.
    @Test func wishartMatchesMarchenkoPastur() throws {
        let n = 400, s = 4
        var g = Xoshiro256StarStar(seed: 5)
        var viaSyevd: [[Double]] = []
        for _ in 0..<s {
            let w = try RandomMatrices.wishart(dimension: n, degreesOfFreedom: n, variance: 1, using: &g)
            viaSyevd.append(try LinearAlgebra.symmetricEigenvalues(w))
        }
        let config = NetworkSamplingConfiguration(
            activation: Linear(), weights: .gaussian, depth: 1, width: n, sigmaW: 1, sigmaB: 0, qStar: 1,
            samples: s, seed: 9)
        let viaSampler = try JacobianSampler.sampleEigenvalues(config)
        for samples in [viaSyevd, viaSampler] {
            let spectrum = try EmpiricalSpectrum(samples: samples)
            let verdict = try MonteCarloVerdict.compare(spectrum, theoryCDF: { marchenkoPasturCDF($0) }, width: n)
            #expect(verdict.agrees, "\(verdict.reason)")
            #expect(verdict.ks < 3.0 / Double(n), "KS \(verdict.ks)")
            let wrong = try MonteCarloVerdict.compare(spectrum, theoryCDF: { marchenkoPasturCDF($0, scale: 1.25) }, width: n)
            #expect(!wrong.agrees, "\(wrong.reason)")
            // Model-specific advice is appended only to a disagreement, and no advice is given
            // unless the caller names one.
            let advice = "try a larger n"
            let advised = try MonteCarloVerdict.compare(spectrum, theoryCDF: { marchenkoPasturCDF($0, scale: 1.25) }, width: n,
                                                        disagreementAdvice: advice)
            #expect(advised.reason.hasSuffix("; \(advice).") && !wrong.reason.contains("q-drift"))
            let quiet = try MonteCarloVerdict.compare(spectrum, theoryCDF: { marchenkoPasturCDF($0) }, width: n, disagreementAdvice: advice)
            #expect(quiet.agrees && !quiet.reason.contains(advice))
        }
    }

    /// Rectangular Wishart (p = 200, n = 400, c = 1/2) moments against their exact finite-size
    /// expectations E m₁ = v, E m₂ = v²(1 + c + 1/n) (Wick), within 5 standard errors over
    /// S = 8 samples; GOE second moment E m₂ = σ²(1 + 1/n) likewise, and the GOE spectrum
    /// against the semicircle CDF with the `MonteCarloTolerance` budget.
    @Test func wishartAndWignerMoments() throws {
        var g = Xoshiro256StarStar(seed: 77)
        let p = 200, n = 400, v = 2.0
        let wishart = try EmpiricalSpectrum(samples: (0..<8).map { _ in
            try LinearAlgebra.symmetricEigenvalues(RandomMatrices.wishart(dimension: p, degreesOfFreedom: n, variance: v, using: &g))
        })
        #expect(abs(wishart.m1.value - v) < 5 * wishart.m1.standardError)
        let m2 = v * v * (1 + Double(p) / Double(n) + 1 / Double(n))
        #expect(abs(wishart.m2.value - m2) < 5 * wishart.m2.standardError)

        let sigma2 = 0.7, size = 300
        let goe = try EmpiricalSpectrum(samples: (0..<8).map { _ in
            try LinearAlgebra.symmetricEigenvalues(RandomMatrices.wigner(size: size, variance: sigma2, using: &g))
        })
        #expect(abs(goe.m2.value - sigma2 * (1 + 1 / Double(size))) < 5 * goe.m2.standardError)
        let semicircle = { (x: Double) -> Double in
            let r = 2 * sigma2.squareRoot()
            if x <= -r { return 0 }
            if x >= r { return 1 }
            // F(x) = 1/2 + x√(r² − x²)/(πr²) + arcsin(x/r)/π, r = 2σ.
            return 0.5 + x * (r * r - x * x).squareRoot() / (.pi * r * r) + asin(x / r) / .pi
        }
        let verdict = try MonteCarloVerdict.compare(goe, theoryCDF: semicircle, width: size)
        #expect(verdict.agrees, "\(verdict.reason)")
    }

    /// Householder QR of a 60 × 40 Gaussian: R = QᵀA is upper triangular with LAPACK's
    /// diagonal, and QR reproduces A — both to 1e-12 (backward stable, entries O(1), N·ε ≈ 1e-14).
    /// Singular values of a diagonal matrix are exact and descending.
    @Test func householderQRAndSingularValues() throws {
        var g = Xoshiro256StarStar(seed: 4)
        let a = try RandomMatrices.gaussian(rows: 60, columns: 40, variance: 1, using: &g)
        let (q, diagonal) = try LinearAlgebra.householderQR(a)
        let r = try LinearAlgebra.multiply(q, a, transposeA: true)
        let back = try LinearAlgebra.multiply(q, r)
        var worst = 0.0
        for j in 0..<40 {
            for i in 0..<40 where i > j { worst = max(worst, abs(r[i, j])) }
            worst = max(worst, abs(r[j, j] - diagonal[j]))
            for i in 0..<60 { worst = max(worst, abs(back[i, j] - a[i, j])) }
        }
        #expect(worst < 1e-12, "QR error \(worst)")
        var d = try DenseMatrix(rows: 3, columns: 3)
        (d[0, 0], d[1, 1], d[2, 2]) = (2, -5, 1e-20)
        #expect(try LinearAlgebra.singularValues(d) == [5, 2, 1e-20])
        #expect(try LinearAlgebra.symmetricEigenvalues(d) == [-5, 1e-20, 2])
        #expect(try DenseMatrix.identity(3).transposed == DenseMatrix.identity(3))
    }

    /// cblas_dgemm must come from OpenBLAS, not GSL's reference CBLAS (8× slower).
    @Test func dgemmResolvesToOpenBLAS() {
        let path = LinearAlgebra.dgemmLibraryPath ?? "unknown"
        #expect(path.lowercased().contains("openblas"), "cblas_dgemm resolves to \(path)")
    }
}

/// The Marchenko–Pastur CDF for ratio 1 and scale v (the law of WWᵀ, W square with
/// N(0, v/N) entries): density √(x(4v − x))/(2πvx) on [0, 4v]. With x = 4v sin²θ the density
/// becomes (4/π)cos²θ dθ, so F(x) = (2/π)(θ + sin θ cos θ), θ = arcsin(√(x/v)/2).
func marchenkoPasturCDF(_ x: Double, scale v: Double = 1) -> Double {
    if x <= 0 { return 0 }
    if x >= 4 * v { return 1 }
    let theta = asin((x / v).squareRoot() / 2)
    return 2 / .pi * (theta + sin(theta) * cos(theta))
}
