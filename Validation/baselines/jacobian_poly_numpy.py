#!/usr/bin/env python3
"""Baseline: singular-value density of J J^T by polynomial roots + root tracking.

This is a deliberately *straightforward* numpy implementation, used as the
speed/robustness baseline that the Swift FreeSpectra engine is compared
against in the same run.  It is expected to break down at large depth
(tens of layers, see below): the expanded polynomial coefficients span tens
of orders of magnitude, the roots cluster, and ``numpy.roots``
(companion-matrix eigenvalues, O(L^3) per point) loses the physical root.  The script reports that honestly (``densityFinite``,
``l1DensityError``, ``failed``) instead of crashing.

Model
-----
J = D_L W_L ... D_1 W_1 is the input-output Jacobian of a depth-L network.
D_l^2 has the Bernoulli(p) law on {0, 1}:
    relu       p = 1/2
    hard-tanh  p = erf(1 / sqrt(2 q*))     (pre-activation variance q*)
    linear     p = 1
W_l W_l^T is Wishart (Gaussian weights, ratio 1) or sigma_w^2 * I
(orthogonal weights).  Default sigma_w = 1/sqrt(p), i.e. critical
chi = sigma_w^2 p = 1.

Derivation
----------
Moment generating function M(z) = sum_{k>=1} m_k z^{-k} = z G(z) - 1 and
S-transform S(w) = (1 + w) / (w M^{-1}(w)).
  * D^2 ~ Bernoulli(p): M(z) = p/(z-1)  =>  S_D(w) = (1 + w)/(w + p)
  * Gaussian W W^T:     S_W(w) = 1 / (sigma_w^2 (1 + w))
  * orthogonal W W^T:   S_W(w) = 1 / sigma_w^2
Multiplicativity gives S_J = (S_W S_D)^L and M_J^{-1}(w) = (1+w)/(w S_J(w)),
so w = M_J(z) is a root of
  * Gaussian:   z w            = sigma_w^{2L} (1 + w) (w + p)^L   (degree L+1)
  * orthogonal: z w (1+w)^{L-1} = sigma_w^{2L} (w + p)^L          (degree L)
Then G = (1 + w)/z and rho(x) = -Im G(x + i0)/pi = -Im w / (pi x).
The physical root behaves as w ~ m_1/z -> 0 for large z, m_1 = (sigma_w^2 p)^L.

Upper spectral edge: with F(w) = M_J^{-1}(w), the edge is F(w*) at the
smallest positive critical point of F:
  * Gaussian:   L w^2 + (L-1) w - p = 0
  * orthogonal: w* = p / (L - 1 - L p)   (if <= 0: edge is lim F = sigma_w^{2L})
(For L = 1, p = 1, sigma_w = 1 this is Marchenko-Pastur, edge 4.)

Algorithm (root tracking)
-------------------------
Sweep x from large to small.  Start at z = 2 * x_top (above the support),
taking the root nearest m_1/z, walk geometrically down to the grid top,
then along the grid.  At each x, compute all roots of the polynomial at
z = x + i*eta*x with numpy.roots and keep the root closest to the previous
one.  With eta = 0 (default) the polynomial is real, complex roots come in
conjugate pairs and the boundary value G(x + i0) is the one with Im w <= 0,
so the tracked root is folded into the lower half-plane.  Note that for
p < 1 there is an atom of mass 1 - p at x = 0 that the grid does not see,
and that near x = 0 rho ~ x^(1/L - 1), so massOnGrid < p even when exact;
the first moment (firstMomentOnGrid vs m_1) is the better sanity check.
Orthogonal weights with p = 1 or L = 1 give atoms only (rho = 0).

Accuracy diagnostic (outside the timed region)
----------------------------------------------
Each tracked root is Newton-polished on the factored equation
sigma^{2L}(1+w)(w+p)^L / (z w) = 1 (resp. the orthogonal one), which is
well conditioned, and the densities are compared: maxRelDensityError (bulk
points, rho > 1e-6 max rho) and l1DensityError = int |rho - rho_polished| dx.
"failed" is true if an exception occurred (e.g. inf coefficients), any
density is non-finite or negative, l1DensityError > 1e-6, or massOnGrid
exceeds the bound p (0 for the atoms-only cases).  Known corner: orthogonal
ReLU at L = 2 has an integrable 1/sqrt divergence at the upper edge, which
the trapezoid rule overestimates, so it is flagged although the roots are fine.
(Cross-checked against 60-digit mpmath.polyroots where numpy's root is in
the right basin.)  The expanded coefficients C(L,k) p^(L-k) sigma^{2L} and the
L-fold root cluster at w = -p make numpy.roots lose the physical root at
small x as L grows: around L ~ 32-48 (Gaussian, ReLU) or L ~ 16-24
(orthogonal, ReLU); linear orthogonal fails already at L = 4 because of the
(L-1)-fold root at w = -1.

Usage
-----
  python3 jacobian_poly_numpy.py --law relu --weights gaussian --depth 16 \
      --points 1000 [--sigma-w S] [--q-star Q] [--xmin A --xmax B] \
      [--eta E] [--repeat R] [--json]
  python3 jacobian_poly_numpy.py --check-mp     # L=1 linear Gaussian vs MP

Default grid: N log-spaced points from 1e-6 * lambda_max to lambda_max.
--json prints strict JSON (non-finite -> null) {"law","weights","depth",
"points","seconds","pointsPerSecond","densityFinite","massOnGrid",
"firstMomentOnGrid","maxRelDensityError","l1DensityError","failed","error",
...,"x","rho"}; seconds is the best of --repeat runs of the density
computation only (coefficients + tracking; no start-up, no diagnostics).
"""

