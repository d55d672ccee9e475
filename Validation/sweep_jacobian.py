#!/usr/bin/env python3
"""Sweep `freespec jacobian` over a grid of configurations and classify every outcome.

Each configuration runs the CLI with `--format json` under a time limit and ends in one of:
  answer   exit 0, |total mass − 1| ≤ MASS_TOL and every moment error ≤ MOMENT_TOL;
  WRONG    exit 0 but the self-check is outside those bounds (an answer that is not right);
  refusal  a non-zero exit with a message in the user's terms;
  INTERNAL a non-zero exit whose message carries engine jargon (see JARGON) or a crash;
  TIMEOUT  no answer within the limit.
The capitalised outcomes are defects. The table goes to stdout; --jsonl writes one record per
configuration.

Grids (--grid):
  zero-bias   every built-in activation at σ_b = 0, σ_w ∈ {0.5, 1, 1.5, 2, 2.5, 3},
              L ∈ {1, 10, 100, 1000}, both ensembles (issue 14);
  isometric   every activation with a critical line at q* ∈ {1e-4, 1e-3, 1e-2, 0.05, 0.5, 2},
              L ∈ {3, 30, 300, 1000}, both ensembles (issue 15).

Usage: python3 Validation/sweep_jacobian.py --grid zero-bias [--binary PATH] [--timeout 300]
       [--depths 1,10] [--jsonl out.jsonl]
"""
import argparse
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import freespec_json  # noqa: E402  (the JSON output contract: nulls named in nonFinite)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ACTIVATIONS = ["linear", "relu", "leaky-relu", "hard-tanh", "tanh", "erf", "sigmoid", "gelu", "silu"]
MASS_TOL = 1e-6
MOMENT_TOL = 1e-6
# Words of the engine that mean nothing to a user unless explained.
JARGON = ["M_{D²}", "skeleton", "branch continuation", "series", "composition", "NSCocoaErrorDomain", "bracket",
          "Fatal error", "Illegal instruction", "Segmentation"]


def configurations(grid, depths):
    if grid == "zero-bias":
        for a in ACTIVATIONS:
            for w in [0.5, 1.0, 1.5, 2.0, 2.5, 3.0]:
                for weights in ["gaussian", "orthogonal"]:
                    for L in depths or [1, 10, 100, 1000]:
                        yield [f"--activation", a, "--weights", weights, "--depth", str(L),
                               "--sigma-w", repr(w), "--sigma-b", "0"]
    elif grid == "isometric":
        for a in ACTIVATIONS:
            for q in [1e-4, 1e-3, 1e-2, 0.05, 0.5, 2.0]:
                for weights in ["gaussian", "orthogonal"]:
                    for L in depths or [3, 30, 300, 1000]:
                        yield ["--activation", a, "--weights", weights, "--depth", str(L), "--q-star", repr(q)]
    else:
        raise SystemExit(f"unknown grid {grid}")


def classify(binary, args, timeout):
    start = time.time()
    try:
        p = subprocess.run([binary, "jacobian", *args, "--points", "200", "--format", "json"],
                           capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "TIMEOUT", f"no answer in {timeout} s", time.time() - start
    elapsed = time.time() - start
    if p.returncode != 0:
        message = p.stderr.strip().splitlines()[-1] if p.stderr.strip() else f"exit {p.returncode}"
        bad = p.returncode not in (2, 64) or any(j in freespec_json.without_engine_text(message) for j in JARGON)
        return ("INTERNAL" if bad else "refusal"), message, elapsed
    try:
        results, contract = freespec_json.load(p.stdout)
    except json.JSONDecodeError:
        return "INTERNAL", "output is not JSON", elapsed
    if contract:
        return "WRONG", "JSON contract: " + contract[0], elapsed
    worst = []
    for r in results:
        mass = r["check"]["totalMass"]
        moments = r["check"]["momentRelativeErrors"]
        mass_error = abs(mass - 1) if isinstance(mass, (int, float)) else float("inf")
        moment_error = max((m if isinstance(m, (int, float)) else float("inf")) for m in moments)
        worst.append((mass_error, moment_error))
    mass_error = max(w[0] for w in worst)
    moment_error = max(w[1] for w in worst)
    detail = f"|mass−1| = {mass_error:.1e}, moments {moment_error:.1e}"
    if mass_error <= MASS_TOL and moment_error <= MOMENT_TOL:
        return "answer", detail, elapsed
    return "WRONG", detail, elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--grid", default="zero-bias")
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/release/freespec"))
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--depths", default="")
    parser.add_argument("--jsonl", default="")
    args = parser.parse_args()
    depths = [int(d) for d in args.depths.split(",") if d]
    counts = {}
    out = open(args.jsonl, "w") if args.jsonl else None
    for config in configurations(args.grid, depths):
        outcome, detail, elapsed = classify(args.binary, config, args.timeout)
        counts[outcome] = counts.get(outcome, 0) + 1
        line = f"{outcome:8s} {elapsed:7.1f} s  {' '.join(config)}  — {detail}"
        print(line, flush=True)
        if out:
            out.write(json.dumps({"args": config, "outcome": outcome, "detail": detail, "seconds": elapsed}) + "\n")
            out.flush()
    print("summary: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    defects = sum(v for k, v in counts.items() if k.isupper())
    sys.exit(1 if defects else 0)


if __name__ == "__main__":
    main()
