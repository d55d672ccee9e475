#!/usr/bin/env python3
"""Baseline: Monte Carlo spectrum of J J^T for a random deep network, in numpy.

The same computation as FreeSpectra's ``JacobianSampler`` (Swift), written the way a
careful numpy user would, used as the speed baseline in ``FreeSpectraBench``:

* weights  W^l: Gaussian N(0, sigma_w^2 / N), or sigma_w * Q with Q Haar orthogonal
  (QR of a Gaussian, Q <- Q diag(sign R_ii));
* forward pass: x^0 Gaussian rescaled to |x^0|^2 = N q*, h^l = W^l x^{l-1} + b^l,
  b^l ~ N(0, sigma_b^2), D^l = phi'(h^l), x^l = phi(h^l)  (mode "network"),
  or D^l = phi'(sqrt(q*) z), z ~ N(0, 1) independent of W  (mode "independent");
* product J <- (D^l W^l) J by one GEMM per layer (rows of W scaled in place);
* eigenvalues of J J^T as squared singular values (LAPACK dgesdd via
  numpy.linalg.svd(compute_uv=False)).

Random numbers come from numpy's default generator (PCG64 + Ziggurat normals), so the
numbers differ from the Swift run (xoshiro256** + Ziggurat) but the law and the work
are the same.  Prints one JSON object: timings per stage (seconds) and summary statistics
(m1, m2, mean lambda_max).  With --save PATH.npy the pooled eigenvalues are written too.

Usage:  python3 montecarlo_numpy.py --width 1024 --depth 64 --samples 4 --weights gaussian
"""
import argparse
import json
import math
import sys
import time

import numpy as np

ACTIVATIONS = {
    "linear": (lambda h: h, lambda h: np.ones_like(h)),
    "relu": (lambda h: np.maximum(h, 0.0), lambda h: (h > 0).astype(float)),
    "tanh": (np.tanh, lambda h: 1.0 / np.cosh(h) ** 2),
    "hard-tanh": (lambda h: np.clip(h, -1.0, 1.0), lambda h: (np.abs(h) < 1).astype(float)),
}


def haar(rng, n, scale):
    g = rng.standard_normal((n, n))
    q, r = np.linalg.qr(g)
    q *= np.sign(np.diag(r)) * scale  # column j times sign(R_jj): Haar measure
    return q


def sample(args):
    phi, dphi = ACTIVATIONS[args.activation]
    n, depth = args.width, args.depth
    rng = np.random.default_rng(args.seed)
    t = {"weightSampling": 0.0, "forwardPass": 0.0, "product": 0.0, "eigenvalues": 0.0}
    eigenvalues = []
    start = time.perf_counter()
    J = np.empty((n, n))
    Jn = np.empty((n, n))
    for _ in range(args.samples):
        x = rng.standard_normal(n)
        x *= math.sqrt(n * args.q_star / np.dot(x, x))
        for layer in range(depth):
            t0 = time.perf_counter()
            if args.weights == "gaussian":
                W = rng.standard_normal((n, n))
                W *= args.sigma_w / math.sqrt(n)
            else:
                W = haar(rng, n, args.sigma_w)
            t1 = time.perf_counter()
            if args.mode == "network":
                h = W @ x + args.sigma_b * rng.standard_normal(n)
                if args.renormalize:
                    h *= math.sqrt(args.q_star * n / np.dot(h, h))
                d = dphi(h)
                x = phi(h)
            else:
                d = dphi(math.sqrt(args.q_star) * rng.standard_normal(n))
            W *= d[:, None]
            t2 = time.perf_counter()
            if layer == 0:
                J[...] = W
            else:
                np.matmul(W, J, out=Jn)
                J, Jn = Jn, J
            t3 = time.perf_counter()
            t["weightSampling"] += t1 - t0
            t["forwardPass"] += t2 - t1
            t["product"] += t3 - t2
        t0 = time.perf_counter()
        s = np.linalg.svd(J, compute_uv=False)
        eigenvalues.append(np.sort(s * s))
        t["eigenvalues"] += time.perf_counter() - t0
    t["total"] = time.perf_counter() - start
    flops = 2.0 * n ** 3 * (depth - 1) * args.samples
    t["productGFLOPS"] = flops / t["product"] / 1e9 if t["product"] > 0 else 0.0
    return eigenvalues, t


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--width", type=int, default=1024)
    p.add_argument("--depth", type=int, default=64)
    p.add_argument("--samples", type=int, default=4)
    p.add_argument("--weights", choices=["gaussian", "orthogonal"], default="gaussian")
    p.add_argument("--activation", choices=sorted(ACTIVATIONS), default="tanh")
    p.add_argument("--sigma-w", type=float, default=1.0)
    p.add_argument("--sigma-b", type=float, default=0.05)
    p.add_argument("--q-star", type=float, default=0.05)
    p.add_argument("--mode", choices=["network", "independent"], default="network")
    p.add_argument("--renormalize", action="store_true")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--save", help="write pooled eigenvalues to this .npy file")
    args = p.parse_args()
    if args.width <= 0 or args.depth <= 0 or args.samples <= 0:
        sys.exit("width, depth and samples must be positive")
    eigenvalues, timings = sample(args)
    pooled = np.concatenate(eigenvalues)
    if args.save:
        np.save(args.save, pooled)
    result = {
        "width": args.width, "depth": args.depth, "samples": args.samples,
        "weights": args.weights, "activation": args.activation, "mode": args.mode,
        "numpy": np.__version__, "timings": timings,
        "m1": float(pooled.mean()), "m2": float((pooled ** 2).mean()),
        "lambdaMaxMean": float(np.mean([e[-1] for e in eigenvalues])),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
