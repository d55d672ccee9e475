import Foundation

extension JacobianSpectrum {
    /// E[log λ] of J Jᵀ, the mean log-eigenvalue (1/N) E log det(J Jᵀ), for a square network;
    /// nil with rectangular layers or when a layer's slopes vanish with positive probability
    /// (then log det = −∞).
    ///
    /// The determinant is multiplicative at every width, det J Jᵀ = Π_l det(W^l W^lᵀ) det(D^l)²,
    /// so the mean log-eigenvalue is a sum over layers with no free probability in it (for the
    /// N = ∞ law it is the Fuglede–Kadison determinant's multiplicativity):
    ///
    ///     E[log λ] = Σ_l (e_W + E[log φ′(√q^l h)²]),
    ///
    /// with e_W = log σ_w² for orthogonal W = σ_w Q, and for Gaussian W (entries N(0, σ_w²/N)) at
    /// width N, by Bartlett's decomposition det(X Xᵀ) = Π_{k=1}^N χ²_k,
    /// e_W = log(σ_w²/N) + (1/N) Σ_{k=1}^N (log 2 + ψ(k/2)), which tends to log σ_w² − 1
    /// (Marchenko–Pastur at ratio 1) as N → ∞ (`width` nil).
    ///
    /// - Throws: `didNotConverge` if a quadrature fails.
    public func meanLogEigenvalue(width: Int? = nil) throws -> Double? {
        try logDeterminantTerms(width: width).map { terms in terms.slopes.reduce(0) { $0 + terms.weightMean + $1.mean } }
    }

    /// The layers' terms of E[log λ] (see `meanLogEigenvalue`) with what the Monte Carlo verdict
    /// needs beside them: the variance of one Gaussian layer's (1/N) log det(W Wᵀ) at width N,
    /// (1/N²) Σ_{k=1}^N ψ′(k/2) (the χ²_k of Bartlett's decomposition are independent; 0 for Haar
    /// W), and for each layer g(q^l) = E[log φ′(√q^l h)²] with its derivative g′(q^l), by central
    /// differences of the quadrature at q^l(1 ± 10⁻⁴) (error ~10⁻⁸ g″ q², far below the
    /// O(N^{−1/2}) fluctuations it is used against). nil where `meanLogEigenvalue` is nil.
    public func logDeterminantTerms(width: Int? = nil) throws -> (weightMean: Double, weightVariance: Double,
                                                                    slopes: [(mean: Double, derivative: Double)])? {
        guard widthRatios?.allSatisfy({ $0 == 1 }) ?? true else { return nil }
        guard slopeLaws.allSatisfy({ $0.massAtZero == 0 }) else { return nil }
        let s2 = meanField.sigmaW * meanField.sigmaW
        var weightMean = log(s2), weightVariance = 0.0
        if weights == .gaussian {
            if let n = width {
                // ψ(k/2), ψ′(k/2) by ψ(x + 1) = ψ(x) + 1/x, ψ′(x + 1) = ψ′(x) − 1/x², from
                // ψ(1/2) = −γ − 2 log 2, ψ(1) = −γ, ψ′(1/2) = π²/2, ψ′(1) = π²/6.
                let gamma = 0.57721566490153286
                var psi = (odd: -gamma - 2 * log(2.0), even: -gamma)
                var trigamma = (odd: Double.pi * Double.pi / 2, even: Double.pi * Double.pi / 6)
                var sum = 0.0, variance = 0.0
                for k in 1...n {
                    let x = Double(k) / 2
                    if k % 2 == 1 {
                        sum += log(2.0) + psi.odd; variance += trigamma.odd
                        psi.odd += 1 / x; trigamma.odd -= 1 / (x * x)
                    } else {
                        sum += log(2.0) + psi.even; variance += trigamma.even
                        psi.even += 1 / x; trigamma.even -= 1 / (x * x)
                    }
                }
                weightMean = log(s2 / Double(n)) + sum / Double(n)
                weightVariance = variance / (Double(n) * Double(n))
            } else {
                weightMean = log(s2) - 1
            }
        }
        let phi = activation
        func g(_ q: Double) throws -> Double {
            let sq = q.squareRoot()
            // 2 log|φ′|, not log φ′², which is −∞ where φ′² underflows (erf at √q h > 19.3) and
            // stops the quadrature; where φ′ itself underflows (√q h > 27.3), its log is taken as
            // that of the least double: a slope law holds at most 1e-9 of its mass where φ′²
            // underflows, so there |h| ≥ 6 and φ′ underflows at |h| ≥ 6·27.3/19.3 > 8, a mass
            // below 1e-15 whose log is off by at most q h², an error below 1e-10 in E[log λ].
            return try Quadrature.gaussianExpectation({ h in
                let d = abs(phi.derivative(sq * h))
                return d == 0 ? log(Double.leastNonzeroMagnitude) : 2 * log(d)
            },
                                                      breakpoints: phi.kinks.map { $0 / sq })
        }
        var cache: [Double: (mean: Double, derivative: Double)] = [:]
        var slopes: [(mean: Double, derivative: Double)] = []
        for law in slopeLaws {
            let q = law.q
            if let known = cache[q] { slopes.append(known); continue }
            let value: (mean: Double, derivative: Double)
            if law.isAtomic {
                value = (law.atoms.reduce(0) { $0 + $1.mass * $1.logLocation }, 0)
            } else if activation.isPositivelyHomogeneous {
                value = (try g(1), 0)
            } else {
                let h = 1e-4 * q
                value = (try g(q), (try g(q + h) - (try g(q - h))) / (2 * h))
            }
            cache[q] = value
            slopes.append(value)
        }
        return (weightMean, weightVariance, slopes)
    }
}