import argparse
import json
import math
import sys
import time

import numpy as np
from numpy.polynomial import polynomial as P


def bernoulli_p(law, q_star):
    if law == "relu":
        return 0.5
    if law == "linear":
        return 1.0
    if law == "hard-tanh":
        return math.erf(1.0 / math.sqrt(2.0 * q_star))
    raise ValueError(law)


def log_F(w, p, s2, L, weights):
    """log M_J^{-1}(w) evaluated in factored form (no overflow)."""
    if weights == "gaussian":
        return L * math.log(s2) + math.log1p(w) + L * math.log(w + p) - math.log(w)
    return L * math.log(s2) + L * math.log(w + p) - math.log(w) - (L - 1) * math.log1p(w)


def lambda_max(p, s2, L, weights):
    """Upper edge of the support of J J^T (closed form, computed in logs)."""
    if weights == "gaussian":
        w = (-(L - 1) + math.sqrt((L - 1) ** 2 + 4 * L * p)) / (2 * L)
    else:
        d = L - 1 - L * p
        if d <= 0:
            return float(np.float64(s2) ** L)
        w = p / d
    try:
        return math.exp(log_F(w, p, s2, L, weights))
    except OverflowError:
        return math.inf


def coefficients(p, s2, L, weights):
    """Return (A, B) (numpy.roots order, highest degree first) with poly = A - z*B."""
    c = np.float64(s2) ** L                         # overflows for large L
    wp = P.polypow([p, 1.0], L)                     # (w + p)^L, expanded
    if weights == "gaussian":
        A = c * P.polymul([1.0, 1.0], wp)           # sigma^{2L} (1+w)(w+p)^L
        B = np.array([0.0, 1.0])                    # w
    else:
        A = -c * wp                                 # -sigma^{2L} (w+p)^L
        B = -P.polymul([0.0, 1.0], P.polypow([1.0, 1.0], L - 1))  # -w(1+w)^{L-1}
    n = max(len(A), len(B))
    A = np.pad(A, (0, n - len(A)))[::-1].astype(complex)
    B = np.pad(B, (0, n - len(B)))[::-1].astype(complex)
    return A, B


