import CGLPK
import Foundation
import Synchronization

/// The minimum-ℓ1 solution of an underdetermined system, by GLPK's simplex method.
///
/// min ‖β‖₁ s.t. Xβ = y is the linear program min Σ(uᵢ + vᵢ) s.t. X(u − v) = y, u, v ≥ 0
/// (basis pursuit). GLPK's primal simplex returns a basic optimal solution (at most N
/// non-zeros), which is then polished: the system restricted to its support is solved by
/// least squares (LAPACK), removing the simplex's ~1e-9 feasibility slack. The LP's row duals λ
/// are a certificate: ‖Xᵀλ‖_∞ ≤ 1 and yᵀλ = ‖β‖₁ at the optimum.
enum BasisPursuit {
    /// GLPK keeps global state and is not safe to call from several threads at once.
    private static let lock = Mutex<Void>(())

    struct Solution {
        var beta: [Double]
        /// The LP's row duals λ (one per equation).
        var dual: [Double]
    }

    /// - Throws: `noSolution` when the LP is infeasible (y not in the range of X);
    ///   `library` when GLPK fails.
    static func solve(_ x: DenseMatrix, _ y: [Double]) throws -> Solution {
        let n = x.rows, d = x.columns
        let lp: Solution = try lock.withLock { _ in
            glp_term_out(GLP_OFF)
            guard let problem = glp_create_prob() else { throw NumericalError.library("GLPK: glp_create_prob failed") }
            defer { glp_delete_prob(problem) }
            glp_set_obj_dir(problem, GLP_MIN)
            glp_add_rows(problem, Int32(n))
            for i in 0..<n { glp_set_row_bnds(problem, Int32(i + 1), GLP_FX, y[i], y[i]) }
            glp_add_cols(problem, Int32(2 * d))
            for j in 0..<(2 * d) {
                glp_set_col_bnds(problem, Int32(j + 1), GLP_LO, 0, 0)
                glp_set_obj_coef(problem, Int32(j + 1), 1)
            }
            var ia: [Int32] = [0], ja: [Int32] = [0], ar: [Double] = [0]
            ia.reserveCapacity(2 * n * d + 1); ja.reserveCapacity(2 * n * d + 1); ar.reserveCapacity(2 * n * d + 1)
            for j in 0..<d {
                for i in 0..<n where x[i, j] != 0 {
                    ia.append(Int32(i + 1)); ja.append(Int32(j + 1)); ar.append(x[i, j])
                    ia.append(Int32(i + 1)); ja.append(Int32(d + j + 1)); ar.append(-x[i, j])
                }
            }
            glp_load_matrix(problem, Int32(ar.count - 1), ia, ja, ar)
            var parm = glp_smcp()
            glp_init_smcp(&parm)
            parm.msg_lev = GLP_MSG_OFF
            parm.presolve = GLP_ON
            let status = glp_simplex(problem, &parm)
            if status == GLP_ENOPFS {
                throw NumericalError.noSolution("no β interpolates the targets: the ℓ1 linear program is infeasible")
            }
            guard status == 0 else { throw NumericalError.library("GLPK glp_simplex returned \(status)") }
            let result = glp_get_status(problem)
            if result == GLP_NOFEAS {
                throw NumericalError.noSolution("no β interpolates the targets: the ℓ1 linear program is infeasible")
            }
            guard result == GLP_OPT else { throw NumericalError.library("GLPK: the ℓ1 linear program ended with status \(result), not optimal") }
            let beta = (0..<d).map { glp_get_col_prim(problem, Int32($0 + 1)) - glp_get_col_prim(problem, Int32(d + $0 + 1)) }
            let dual = (0..<n).map { glp_get_row_dual(problem, Int32($0 + 1)) }
            return Solution(beta: beta, dual: dual)
        }
        // Polish on the support (largest-magnitude entries, at most N of them).
        let scale = lp.beta.map(abs).max() ?? 0
        let support = (0..<d).filter { abs(lp.beta[$0]) > 1e-9 * scale }
        guard !support.isEmpty, support.count <= n else { return lp }
        var columns = [Double](); columns.reserveCapacity(n * support.count)
        for j in support { for i in 0..<n { columns.append(x[i, j]) } }
        let restricted = try DenseMatrix(rows: n, columns: support.count, columnMajor: columns)
        let (coefficients, _) = try LinearAlgebra.minimumNormLeastSquares(restricted, y)
        var polished = [Double](repeating: 0, count: d)
        for (k, j) in support.enumerated() { polished[j] = coefficients[k] }
        // Keep the polished point only if it is at least as feasible and keeps the signs.
        let keepsSigns = support.allSatisfy { polished[$0] * lp.beta[$0] > 0 }
        func residual(_ b: [Double]) -> Double {
            zip(LinearAlgebra.apply(x, b), y).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
        }
        return keepsSigns && residual(polished) <= residual(lp.beta) ? Solution(beta: polished, dual: lp.dual) : lp
    }
}
