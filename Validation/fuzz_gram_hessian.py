#!/usr/bin/env python3
"""Seeded fuzzing of `freespec gram`, `freespec hessian` and `freespec critical-energy`.

Each run draws random *valid* configurations (log-uniform ratios over the whole accepted range,
with extra weight on the edges of the range: φ = ψ, |ψ/φ − 1| down to 1e-12, ε down to 5e-324,
φ down to 1e-300), runs the command with a time limit and classifies the outcome:

  answer    exit 0, JSON parses, every number finite, and the answer passes the structural
            checks below (an answer that fails them is reported as `wrong`)
  refusal   exit 64 (usage error) with a message on stderr and nothing on stdout: the input
            is outside the range the command computes, said before any work
  no-answer exit 2 with a `freespec: error:` message and nothing on stdout: a clean refusal
            by the model (its self-check failed, or it could not be computed) — listed in full,
            since inside the accepted range each one is a limit of the engine
  wrong     exit 0 but the answer fails a check: non-finite number, F not monotone, F not
            ending at 1, self-check fields above tolerance, exact moments off
  unclean   exit 2/64 with output on stdout, or without a message
  crash     killed by a signal or any other exit status
  hang      the time limit was reached

Structural checks on an answer: no NaN/Infinity anywhere in the JSON; F non-decreasing (to
1e-12) and within [0, 1]; F = 1 at the last table point (the table covers λ_max) to 1e-8;
check.totalMass within check.tolerance of 1, moments and F errors within it; λ_min ≤ λ_max;
for hessian the exact m₁ … m₄ from φ and ε (m₁ = 1, m₂ = 1 + φ + 2ε, m₃ = 1 + 3(φ + 2ε) + φ²,
m₄ = 1 + 6(φ + 2ε) + 2(φ + 2ε)² + 4φ² + φ³) and index = F(0) ∈ [0, 1] with α = 0 for ε = 0;
for gram m₁ = η and the atom mass from the rank rule; for critical-energy closed = numeric ε_c.

Usage: Validation/fuzz_gram_hessian.py [--binary PATH] [--count N] [--seed S] [--timeout T]
       [--commands gram,hessian,critical-energy] [--jobs J]
Exit status 0 when no crash, hang, wrong or unclean outcome was seen, else 1.
"""
import argparse
import concurrent.futures
import json
import math
import os
import random
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import freespec_json  # noqa: E402  (the JSON output contract: nulls named in nonFinite)

ACTIVATIONS_FALLBACK = ["relu", "tanh", "linear", "hard-tanh", "erf", "sigmoid", "gelu", "silu", "leaky-relu:0.1", "abs", "square"]


def log_uniform(rng, lo, hi):
    return 10 ** rng.uniform(math.log10(lo), math.log10(hi))


def number(x):
    """A command-line spelling of x that round-trips."""
    return repr(float(x))


def ratio_pair(rng):
    """(φ, ψ) over [1e-6, 1e6]², with φ = ψ and φ ≈ ψ weighted up."""
    phi = log_uniform(rng, 1e-6, 1e6)
    r = rng.random()
    if r < 0.2:
        return phi, phi
    if r < 0.4:
        gap = 10 ** rng.uniform(-12, -2) * rng.choice([-1, 1])
        return phi, min(1e6, phi * (1 + gap))
    return phi, log_uniform(rng, 1e-6, 1e6)


def gram_config(rng, activations):
    phi, psi = ratio_pair(rng)
    act = rng.choice(activations)
    if act.startswith("leaky-relu"):
        act = "leaky-relu:%s" % number(rng.uniform(0, 0.99))
    args = ["gram", "--activation", act, "--phi", number(phi), "--psi", number(psi), "--format", "json",
            "--points", str(rng.choice([2, 3, 11, 101, 401, 2000]))]
    if rng.random() < 0.3:
        args += ["--sigma-w", number(log_uniform(rng, 1e-2, 1e2)), "--sigma-x", number(log_uniform(rng, 1e-2, 1e2))]
    if rng.random() < 0.3:
        args += ["--at", ",".join(number(x) for x in [rng.uniform(-1, 3) * 10 ** rng.uniform(-3, 1) for _ in range(3)])]
    if rng.random() < 0.3:
        lo = log_uniform(rng, 1e-8, 1)
        args += ["--train-loss", "--gamma", "%s:%s:%d" % (number(lo), number(lo * log_uniform(rng, 1, 1e6)), rng.randint(1, 7))]
    return args


