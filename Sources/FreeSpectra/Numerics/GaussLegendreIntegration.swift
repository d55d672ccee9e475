// Fixed-rule integration with the Gauss–Legendre tables of GaussLegendre.swift.

extension GaussLegendreRule {
    /// The 16-point rule (exact for polynomials of degree ≤ 31), built once.
    public static let sixteenPoint = GaussLegendreRule(points: 16)

    /// ∫_a^b f(x) dx by this rule mapped affinely from [−1, 1] to [a, b] (a > b gives the
    /// negative). No error estimate: use it on panels where f is smooth (analytic in a
    /// neighbourhood), where its error falls like the rule's degree; `Quadrature.integrate`
    /// adapts and estimates the error.
    public func integrate(_ f: (Double) -> Double, from a: Double, to b: Double) -> Double {
        let half = 0.5 * (b - a), middle = 0.5 * (a + b)
        var sum = 0.0
        for (t, w) in zip(nodes, weights) { sum += w * f(middle + half * t) }
        return half * sum
    }
}
