/// A power series Σ_{k=0}^{n−1} c_k x^k truncated after n terms, with real coefficients.
///
/// Arithmetic keeps the truncation order of the shorter operand. Used to turn S-transforms
/// into exact moments: every operation is exact up to rounding in the kept coefficients.
public struct PowerSeries: Sendable, Equatable, CustomStringConvertible {
    /// c_0, c_1, …, c_{n−1}.
    public var coefficients: [Double]

    public init(_ coefficients: [Double]) { self.coefficients = coefficients }

    /// The series of a constant, kept to `order` terms.
    public init(constant: Double, order: Int) {
        coefficients = [Double](repeating: 0, count: order)
        coefficients[0] = constant
    }

    /// The series of x itself, kept to `order` terms.
    public static func variable(order: Int) -> PowerSeries {
        var s = PowerSeries(constant: 0, order: order)
        if order > 1 { s.coefficients[1] = 1 }
        return s
    }

    public var order: Int { coefficients.count }
    public subscript(k: Int) -> Double { k < coefficients.count ? coefficients[k] : 0 }
    public var description: String { "PowerSeries(\(coefficients))" }

    public static func + (a: PowerSeries, b: PowerSeries) -> PowerSeries {
        let n = min(a.order, b.order)
        return PowerSeries((0..<n).map { a[$0] + b[$0] })
    }

    public static func - (a: PowerSeries, b: PowerSeries) -> PowerSeries {
        let n = min(a.order, b.order)
        return PowerSeries((0..<n).map { a[$0] - b[$0] })
    }

    public static func * (a: PowerSeries, s: Double) -> PowerSeries { PowerSeries(a.coefficients.map { $0 * s }) }

    /// The Cauchy product, truncated.
    public static func * (a: PowerSeries, b: PowerSeries) -> PowerSeries {
        let n = min(a.order, b.order)
        var c = [Double](repeating: 0, count: n)
        for i in 0..<n where a[i] != 0 {
            for j in 0..<(n - i) { c[i + j] += a[i] * b[j] }
        }
        return PowerSeries(c)
    }

    /// 1/a, requiring a_0 ≠ 0.
    public func reciprocal() throws -> PowerSeries {
        guard self[0] != 0 else { throw NumericalError.invalidArgument("reciprocal of a series with zero constant term") }
        var r = [Double](repeating: 0, count: order)
        r[0] = 1 / self[0]
        for k in 1..<max(order, 1) {
            var s = 0.0
            for j in 1...k { s += self[j] * r[k - j] }
            r[k] = -s / self[0]
        }
        return PowerSeries(r)
    }

    /// log a, requiring a_0 > 0: from (log a)′ = a′/a.
    public func log() throws -> PowerSeries {
        guard self[0] > 0 else { throw NumericalError.invalidArgument("log of a series with non-positive constant term") }
        let ratio = derivative() * (try reciprocal())
        var l = ratio.integral()
        l.coefficients[0] = _log(self[0])
        return l
    }

    /// exp a: from e′ = a′ e, solved term by term.
    public func exp() -> PowerSeries {
        var e = [Double](repeating: 0, count: order)
        e[0] = _exp(self[0])
        for k in 1..<max(order, 1) {
            var s = 0.0
            for j in 1...k { s += Double(j) * self[j] * e[k - j] }
            e[k] = s / Double(k)
        }
        return PowerSeries(e)
    }

    /// a^p = exp(p log a) for real p, requiring a_0 > 0.
    public func power(_ p: Double) throws -> PowerSeries { (try log() * p).exp() }

    /// The formal derivative; the last coefficient is lost, so the order drops by one and a
    /// zero is appended to keep it.
    public func derivative() -> PowerSeries {
        var d = [Double](repeating: 0, count: order)
        for k in 1..<max(order, 1) { d[k - 1] = Double(k) * self[k] }
        return PowerSeries(d)
    }

    /// ∫_0^x a, constant term 0; the top coefficient of `a` falls off the truncation.
    public func integral() -> PowerSeries {
        var i = [Double](repeating: 0, count: order)
        for k in 1..<max(order, 1) { i[k] = self[k - 1] / Double(k) }
        return PowerSeries(i)
    }

    /// a(b(x)), requiring b_0 = 0, by Horner's rule in series arithmetic.
    public func composed(with b: PowerSeries) throws -> PowerSeries {
        guard b[0] == 0 else { throw NumericalError.invalidArgument("composition needs an inner series with zero constant term") }
        let n = min(order, b.order)
        var result = PowerSeries(constant: self[n - 1], order: n)
        for k in stride(from: n - 2, through: 0, by: -1) {
            result = result * b
            result.coefficients[0] += self[k]
        }
        return result
    }

    /// The compositional inverse: the series r with a(r(x)) = x, requiring a_0 = 0 and
    /// a_1 ≠ 0 (Lagrange inversion done by Newton iteration r ← r − (a∘r − x)/a′∘r,
    /// which doubles the number of correct terms each step).
    public func reverted() throws -> PowerSeries {
        guard self[0] == 0, self[1] != 0 else {
            throw NumericalError.invalidArgument("reversion needs a_0 = 0 and a_1 ≠ 0")
        }
        let x = PowerSeries.variable(order: order)
        var r = x * (1 / self[1])
        let derivativeSeries = derivative()
        var correct = 2
        while correct < order + 1 {
            let residual = (try composed(with: r)) - x
            let slope = try derivativeSeries.composed(with: r)
            r = r - residual * (try slope.reciprocal())
            correct *= 2
        }
        return r
    }
}

import Foundation
@inline(__always) private func _log(_ x: Double) -> Double { Foundation.log(x) }
@inline(__always) private func _exp(_ x: Double) -> Double { Foundation.exp(x) }