def hessian_config(rng):
    r = rng.random()
    phi = log_uniform(rng, 1e-300, 1e-6) if r < 0.05 else log_uniform(rng, 1e-6, 1e6)
    e = rng.random()
    if e < 0.1:
        eps = 0.0
    elif e < 0.2:
        eps = rng.choice([5e-324, 1e-320, 2.2e-308, 1e-300])
    elif e < 0.4:
        eps = log_uniform(rng, 1e-300, 1e-10)
    else:
        eps = log_uniform(rng, 1e-10, 1e6)
    if rng.random() < 0.1:
        phi = rng.choice([1.0, 1 - 1e-9, 1 + 1e-9])
    args = ["hessian", "--phi", number(phi), "--epsilon", number(eps), "--format", "json",
            "--points", str(rng.choice([2, 3, 11, 101, 401, 2000]))]
    if rng.random() < 0.3:
        args += ["--at", ",".join(number(rng.uniform(-2, 5) * 10 ** rng.uniform(-4, 2)) for _ in range(3))]
    return args


def critical_energy_config(rng):
    if rng.random() < 0.5:
        phi = log_uniform(rng, 1e-300, 1e6) if rng.random() < 0.3 else log_uniform(rng, 1e-6, 10)
        spec = number(phi)
    else:
        lo = log_uniform(rng, 1e-300, 1) if rng.random() < 0.3 else rng.uniform(1e-6, 1.5)
        hi = lo + rng.uniform(0, 1.5)
        spec = "%s:%s:%s" % (number(lo), number(hi), number(max((hi - lo) / rng.randint(1, 12), 1e-3)))
    return ["critical-energy", "--phi", spec, "--format", "json"]


def finite_everywhere(value, path="$"):
    """The first non-finite number (or NaN/Infinity string) in a JSON value, or None."""
    if isinstance(value, float) and not math.isfinite(value):
        return path
    if isinstance(value, str) and value in ("NaN", "Infinity", "-Infinity"):
        return path
    if isinstance(value, dict):
        for k, v in value.items():
            bad = finite_everywhere(v, path + "." + k)
            if bad:
                return bad
    if isinstance(value, list):
        for i, v in enumerate(value):
            bad = finite_everywhere(v, "%s[%d]" % (path, i))
            if bad:
                return bad
    return None


def check_table_and_self_check(d, problems):
    t = d["density"]
    cdf = t["cdf"]
    if any(b < a - 1e-12 for a, b in zip(cdf, cdf[1:])):
        problems.append("F decreases along the table")
    if any(f < -1e-12 or f > 1 + 1e-12 for f in cdf):
        problems.append("F outside [0, 1]")
    if abs(cdf[-1] - 1) > 1e-8:
        problems.append("F ends at %r, not 1" % cdf[-1])
    if any(r < 0 for r in t["rho"]):
        problems.append("negative density")
    c = d["check"]
    tol = c["tolerance"]
    if abs(c["totalMass"] - 1) > tol:
        problems.append("check.totalMass %r" % c["totalMass"])
    if max(abs(e) for e in c["momentErrors"]) > tol or c["cdfError"] > tol or c["integralError"] > tol:
        problems.append("self-check errors above tolerance")
    for ev in d.get("evaluations") or []:
        if not (0 <= ev["cdf"] <= 1 and ev["rho"] >= 0):
            problems.append("evaluation %r out of range" % ev)


def close(a, b, rel):
    return abs(a - b) <= rel * max(abs(a), abs(b), 1e-300)


def check_answer(args, d):
    problems = []
    bad = finite_everywhere(d)
    if bad:
        return ["non-finite number at " + bad]
    command = args[0]
    opt = {args[i]: args[i + 1] for i in range(1, len(args) - 1) if args[i].startswith("--")}
    if command == "critical-energy":
        for row in d["rows"]:
            if not close(row["epsilonC"], row["epsilonCNumeric"], 1e-8) and abs(row["difference"]) > 1e-12:
                problems.append("ε_c closed %r vs numeric %r" % (row["epsilonC"], row["epsilonCNumeric"]))
            if not (0 <= row["indexAt2EpsilonC"] <= 1):
                problems.append("index out of range")
        return problems
    check_table_and_self_check(d, problems)
    if command == "hessian":
        phi, eps = float(opt["--phi"]), float(opt["--epsilon"])
        k2 = phi + 2 * eps
        exact = [1, 1 + k2, 1 + 3 * k2 + phi ** 2, 1 + 6 * k2 + 2 * k2 ** 2 + 4 * phi ** 2 + phi ** 3]
        if not all(close(a, b, 1e-12) for a, b in zip(d["moments"], exact)):
            problems.append("moments %r vs exact %r" % (d["moments"], exact))
        if not (0 <= d["index"] <= 1) or (eps == 0 and d["index"] != 0):
            problems.append("index %r" % d["index"])
        if d["lambdaMin"] > d["lambdaMax"]:
            problems.append("λ_min > λ_max")
    if command == "gram":
        if not close(d["moments"][0], d["eta"], 1e-12):
            problems.append("m1 %r ≠ η %r" % (d["moments"][0], d["eta"]))
        phi, psi = d["phi"], d["psi"]
        rank = min(1, psi, psi / phi) if d["linear"] else min(1, psi / phi)
        atom = sum(a["mass"] for a in d["atoms"])
        if abs(atom - (1 - rank)) > 1e-12:
            problems.append("atom %r vs rank rule %r" % (atom, 1 - rank))
        for t in d.get("trainLoss") or []:
            if not (0 <= t["theory"] <= 1):
                problems.append("E_train %r" % t["theory"])
    return problems