def polish(w, z, p, s2, L, weights, steps=6):
    """Newton-polish roots on the *factored* equation RHS/LHS = 1 (diagnostic only).

    The factored form is well conditioned, so |rho(w) - rho(polish(w))| estimates
    the error that the expanded-coefficient root finder made.
    """
    w = np.array(w, dtype=complex)
    with np.errstate(all="ignore"):
        for _ in range(steps):
            if weights == "gaussian":
                lg = L * np.log(s2) + np.log1p(w) + L * np.log(w + p) - np.log(z * w)
                dlg = 1 / (1 + w) + L / (w + p) - 1 / w
            else:
                lg = L * np.log(s2) + L * np.log(w + p) - np.log(z * w) - (L - 1) * np.log1p(w)
                dlg = L / (w + p) - 1 / w - (L - 1) / (1 + w)
            ratio = np.exp(lg)                      # RHS/LHS, branch independent
            w = w - (ratio - 1) / (ratio * dlg)
    return w


def density(x, p, s2, L, weights, eta=0.0, n_warm=40):
    """rho(x) on a grid x (any order); returns (rho, w) in the order of x."""
    A, B = coefficients(p, s2, L, weights)
    order = np.argsort(x)[::-1]                     # sweep large -> small
    xs = x[order]
    x0 = 2.0 * xs[0]
    warm = np.geomspace(x0, xs[0], n_warm, endpoint=False)
    m1 = np.float64(s2 * p) ** L
    prev = m1 / x0
    ws = np.empty(len(xs), dtype=complex)
    for i, xi in enumerate(np.concatenate([warm, xs])):
        z = xi * (1.0 + 1j * eta)
        r = np.roots(A - z * B)
        if r.size == 0 or not np.all(np.isfinite(r)):
            w = complex(np.nan, np.nan)
        else:
            w = r[np.argmin(np.abs(r - prev))]
            if eta == 0.0 and w.imag > 0:           # boundary value at x + i0
                w = w.conjugate()
            prev = w if np.isfinite(w) else prev
        if i >= n_warm:
            ws[i - n_warm] = w
    rho_s = -ws.imag / (np.pi * xs)
    rho = np.empty_like(rho_s)
    w_out = np.empty_like(ws)
    rho[order] = rho_s
    w_out[order] = ws
    return rho, w_out


def run(args):
    p = bernoulli_p(args.law, args.q_star)
    sigma_w = args.sigma_w if args.sigma_w is not None else 1.0 / math.sqrt(p)
    s2 = sigma_w ** 2
    L = args.depth
    lmax = lambda_max(p, s2, L, args.weights)
    xmax = args.xmax if args.xmax is not None else lmax
    if args.xmax is None and args.weights == "orthogonal" and L - 1 - L * p <= 0:
        xmax *= 1 - 1e-9                            # edge is a pole of w (w* = inf)
    xmin = args.xmin if args.xmin is not None else 1e-6 * xmax
    with np.errstate(all="ignore"):
        x = np.geomspace(xmin, xmax, args.points) if math.isfinite(xmax) \
            else np.full(args.points, np.nan)       # lambda_max overflowed

    best, rho, w, error = math.inf, None, None, None
    for _ in range(max(1, args.repeat)):
        t0 = time.perf_counter()
        try:
            with np.errstate(all="ignore"):
                rho, w = density(x, p, s2, L, args.weights, args.eta)
        except Exception as exc:                    # e.g. LinAlgError on inf/nan
            error = f"{type(exc).__name__}: {exc}"
            rho = np.full_like(x, np.nan)
            w = np.full(x.shape, np.nan, dtype=complex)
        best = min(best, time.perf_counter() - t0)

    ok = np.isfinite(rho) & (rho >= 0)
    finite_frac = float(np.mean(ok))
    mass = float(np.trapezoid(np.where(ok, rho, 0.0), x))
    m1 = float(np.trapezoid(np.where(ok, x * rho, 0.0), x))
    # Orthogonal weights with p = 1 or L = 1: J J^T has atoms only (rho == 0).
    continuous = not (args.weights == "orthogonal" and (p == 1.0 or L == 1))
    # Accuracy estimate: re-solve each tracked root in the well-conditioned
    # factored form (Newton) and compare densities.
    if continuous:
        z = x * (1.0 + 1j * args.eta)
        rho_ref = -polish(w, z, p, s2, L, args.weights).imag / (np.pi * x)
    else:
        rho_ref = np.zeros_like(x)
    diff = np.abs(rho - rho_ref)
    l1_err = float(np.trapezoid(np.where(ok, diff, 0.0), x))
    if not np.all(np.isfinite(diff[ok])) or not np.isfinite(l1_err):
        l1_err = math.inf                           # Newton diverged: root was junk
    bulk = ok & (rho_ref > 1e-6 * np.max(rho, where=ok, initial=0.0))
    rel_err = None
    if continuous:
        rel_err = float(np.max(diff[bulk] / rho_ref[bulk], initial=0.0))
        if not np.isfinite(rel_err) or not np.all(np.isfinite(rho_ref[ok])):
            rel_err = math.inf
    # p < 1: atom of mass >= 1 - p at x = 0, so the continuous part has mass <= p.
    bound = p if continuous else 0.0
    failed = bool(error or mass > bound * (1 + 1e-3) + 1e-6
                  or (continuous and (finite_frac < 1.0 or l1_err > 1e-6)))
    out = {
        "law": args.law, "weights": args.weights, "depth": L, "points": args.points,
        "seconds": best, "pointsPerSecond": args.points / best if best > 0 else None,
        "densityFinite": finite_frac, "massOnGrid": mass,
        "continuousMassBound": bound, "firstMomentOnGrid": m1,
        "expectedFirstMoment": float(np.float64(s2 * p) ** L), "maxRelDensityError": rel_err,
        "l1DensityError": l1_err, "failed": failed,
        "error": error, "p": p, "sigmaW": sigma_w, "lambdaMax": lmax,
        "x": x.tolist(), "rho": rho.tolist(),
    }
    if error:
        out["maxRelDensityError"] = out["l1DensityError"] = None
    return {k: _json_safe(v) for k, v in out.items()}


