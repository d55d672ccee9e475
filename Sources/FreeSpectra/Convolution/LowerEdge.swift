import ComplexModule
import Foundation

extension FreeMultiplicativeProduct {
    /// log z at w = ∞ when each u_k tends to `anchors[k]` (an atom of its slope law):
    /// log z → logConstant + Σ b log r + Σ n_k log anchor_k, the orthogonal equation's terms in
    /// w cancelling there ((L − 1) log w − Σ b log(1 + r w) → Σ b log r).
    func logImageOfInfinity(anchors: [Double]) -> Double {
        logImageOfInfinity(relativeLogAnchors: zip(anchors, logCenters).map { Foundation.log($0) - $1 })
    }

    /// The same from log(anchor_k/a_k) (a_k the centres of `anchoredConstant`).
    func logImageOfInfinity(relativeLogAnchors: [Double]) -> Double {
        let shifts = shiftTerms.reduce(anchoredConstant) { $0 + $1.coefficient * Foundation.log($1.ratio) }
        return zip(slopeGroups, relativeLogAnchors).reduce(shifts) { $0 + Double($1.0.count) * $1.1 }
    }

    /// A lower edge of the continuous part at w = ∞, next to a solution `state` at t = log x
    /// where the walk stalled.
    ///
    /// With orthogonal weights and atomic slope laws, w = M(z) can diverge at the bottom of a
    /// band as well as at its top: each u_k then tends to an atom x_k of its law from below
    /// (c x_k/(u − x_k) → −∞), and z to the image of w = ∞ with those atoms. Two orthogonal
    /// leaky-ReLU layers are the case: J Jᵀ = σ⁴ A^{1/2} B A^{1/2} with A, B free copies of
    /// ½δ_{α²} + ½δ_1, whose law (two free projections in generic position, block by block)
    /// fills [σ⁴α⁴, σ⁴] with inverse-square-root edges at both ends. As at the upper edge
    /// (`edgeAtInfinity`), log z − log λ_b = c₁ s + c₂ s² + O(s³) in s = 1/w, here fitted from
    /// real solutions at s = −h, −2h (w → −∞ below the band); c₁ ≈ 0 and c₂ < 0 make the edge a
    /// square-root branch point in s: s ≈ i √(δ/|c₂|) at δ = log x − log λ_b above it.
    ///
    /// Returns nil unless the weights are all orthogonal, every slope law is atomic, |w| > 10³,
    /// t lies within 10⁻⁴ of the image of w = ∞ with the atoms nearest to Re u_k, and the fit
    /// has c₂ < 0 and |c₁| ≤ 10⁻³.
    func lowerEdgeAtInfinity(near state: State, logX: Double) -> Edge? {
        guard gaussianCount == 0, slopeGroups.allSatisfy({ $0.law.isAtomic }), state.w.length > 1e3 else { return nil }
        var anchors: [Double] = [], masses: [Double] = []
        for k in slopeGroups.indices {
            guard let atom = nearestAtom(k, to: state.u[k].real), atom.location > 0 else { return nil }
            anchors.append(atom.location)
            masses.append(atom.mass)
        }
        let logB = logImageOfInfinity(anchors: anchors)
        guard abs(logX - logB) <= 1e-4 * max(1, abs(logB)) else { return nil }
        // Real solutions at w = −1/h: u_k − x_k ≈ −c_k x_k h/ρ_k (the atom's own term balances ρ_k w).
        let h = 1e-4 / Double(depth)
        func solution(_ s: Double) -> (logZ: Double, derivative: Double, state: State)? {
            let seed = self.state(w: Complex(1 / s, 0), u: anchors.indices.map {
                Complex(anchors[$0] * (1 + masses[$0] * s / slopeGroups[$0].ratio), 0)
            })
            return localRealLogZ(1 / s, from: seed)
        }
        guard let near = solution(-h), let far = solution(-2 * h) else { return nil }
        let f1 = near.logZ - logB, f2 = far.logZ - logB
        let c2 = (f2 - 2 * f1) / (2 * h * h)
        let c1 = (c2 * h * h - f1) / h
        guard c2 < 0, c2.isFinite, abs(c1) <= 1e-3 else { return nil }
        var edge = Edge(logLocation: logB, state: near.state, curvature: 0, isRegular: false)
        edge.inverseWExpansion = (c1, c2)
        return edge
    }

    /// The state at s = 1/w next to an edge at w = ∞ whose state is `edge.state`: each u_k
    /// solves M_k(u_k) = ρ_k w by Newton's method from the edge's u_k scaled as
    /// u_k − x_k ∝ s towards the atom (or top) x_k it tends to, staying in the closed upper
    /// half-plane.
    func stateNearInfinity(_ sValue: Complex<Double>, edge: Edge, anchors: [Double]) -> State {
        let w = 1 / sValue
        var s = edge.state
        let sEdge = 1 / edge.state.w.real
        for k in s.u.indices {
            let law = slopeGroups[k].law
            let anchor = Complex(anchors[k])
            let targetM = Complex(slopeGroups[k].ratio) * w
            var u = anchor + (s.u[k] - anchor) * (sValue / Complex(sEdge))
            if u.imaginary < 0 { u = Complex(u.real, -u.imaginary) }
            for _ in 0..<50 {
                let m = law.momentTransform(u)
                let step = (m.value - targetM) / m.derivative
                guard step.real.isFinite, step.imaginary.isFinite else { break }
                var next = u - step
                if next.imaginary < 0 { next = Complex(next.real, 0.5 * u.imaginary) }
                u = next
                if step.length <= 1e-14 * u.length { break }
            }
            s.setU(k, u)
        }
        s.step(w - s.w)
        return s
    }

    /// The atoms (or tops) the u_k of an edge at w = ∞ tend to: for each slope law, its atom
    /// nearest to Re u_k of the edge's state, or the top of a smooth law's support.
    func anchorsAtInfinity(of edge: Edge) -> [Double] {
        slopeGroups.indices.map { nearestAtom($0, to: edge.state.u[$0].real)?.location ?? slopeGroups[$0].law.supportHull.upperBound }
    }

    /// The atom of the k-th slope law nearest to u (nil for a smooth law).
    private func nearestAtom(_ k: Int, to u: Double) -> Atom? {
        slopeGroups[k].law.atoms.min { abs($0.location - u) < abs($1.location - u) }
    }
}