def run_one(binary, args, timeout):
    start = time.time()
    try:
        p = subprocess.run([binary] + args, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "hang", time.time() - start, "no result after %g s" % timeout
    elapsed = time.time() - start
    if p.returncode < 0:
        return "crash", elapsed, "signal %d: %s" % (-p.returncode, p.stderr[-300:])
    if p.returncode == 0:
        try:
            d, problems = freespec_json.load(p.stdout)
        except ValueError as e:
            return "wrong", elapsed, "output is not JSON: %s" % e
        problems = problems + check_answer(args, d)
        return ("wrong", elapsed, "; ".join(problems)) if problems else ("answer", elapsed, "")
    if p.returncode in (2, 64):
        clean = p.stdout.strip() == "" and (p.stderr.startswith("freespec: error:") or p.stderr.startswith("Error:"))
        kind = ("refusal" if p.returncode == 64 else "no-answer") if clean else "unclean"
        message = p.stderr.strip().splitlines()[0] if p.stderr.strip() else "(no message)"
        return kind, elapsed, message if kind == "no-answer" else message[:300]
    return "crash", elapsed, "exit %d: %s" % (p.returncode, p.stderr[-300:])


def activations(binary):
    """The activation names from `freespec gram --help`."""
    try:
        text = " ".join(subprocess.run([binary, "gram", "--help"], capture_output=True, text=True, timeout=30).stdout.split())
        names = text.split("Activation:")[1].split("(")[0]
        found = [n.strip().rstrip(".") for n in names.split(",") if n.strip()]
        return found or ACTIVATIONS_FALLBACK
    except (IndexError, OSError, subprocess.SubprocessError):
        return ACTIVATIONS_FALLBACK


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=".build/release/freespec")
    parser.add_argument("--count", type=int, default=500, help="configurations per command")
    parser.add_argument("--seed", type=int, default=22)
    parser.add_argument("--timeout", type=float, default=30, help="seconds per run")
    parser.add_argument("--commands", default="gram,hessian,critical-energy")
    parser.add_argument("--jobs", type=int, default=1)
    a = parser.parse_args()
    names = activations(a.binary)
    summary = {}
    failures = []
    for command in a.commands.split(","):
        rng = random.Random("%d-%s" % (a.seed, command))
        make = {"gram": lambda: gram_config(rng, names), "hessian": lambda: hessian_config(rng),
                "critical-energy": lambda: critical_energy_config(rng)}[command]
        configs = [make() for _ in range(a.count)]
        counts = {k: 0 for k in ["answer", "refusal", "no-answer", "wrong", "unclean", "crash", "hang"]}
        times = []
        refusals = {}
        with concurrent.futures.ThreadPoolExecutor(max_workers=a.jobs) as pool:
            for args, (kind, elapsed, detail) in zip(configs, pool.map(lambda c: run_one(a.binary, c, a.timeout), configs)):
                counts[kind] += 1
                times.append(elapsed)
                if kind == "refusal":
                    key = detail.split(":")[0:3]
                    refusals[":".join(key)[:120]] = refusals.get(":".join(key)[:120], 0) + 1
                if kind not in ("answer", "refusal"):  # no-answer is listed, and fails the run
                    failures.append({"command": command, "kind": kind, "args": args, "detail": detail, "seconds": round(elapsed, 2)})
        times.sort()
        summary[command] = dict(counts, configurations=len(configs), median_s=round(times[len(times) // 2], 3),
                                max_s=round(times[-1], 2), over_10s=sum(t > 10 for t in times))
        print("%-16s %s" % (command, json.dumps(summary[command])), flush=True)
        for text, n in sorted(refusals.items(), key=lambda kv: -kv[1])[:8]:
            print("    refusal x%d: %s" % (n, text))
    for f in failures:
        print("FAIL " + json.dumps(f, ensure_ascii=False))
    print("seed %d, %d configurations per command, timeout %g s, binary %s" % (a.seed, a.count, a.timeout, a.binary))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