def _json_safe(v):
    """Strict JSON: non-finite floats become null."""
    if isinstance(v, list):
        return [_json_safe(u) for u in v]
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def check_mp(points=1000):
    """L = 1 linear Gaussian (sigma_w = 1) must be Marchenko-Pastur, ratio 1."""
    x = np.geomspace(4e-6, 4.0, points)
    rho, _ = density(x, 1.0, 1.0, 1, "gaussian")
    mp = np.sqrt(np.clip(x * (4.0 - x), 0, None)) / (2 * np.pi * x)
    err = np.abs(rho - mp)
    print(f"MP check: max|rho-MP| = {err.max():.3e}, "
          f"max rel (rho>1e-3) = {np.max(err[mp > 1e-3] / mp[mp > 1e-3]):.3e}, "
          f"lambda_max = {lambda_max(1.0, 1.0, 1, 'gaussian'):.15g}")
    return err.max()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--law", choices=["relu", "hard-tanh", "linear"], default="relu")
    ap.add_argument("--weights", choices=["gaussian", "orthogonal"], default="gaussian")
    ap.add_argument("--depth", type=int, default=4)
    ap.add_argument("--points", type=int, default=1000)
    ap.add_argument("--sigma-w", type=float, default=None, help="default 1/sqrt(p)")
    ap.add_argument("--q-star", type=float, default=1.0, help="hard-tanh q* (default 1)")
    ap.add_argument("--xmin", type=float, default=None)
    ap.add_argument("--xmax", type=float, default=None)
    ap.add_argument("--eta", type=float, default=0.0,
                    help="relative imaginary part: z = x(1 + i eta); default 0 (real axis)")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--check-mp", action="store_true")
    args = ap.parse_args(argv)
    np.seterr(all="ignore")         # overflow is expected at large L; reported, not raised

    if args.check_mp:
        return 0 if check_mp(args.points) < 1e-7 else 1
    out = run(args)
    if args.json:
        json.dump(out, sys.stdout)
        print()
    else:
        for k, v in out.items():
            if k not in ("x", "rho"):
                print(f"{k:>22}: {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
