import CGSL

/// Gauss–Legendre nodes and weights on [−1, 1] from GSL's fixed tables.
public struct GaussLegendreRule: Sendable {
    /// Nodes t_i in increasing order.
    public let nodes: [Double]
    /// Weights ω_i, Σ ω_i = 2.
    public let weights: [Double]

    /// The n-point rule, exact for polynomials of degree ≤ 2n − 1.
    public init(points n: Int) {
        _ = GSL.errorHandlerDisabled
        let table = gsl_integration_glfixed_table_alloc(n)!
        defer { gsl_integration_glfixed_table_free(table) }
        var t = [Double](), w = [Double]()
        for i in 0..<n {
            var xi = 0.0, wi = 0.0
            gsl_integration_glfixed_point(-1, 1, i, &xi, &wi, table)
            t.append(xi)
            w.append(wi)
        }
        let order = t.indices.sorted { t[$0] < t[$1] }
        nodes = order.map { t[$0] }
        weights = order.map { w[$0] }
    }
}
