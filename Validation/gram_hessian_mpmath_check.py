#!/usr/bin/env python3
"""Gram and Hessian answers of `freespec` against 50-digit solutions of the printed equations.

The engine (Docs/theory-hessian.md §4, theory-gram.md §2) never solves the Pennington–Bahri
cubic or the Pennington–Worah quartic; this script does, with mpmath at 50 digits, at points
inside the support of the laws that issue 22 found wrong or slow, and compares ρ:

  Hessian: 2φεG³ − (2ε + φz)G² + (z + φ − 1)G − 1 = 0, the root with Im G < 0 that satisfies
           G = G_MP(z − 2εG) (subordination), ρ = −Im G/π;
  Gram:    the PW quartic in P at t = 1/(ψx) (η, ζ from the CLI's JSON), the root with
           Im P < 0 (one there), ρ = −ψ Im P/(πx).

Prints the largest relative difference per case; exit 1 if any exceeds 1e-12 (the engine's ρ is
good to ~1e-14 relative inside the support). Needs mpmath (pip install mpmath).
Usage: Validation/gram_hessian_mpmath_check.py [--binary PATH]
"""
import argparse
import json
import subprocess
import sys

import mpmath as mp

mp.mp.dps = 50
BINARY = ".build/release/freespec"

def cli(args):
    return json.loads(subprocess.run([BINARY] + args + ['--format', 'json'], capture_output=True, text=True, check=True).stdout)

def hess_rho(phi, eps, x):
    phi, eps, z = mp.mpf(phi), mp.mpf(eps), mp.mpf(x)
    k = mp.sqrt(phi); a = (1 - k)**2; b = (1 + k)**2
    def gmp(om):
        N = om - (1 - phi); S = mp.sqrt(om - a) * mp.sqrt(om - b)
        return 2 / (N + S) if abs(N + S) >= abs(N - S) else (N - S) / (2 * phi * om)
    best = None
    for g in mp.polyroots([2*phi*eps, -(2*eps + phi*z), z + phi - 1, -1], maxsteps=500, extraprec=500):
        g = mp.mpc(g)
        if g.imag < 0:
            r = abs(g - gmp(z - 2*eps*g)) / abs(g)
            if best is None or r < best[0]: best = (r, g)
    return 0.0 if best is None or best[0] > mp.mpf(10)**-30 else float(-best[1].imag / mp.pi)

def gram_rho(eta, zeta, phi, psi, x):
    # PW quartic in P at t = 1/(ψx); the physical root has Im P < 0 (unique one inside the support here)
    eta, zeta, phi, psi, x = map(mp.mpf, (eta, zeta, phi, psi, x)); d = eta - zeta
    t = 1 / (psi * x); a0 = (1-phi)*(1-psi); a1 = phi*(1-psi) + psi*(1-phi); a2 = phi*psi
    q0, q1, q2 = t*a0, t*a1, t*a2
    c = [d*zeta*q2*q2, -zeta*q2 + 2*d*zeta*q1*q2, -zeta*q1 - d*q2 + d*zeta*(q1*q1 + 2*q0*q2), 1 - zeta*q0 - d*q1 + 2*d*zeta*q0*q1, -1 - d*q0 + d*zeta*q0*q0]
    roots = [mp.mpc(r) for r in mp.polyroots(c, maxsteps=800, extraprec=800) if mp.mpc(r).imag < -mp.mpf(10)**-40]
    return [float(-psi * r.imag / (mp.pi * x)) for r in roots]

def main():
    global BINARY
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=".build/release/freespec")
    BINARY = parser.parse_args().binary
    failures = 0
    for phi, eps in [(2, 1e-16), (0.5, 1e-16), (1, 1e-30), (1e-6, 0.3), (30, 1e-12)]:
        h = cli(['hessian', '--phi', repr(phi), '--epsilon', repr(eps), '--points', '2', '--at',
                 ','.join(repr(s['lower'] + q * (s['upper'] - s['lower'])) for s in cli(['hessian', '--phi', repr(phi), '--epsilon', repr(eps), '--points', '2'])['support'] for q in (0.1, 0.5, 0.9))])
        worst = max(abs(e['rho'] - hess_rho(phi, eps, e['x'])) / max(e['rho'], 1e-300) for e in h['evaluations'])
        print('hessian φ=%g ε=%g: max relative |ρ − ρ_mp| = %.1e over %d points' % (phi, eps, worst, len(h['evaluations'])))
        failures += worst > 1e-12
    for act, phi, psi in [('relu', 10, 10), ('relu', 5.56698, 5.56226), ('relu', 1, 1.0001), ('erf', 0.5, 0.5001), ('tanh', 18.4, 18.7)]:
        base = cli(['gram', '--activation', act, '--phi', repr(phi), '--psi', repr(psi), '--points', '2'])
        s = base['support'][0]
        xs = [s['lower'] + q * (s['upper'] - s['lower']) for q in (1e-4, 0.1, 0.5, 0.9)]
        g = cli(['gram', '--activation', act, '--phi', repr(phi), '--psi', repr(psi), '--points', '2', '--at', ','.join(map(repr, xs))])
        worst = 0
        for e in g['evaluations']:
            cands = gram_rho(g['eta'], g['zeta'], phi, psi, e['x'])
            worst = max(worst, min(abs(e['rho'] - c) / e['rho'] for c in cands))
        print('gram %s φ=%g ψ=%g: max relative |ρ − ρ_mp| = %.1e (quartic roots with Im P < 0: %s)' % (act, phi, psi, worst, len(cands)))
        failures += worst > 1e-12
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
