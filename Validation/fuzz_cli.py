#!/usr/bin/env python3
"""Seeded fuzzing of the whole `freespec` command line (issue 22): every command, valid and
malformed invocations, each with a time limit.

(a) Random *valid* configurations of every command: `jacobian` (small depths; theory, and
    --monte-carlo with widths 8 to 64; both operating points, layer-by-layer, rectangular
    layers, --at, --scale, --plot), `critical-line`, and `gram`, `hessian`, `critical-energy`
    (the generators of fuzz_gram_hessian.py, plus small Monte Carlo runs). Output is JSON
    (sometimes a table or CSV, which is only checked for its exit and streams).
(b) A fixed list of malformed invocations (bad numbers, out-of-range values, bad names,
    unwritable paths, empty lists, unknown options, conflicting options, options that need
    --monte-carlo): each must be a usage error (exit 64) that names the option, with nothing on
    standard output, no file written, in well under the time limit.

Every run is classified; the figures are printed per command and in total:

  answer           exit 0 and the answer passes the checks below
  refusal          exit 64 with a message and nothing on stdout (for (b): naming the option)
  no-answer        exit 2 with a `freespec: error:` message and nothing on stdout (the engine
                   could not compute this valid input; listed, not a failure of the contract)
  crash            killed by a signal, or an exit status other than 0, 2, 64
  hang             the time limit was reached
  self-check       exit 0 but the answer's own check is outside tolerance (jacobian:
                   |check.totalMass − 1| > 1e-6 or a moment error > 1e-6; gram/hessian: their
                   check fields above check.tolerance) — a failed self-check presented as an answer
  wrong            exit 0 but the answer fails a structural check (F not monotone or outside
                   [0, 1], negative ρ, exact moments off, …; fuzz_gram_hessian's checks)
  non-finite       exit 0 with NaN/±Infinity where a number belongs; the values that are right
                   are counted apart as `non-finite-ok` (an answer, with the reason tallied):
                   the depth scales ξ at χ = 1; κ, log10 κ, log10 λ1% when the atom at 0 holds
                   1 % or more (the median at 50 %); a value beyond Double whose log10 field is
                   finite; ρ = ∞ at λ = 0; a standard error from a single sample
  stdout-on-fail   a non-zero exit with something on standard output
  jargon           a non-zero exit whose message carries internal names (outside the
                   `engine: …` part kept for reports) or no message at all
  accepted         (b) only: a malformed invocation that exited 0
  unnamed          (b) only: refused, but the message names neither the option nor the problem
  file-left        a failed run left its --plot/--eigenvalues file behind, or a successful one
                   did not write it

Usage: Validation/fuzz_cli.py [--binary PATH] [--count 2000] [--seed 22] [--timeout 30]
       [--malformed-timeout 10] [--jobs 2] [--only valid|malformed]
Exit status 0 when no crash, hang, self-check, wrong, non-finite, stdout-on-fail, jargon,
accepted, unnamed or file-left outcome was seen, else 1.
"""
import argparse
import concurrent.futures
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fuzz_gram_hessian as gh  # noqa: E402  (the Gram/Hessian generators and checks)
import freespec_json  # noqa: E402  (the JSON output contract: nulls named in nonFinite)

ACTIVATIONS = ["linear", "relu", "leaky-relu", "hard-tanh", "tanh", "erf", "sigmoid", "gelu", "silu"]
FAILURES = ["crash", "hang", "self-check", "wrong", "non-finite", "stdout-on-fail", "jargon", "accepted", "unnamed", "file-left"]
KINDS = ["answer", "refusal", "no-answer", "non-finite-ok"] + FAILURES
# Internal names that must not reach a user without their meaning (issue 22).
JARGON = ["NSCocoaErrorDomain", "skeleton", "series", "M_{D²}", "continuation", "subordination", "Newton", "brent",
          "quadrature", "dgesdd", "dsyevd", "dgeqrf", "dorgqr", "LAPACK", "GSL", "candidates", "invalid argument:",
          "did not converge:", "numerical library error", "no solution:", "Fatal error", "Swift/"]


def number(x):
    return gh.number(x)


def case_variant(rng, name):
    r = rng.random()
    return name.upper() if r < 0.1 else (name.capitalize() if r < 0.2 else name)


# ---------------------------------------------------------------- (a) valid configurations

def jacobian_config(rng, folder):
    act = rng.choice(ACTIVATIONS)
    if act == "leaky-relu" and rng.random() < 0.5:
        act = "leaky-relu:%s" % number(round(rng.uniform(0, 0.99), 3))
    args = ["jacobian", "--activation", case_variant(rng, act)]
    weights = rng.choice([["gaussian"], ["orthogonal"], ["gaussian", "orthogonal"]])
    args += ["--weights", ",".join(case_variant(rng, w) for w in weights)]
    monte_carlo = rng.random() < 0.25
    depths = [1, 2, 3, 4, 8, 16] if monte_carlo else [1, 2, 3, 4, 8, 16, 32, 64, 128, 256, 1000]
    configurations = len(weights)
    if rng.random() < 0.12:
        ratios = [round(10 ** rng.uniform(-1, 1), 3) for _ in range(rng.randint(1, 4))]
        args += ["--width-ratios", ",".join(number(r) for r in ratios)]
    elif rng.random() < 0.3:
        args += ["--depth", ",".join(str(d) for d in sorted(rng.sample(depths, 2)))]
        configurations *= 2
    else:
        args += ["--depth", str(rng.choice(depths))]
    r = rng.random()
    if r < 0.55:
        q = gh.log_uniform(rng, 1e-3, 10) if rng.random() < 0.9 else gh.log_uniform(rng, 1e-12, 1e3)
        args += ["--q-star", number(q)]
    else:
        args += ["--sigma-w", number(round(rng.uniform(0.3, 2.5), 4))]
        if rng.random() < 0.6:
            args += ["--sigma-b", number(round(rng.uniform(0, 0.6), 4))]
    if rng.random() < 0.15:
        args += ["--input-length", number(gh.log_uniform(rng, 1e-2, 10))]
    args += ["--points", str(rng.choice([2, 3, 11, 50, 200, 1000]))]
    if rng.random() < 0.2:
        args += ["--at", ",".join(number(x) for x in [0] + [gh.log_uniform(rng, 1e-6, 100) for _ in range(2)])]
    if rng.random() < 0.2:
        args += ["--scale", case_variant(rng, rng.choice(["linear", "log"]))]
    if monte_carlo:
        args += ["--monte-carlo", "--width", str(rng.choice([8, 16, 32, 64])), "--samples", str(rng.randint(1, 3)),
                 "--seed", str(rng.randint(0, 10 ** 6)), "--quiet"]
        if rng.random() < 0.4:
            args += ["--mode", case_variant(rng, rng.choice(["network", "independent"]))]
        if rng.random() < 0.2 and configurations == 1:
            args += ["--eigenvalues", os.path.join(folder, "e%d.%s" % (rng.randint(0, 10 ** 9), rng.choice(["csv", "npy"])))]
    if rng.random() < 0.15:
        args += ["--plot", os.path.join(folder, "p%d.svg" % rng.randint(0, 10 ** 9))]
    fmt = "json" if rng.random() < 0.85 else rng.choice(["table", "csv", "JSON"])
    return args + ["--format", fmt]


def critical_line_config(rng):
    acts = rng.sample(ACTIVATIONS, rng.randint(1, 3))
    lo = gh.log_uniform(rng, 1e-4, 10)
    hi = lo * gh.log_uniform(rng, 1, 1e3)
    return ["critical-line", "--activation", ",".join(case_variant(rng, a) for a in acts),
            "--q-star", "%s:%s:%d" % (number(lo), number(hi), rng.randint(1, 12)), "--format", "json"]


def gram_config(rng, names):
    args = gh.gram_config(rng, names)
    if rng.random() < 0.15:
        phi, psi = float(args[args.index("--phi") + 1]), float(args[args.index("--psi") + 1])
        n0 = rng.choice([10, 20, 40])
        if 2 <= round(n0 / phi) <= 800 and 2 <= round(n0 / psi) <= 800:
            args += ["--monte-carlo", "--n0", str(n0), "--samples", str(rng.randint(1, 2)), "--quiet"]
    return args


def hessian_config(rng):
    args = gh.hessian_config(rng)
    phi = float(args[args.index("--phi") + 1])
    if rng.random() < 0.15 and 1e-2 <= phi <= 1e2:
        size = rng.choice([10, 20, 40])
        if round(size / phi) <= 2000:
            args += ["--monte-carlo", "--size", str(size), "--samples", str(rng.randint(1, 2))]
    return args


def critical_energy_config(rng):
    args = gh.critical_energy_config(rng)
    spec = args[args.index("--phi") + 1]
    if ":" not in spec and 0.05 <= float(spec) <= 5 and rng.random() < 0.2:
        args += ["--monte-carlo", "--size", str(rng.choice([10, 20, 40])), "--samples", "1"]
    return args


# Non-finite values that are right (issue 17 asks for another encoding, not another value):
# the depth scales ξ at χ = 1; κ, log10 κ, log10 λ1% when the atom at 0 holds 1 % or more (and
# the medians at 50 %); a value beyond Double whose log10 field beside it is finite; ρ = ∞ at
# λ = 0 (a density that diverges there); a standard error from a single sample (undefined).
OVERFLOW_COMPANIONS = {"conditionMeasure": "log10ConditionMeasure", "lambdaMax": "log10LambdaMax",
                       "moments": "log10FirstMoment", "variance": "log10FirstMoment"}
# Any standard error (`…StdErr`, `stdErr`, per moment or per layer) of a run with one sample.
SINGLE_SAMPLE_SE = re.compile(r"(?i)(stderr|standardError)(\[\])?$")


def legitimate_non_finite(record, path, samples):
    """Why the non-finite value at `path` (indices stripped) of one result is right, or None."""
    zero = sum(a["mass"] for a in record.get("atoms", []) if a.get("location") == 0)
    name = path.split(".")[-1].replace("[]", "")
    if re.search(r"\.meanField\.depthScale[CQ]?$", path):
        return "ξ = ∞ at χ = 1"
    if name in ("conditionMeasure", "log10ConditionMeasure", "log10Quantile01") and zero >= 0.01:
        return "κ = ∞: atom at 0 ≥ 1 %"
    if path == "$.meanField.qStar" and record["meanField"].get("operatingPoint") == "layer-by-layer":
        # q* is the limit of q^l: ∞ when the trajectory grows (beyond the unstable fixed point).
        lq = (record["meanField"].get("trajectory") or {}).get("log10Q") or []
        if len(lq) < 2 or lq[-1] > lq[-2]:
            return "q* = ∞: q^l grows without bound, computed layer by layer"
    if path == "$.support[][]" and math.isfinite(record.get("log10LambdaMax") or math.nan):
        return "beyond Double (its log10 field is finite)"
    if name in ("log10Median",) and zero >= 0.5:
        return "median 0: atom at 0 ≥ 50 %"
    companion = OVERFLOW_COMPANIONS.get(name)
    if companion and isinstance(record.get(companion), (int, float)) and math.isfinite(record[companion]):
        return "beyond Double (its log10 field is finite)"
    if SINGLE_SAMPLE_SE.search(path) and samples == 1:
        return "standard error of one sample"
    return None


def non_finite_paths(value, path="$"):
    out = []
    if isinstance(value, float) and not math.isfinite(value):
        out.append(path)
    elif isinstance(value, str) and value in ("NaN", "Infinity", "-Infinity"):
        out.append(path)
    elif isinstance(value, dict):
        for k, v in value.items():
            out += non_finite_paths(v, path + "." + k)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += non_finite_paths(v, "%s[%d]" % (path, i))
    return out


def finite_copy(value):
    """`value` with every non-finite number (or its string spelling) replaced by 0."""
    if isinstance(value, dict):
        return {k: finite_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [finite_copy(v) for v in value]
    if (isinstance(value, float) and not math.isfinite(value)) or value in ("NaN", "Infinity", "-Infinity"):
        return 0.0
    return value


def strip_index(path):
    return re.sub(r"\[\d+\]", "[]", path)


def check_jacobian(d, samples):
    """(self-check problems, structural problems, non-finite paths, legitimate non-finite paths)."""
    selfcheck, wrong, bad, ok = [], [], [], []
    for r in d:
        x = r["density"]["x"]
        for p in non_finite_paths(r):
            m = re.match(r"\$\.density\.(rho|rhoLog10)\[(\d+)\]$", p)
            if m and x[int(m.group(2))] == 0:
                ok.append("ρ = ∞ at λ = 0")
                continue
            # An entry beyond Double whose log10 twin at the same index is finite.
            m = re.match(r"\$\.atoms\[(\d+)\]\.location$", p)
            if m and math.isfinite(r["atoms"][int(m.group(1))].get("log10Location", math.nan)):
                ok.append("beyond Double (its log10 twin is finite)")
                continue
            twins = {"density.rho": r["density"].get("rhoLog10"), "density.x": r["density"].get("log10X"),
                     "meanField.trajectory.q": (r["meanField"].get("trajectory") or {}).get("log10Q")}
            m = re.match(r"\$\.([a-zA-Z.]+)\[(\d+)\]$", p)
            if m and m.group(1) in twins:
                twin = twins[m.group(1)]
                if twin and isinstance(twin[int(m.group(2))], (int, float)) and math.isfinite(twin[int(m.group(2))]):
                    ok.append("beyond Double (its log10 twin is finite)")
                    continue
            reason = legitimate_non_finite(r, strip_index(p), samples)
            if reason:
                ok.append(reason)
            else:
                bad.append(strip_index(p))
        c = r["check"]
        mass = c["totalMass"]
        if not (isinstance(mass, (int, float)) and abs(mass - 1) <= 1e-6):
            selfcheck.append("L=%d %s: check.totalMass %r" % (r["depth"], r["weights"], mass))
        errors = [e for e in c["momentRelativeErrors"] if isinstance(e, (int, float))]
        if len(errors) < len(c["momentRelativeErrors"]) or (errors and max(errors) > 1e-6):
            selfcheck.append("L=%d %s: moment errors %r" % (r["depth"], r["weights"], c["momentRelativeErrors"]))
        t = r["density"]
        cdf = [f for f in t["cdf"] if isinstance(f, (int, float))]
        # The grid runs from λmax down: F must not increase along it.
        if any(b > a + 1e-9 for a, b in zip(cdf, cdf[1:])):
            wrong.append("L=%d %s: F increases down the grid" % (r["depth"], r["weights"]))
        if any(f < -1e-12 or f > 1 + 1e-12 for f in cdf):
            wrong.append("L=%d %s: F outside [0, 1]" % (r["depth"], r["weights"]))
        if any(isinstance(x, (int, float)) and x < 0 for x in t["rho"]):
            wrong.append("L=%d %s: negative density" % (r["depth"], r["weights"]))
        for ev in r.get("evaluations") or []:
            if isinstance(ev["cdf"], (int, float)) and not (-1e-12 <= ev["cdf"] <= 1 + 1e-12):
                wrong.append("L=%d: F(%r) = %r" % (r["depth"], ev["x"], ev["cdf"]))
    return selfcheck, wrong, bad, ok


def check_critical_line(d):
    wrong = []
    for row in d:
        if row.get("sigmaW") is not None and not (row["sigmaW"] > 0 and row.get("sigmaB", -1) >= 0):
            wrong.append("σ_w %r, σ_b %r" % (row.get("sigmaW"), row.get("sigmaB")))
    return wrong


def check_gram_hessian(args, d):
    """Split fuzz_gram_hessian's problems into self-check, non-finite and structural ones."""
    bad = non_finite_paths(d)
    if bad:
        return [], [], [strip_index(p) for p in bad]
    problems = gh.check_answer(args, d)
    selfcheck = [p for p in problems if p.startswith("check.") or p.startswith("self-check")]
    return selfcheck, [p for p in problems if p not in selfcheck], []


# ---------------------------------------------------------------- (b) malformed invocations

def malformed_cases(folder):
    """(arguments, words the message must contain — any one of them) for invocations that must be
    refused with exit 64."""
    j = ["jacobian", "--q-star", "0.5", "--depth", "2"]
    g = ["gram", "--phi", "1", "--psi", "1"]
    h = ["hessian", "--phi", "0.5", "--epsilon", "0.1"]
    e = ["critical-energy", "--phi", "0.5"]
    c = ["critical-line"]
    cases = []
    bad_numbers = ["0x10", "inf", "-inf", "nan", "NaN", "1e400", "", "abc", "1,2", "0.5.5", "1e", "0b11", "1_0", "٣"]
    for bad in bad_numbers:
        cases.append((["jacobian", "--q-star", bad], ["--q-star"]))
    for bad in ["0x1", "inf", "nan"]:
        cases.append((["jacobian", "--sigma-w", bad], ["--sigma-w"]))
        cases.append((["jacobian", "--sigma-w", "1.2", "--sigma-b", bad], ["--sigma-b"]))
    for opt, bad in [("--points", "1e3"), ("--points", "0x10"), ("--points", "-5"), ("--points", "1"), ("--points", "1000001"),
                     ("--depth", "0"), ("--depth", "100001"), ("--depth", "1,,2"), ("--depth", ","), ("--depth", "4,"), ("--depth", "2.5"),
                     ("--at", "-1"), ("--at", "1e-320"), ("--at", "nan"), ("--at", "1,,2"), ("--width-ratios", "1e300"),
                     ("--width-ratios", "0"), ("--width-ratios", "1,,1"), ("--input-length", "0"), ("--input-length", "-1"),
                     ("--weights", "gauss"), ("--weights", "gaussian,"), ("--weights", ""), ("--format", "xml"), ("--format", ""),
                     ("--scale", "cubic"), ("--activation", "tanhh"), ("--activation", "leaky-relu:2"), ("--activation", "leaky-relu:0x0.1"),
                     ("--activation", "tanh:1"), ("--activation", ""), ("--plot", ""), ("--plot", folder), ("--plot", os.path.join(folder, "x.png")),
                     ("--plot", os.path.join(folder, "missing", "x.svg")), ("--plot", "/proc/freespec-fuzz.svg"), ("--plot", os.path.join(folder, "noext"))]:
        cases.append((j + [opt, bad], [opt]))
    for opt, bad in [("--q-star", "0"), ("--q-star", "-0.1"), ("--q-star", "1e-320"), ("--sigma-w", "0"), ("--sigma-w", "-1")]:
        cases.append((["jacobian", opt, bad], [opt]))
    cases.append((["jacobian", "--sigma-w", "1", "--sigma-b", "-0.1"], ["--sigma-b"]))
    # Monte Carlo options without --monte-carlo, and Monte Carlo values out of range.
    for opt in [["--width", "64"], ["--samples", "2"], ["--seed", "3"], ["--mode", "independent"], ["--threads", "1"], ["--allow-large"],
                ["--eigenvalues", os.path.join(folder, "e.npy")]]:
        cases.append((j + opt, [opt[0]]))
    mc = j + ["--monte-carlo"]
    for opt, bad in [("--width", "1"), ("--width", "20001"), ("--width", "0x40"), ("--samples", "0"), ("--samples", "10001"), ("--seed", "-1"),
                     ("--seed", "1.5"), ("--mode", "forward"), ("--threads", "0"), ("--threads", "1000"),
                     ("--eigenvalues", os.path.join(folder, "e.txt")), ("--eigenvalues", folder), ("--eigenvalues", "")]:
        cases.append((mc + [opt, bad], [opt]))
    # Conflicts.
    cases += [
        (["jacobian", "--q-star", "0.5", "--sigma-w", "1.2"], ["--q-star", "--sigma-w"]),
        (["jacobian"], ["--q-star"]),
        (["jacobian", "--q-star", "0.5", "--sigma-b", "0.1"], ["--sigma-b"]),
        (["jacobian", "--q-star", "0.5", "--width-ratios", "1,2", "--depth", "3"], ["--width-ratios"]),
        (["jacobian", "--q-star", "0.5", "--depth", "2,4", "--monte-carlo", "--eigenvalues", os.path.join(folder, "e.csv")], ["--eigenvalues"]),
        (["jacobian", "--q-star", "0.5", "--monte-carlo", "--eigenvalues", os.path.join(folder, "s.csv"), "--plot", os.path.join(folder, "s.csv")], ["--plot", "--eigenvalues"]),
        (["jacobian", "--q-star", "0.5", "--depth", "64", "--monte-carlo", "--width", "3000", "--samples", "100"], ["--allow-large"]),
        (["jacobian", "--q-star", "0.5", "--monte-carlo", "--width", "20000"], ["--allow-large", "GB"]),
    ]
    # Unknown options, stray values, missing values.
    for args in [["jacobian", "--foo"], ["jacobian", "--q-star", "0", "--foo"], ["jacobian", "--Width", "3"], ["jacobian", "-x"],
                 ["jacobian", "--q-star", "0.5", "extra"], ["jacobian", "--q-star"], ["gram", "--foo"], ["hessian", "--foo", "--phi", "1", "--epsilon", "1"],
                 ["critical-energy", "--phi", "1", "--bar"], ["critical-line", "--qstar", "1:2:3"], ["nosuchcommand"], ["--frobnicate"]]:
        cases.append((args, ["Unknown option", "Unexpected argument", "Missing", "--q-star", "--phi", "nosuchcommand", "extra"]))
    # gram.
    for opt, bad in [("--phi", "0"), ("--phi", "-1"), ("--phi", "2e6"), ("--phi", "0x1"), ("--psi", "inf"), ("--psi", "0"),
                     ("--sigma-w", "0"), ("--sigma-x", "-1"), ("--sigma-x", "1e7"), ("--points", "1"), ("--points", "100001"),
                     ("--layers", "0"), ("--layers", "101"), ("--activation", "cube"), ("--activation", "abs:1"), ("--format", "yaml"),
                     ("--plot", folder), ("--plot", os.path.join(folder, "g.jpg")), ("--at", "1,,2"), ("--n0", "100"), ("--samples", "2"),
                     ("--gamma", "0.1:1:3")]:
        if opt in ("--phi", "--psi"):
            cases.append((["gram", "--phi", bad if opt == "--phi" else "1", "--psi", bad if opt == "--psi" else "1"], [opt]))
        else:
            cases.append((g + [opt, bad], [opt]))
    for spec in ["1:0.1:3", "0.1:1:0", "0.1:1:1001", "0:1:3", "0.1:1", "a:b:c", "0.1:1:2.5", "0.1:inf:3"]:
        cases.append((g + ["--train-loss", "--gamma", spec], ["--gamma"]))
    cases.append((g + ["--monte-carlo", "--n0", "1"], ["--n0"]))
    cases.append((["gram", "--phi", "1e-3", "--psi", "1", "--monte-carlo", "--n0", "100"], ["--n0"]))
    cases.append((["gram", "--phi", "1e-300", "--psi", "1", "--activation", "abs"], ["--phi"]))
    cases.append((["gram", "--psi", "1"], ["--phi"]))
    # hessian.
    for opt, bad in [("--epsilon", "-1"), ("--epsilon", "2e6"), ("--epsilon", "nan"), ("--phi", "0"), ("--phi", "-0.5"), ("--phi", "1e7"),
                     ("--points", "1"), ("--at", "0x1"), ("--plot", "/proc/h.svg"), ("--size", "100"), ("--format", "TSV")]:
        if opt in ("--phi", "--epsilon"):
            cases.append((["hessian", "--phi", bad if opt == "--phi" else "0.5", "--epsilon", bad if opt == "--epsilon" else "0.1"], [opt]))
        else:
            cases.append((h + [opt, bad], [opt]))
    cases.append((h + ["--monte-carlo", "--size", "1"], ["--size"]))
    cases.append((["hessian", "--phi", "0.001", "--epsilon", "0", "--monte-carlo"], ["--size"]))
    cases.append((["hessian", "--phi", "1e-15", "--epsilon", "0"], ["--phi"]))
    cases.append((["hessian", "--epsilon", "0.1"], ["--phi"]))
    # critical-energy.
    for spec in ["0", "-1", "0x1", "inf", "0.1:0.9", "0.1:0.9:0", "0.9:0.1:0.1", "0.001:10:0.001", "a", "0.1:0.9:-0.1", "", "1e7"]:
        cases.append((["critical-energy", "--phi", spec], ["--phi"]))
    cases += [(e + ["--size", "100"], ["--size"]), (e + ["--plot", os.path.join(folder, "e.eps")], ["--plot"]),
              (e + ["--monte-carlo", "--size", "5000"], ["--size"]), (["critical-energy"], ["--phi"])]
    # critical-line.
    for spec in ["1:0.1:3", "0.1:1:0", "0.1:1:10001", "0:1:3", "0.1:1", "x", "0.1:1:2.5", "0x1:1:3"]:
        cases.append((c + ["--q-star", spec], ["--q-star"]))
    cases += [(c + ["--activation", "tanh,,erf"], ["--activation"]), (c + ["--activation", "tanh,foo"], ["--activation"]),
              (c + ["--activation", ""], ["--activation"]), (c + ["--format", "xml"], ["--format"]), (c + ["--plot", "x.svg"], ["Unknown option"])]
    return cases


# ---------------------------------------------------------------- running

def outputs_of(args):
    return [args[i + 1] for i in range(len(args) - 1) if args[i] in ("--plot", "--eigenvalues")]


def jargon_in(stderr):
    user_part = freespec_json.without_engine_text(stderr)
    return [w for w in JARGON if w in user_part]


def run(binary, args, timeout, folder):
    for path in outputs_of(args):
        if os.path.isfile(path) and path.startswith(folder):
            os.remove(path)
    start = time.time()
    try:
        p = subprocess.run([binary] + args, capture_output=True, text=True, timeout=timeout, cwd=folder)
    except subprocess.TimeoutExpired:
        return None, time.time() - start
    return p, time.time() - start


def classify_valid(binary, args, timeout, folder):
    p, elapsed = run(binary, args, timeout, folder)
    if p is None:
        return ["hang"], elapsed, "no result after %g s" % timeout
    if p.returncode < 0 or p.returncode not in (0, 2, 64):
        return ["crash"], elapsed, "exit %d: %s" % (p.returncode, p.stderr[-300:])
    kinds, details = [], []
    files = [f for f in outputs_of(args) if f.startswith(folder)]
    if p.returncode != 0:
        if p.stdout.strip():
            kinds.append("stdout-on-fail")
        message = p.stderr.strip()
        words = jargon_in(message)
        if not message or words:
            kinds.append("jargon")
            details.append("jargon %s" % words)
        if any(os.path.exists(f) for f in files):
            kinds.append("file-left")
        first = message.splitlines()[0] if message else "(no message)"
        details.append(first)
        kinds.append("refusal" if p.returncode == 64 else "no-answer")
        return kinds, elapsed, "; ".join(details)
    if any(not os.path.exists(f) for f in files):
        kinds.append("file-left")
        details.append("an output file was not written")
    fmt = args[args.index("--format") + 1].lower() if "--format" in args else "table"
    if fmt != "json":
        if not p.stdout.strip():
            kinds.append("wrong")
            details.append("empty output")
        return kinds or ["answer"], elapsed, "; ".join(details)
    try:
        d, contract = freespec_json.load(p.stdout)
    except ValueError as e:
        return ["wrong"], elapsed, "output is not JSON: %s" % e
    if contract:
        kinds.append("non-finite"); details += ["contract: " + c for c in contract[:3]]
    command = args[0]
    samples = int(args[args.index("--samples") + 1]) if "--samples" in args else 4
    if command == "jacobian":
        selfcheck, wrong, bad, ok = check_jacobian(d, samples)
    elif command == "critical-line":
        selfcheck, wrong, bad, ok = [], check_critical_line(d), [strip_index(x) for x in non_finite_paths(d)], []
    else:
        paths = [strip_index(p) for p in non_finite_paths(d)]
        ok = [r for r in (legitimate_non_finite(d, p, samples) for p in paths) if r]
        bad = [p for p in paths if not legitimate_non_finite(d, p, samples)]
        # The structural checks see the legitimate non-finite values as 0.
        selfcheck, wrong = ([], []) if bad else check_gram_hessian(args, finite_copy(d))[:2]
    if selfcheck:
        kinds.append("self-check"); details += selfcheck[:3]
    if wrong:
        kinds.append("wrong"); details += wrong[:3]
    if bad:
        kinds.append("non-finite"); details.append("non-finite at " + ", ".join(sorted(set(bad))[:6]))
    if ok:
        details.append("non-finite-ok: " + ", ".join(sorted(set(ok))))
    if not kinds:
        kinds = ["answer"] + (["non-finite-ok"] if ok else [])
    return kinds, elapsed, "; ".join(details)


def classify_malformed(binary, args, names, timeout, folder):
    p, elapsed = run(binary, args, timeout, folder)
    if p is None:
        return ["hang"], elapsed, "no result after %g s" % timeout
    if p.returncode < 0 or p.returncode not in (0, 2, 64):
        return ["crash"], elapsed, "exit %d: %s" % (p.returncode, p.stderr[-300:])
    kinds = []
    message = p.stderr.strip()
    if p.returncode == 0:
        kinds.append("accepted")
    elif p.returncode == 2:
        kinds.append("no-answer")
    if p.returncode != 0 and p.stdout.strip():
        kinds.append("stdout-on-fail")
    if p.returncode != 0 and (not message or jargon_in(message)):
        kinds.append("jargon")
    if p.returncode == 64 and not any(n in message for n in names):
        kinds.append("unnamed")
    if any(os.path.exists(f) and os.path.isfile(f) for f in outputs_of(args) if f.startswith(folder) and f != folder):
        kinds.append("file-left")
    if p.returncode == 64 and not kinds:
        kinds.append("refusal")
    return kinds, elapsed, message.splitlines()[0] if message else "(no message)"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=".build/release/freespec")
    parser.add_argument("--count", type=int, default=2000, help="valid configurations in all")
    parser.add_argument("--seed", type=int, default=22)
    parser.add_argument("--timeout", type=float, default=30, help="seconds per valid run")
    parser.add_argument("--malformed-timeout", type=float, default=10, help="seconds per malformed run")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--only", choices=["valid", "malformed"])
    a = parser.parse_args()
    binary = os.path.abspath(a.binary)
    folder = tempfile.mkdtemp(prefix="freespec-fuzz-")
    rng = random.Random(a.seed)
    names = gh.activations(binary)
    shares = {"jacobian": 0.45, "critical-line": 0.1, "gram": 0.18, "hessian": 0.17, "critical-energy": 0.1}
    makers = {"jacobian": lambda: jacobian_config(rng, folder), "critical-line": lambda: critical_line_config(rng),
              "gram": lambda: gram_config(rng, names), "hessian": lambda: hessian_config(rng),
              "critical-energy": lambda: critical_energy_config(rng)}
    jobs = []
    if a.only != "malformed":
        for command, share in shares.items():
            jobs += [("valid", command, makers[command](), None) for _ in range(int(round(share * a.count)))]
    if a.only != "valid":
        jobs += [("malformed", args[0] if args[0] in shares else "other", args, names_) for args, names_ in malformed_cases(folder)]
    summary, failures, no_answers, slow, tally = {}, [], {}, [], {}
    started = time.time()

    def work(job):
        kind, command, args, expected = job
        if kind == "valid":
            return job, classify_valid(binary, args, a.timeout, folder)
        return job, classify_malformed(binary, args, expected, a.malformed_timeout, folder)

    with concurrent.futures.ThreadPoolExecutor(max_workers=a.jobs) as pool:
        for (kind, command, args, _), (kinds, elapsed, detail) in pool.map(work, jobs):
            row = summary.setdefault((kind, command), dict({k: 0 for k in KINDS}, runs=0, max_s=0.0, over_10s=0))
            row["runs"] += 1
            row["max_s"] = max(row["max_s"], round(elapsed, 2))
            row["over_10s"] += elapsed > 10
            if elapsed > 10:
                slow.append((round(elapsed, 1), " ".join(args)))
            for k in kinds:
                row[k] += 1
            for part in detail.split("; "):
                if part.startswith("non-finite-ok: "):
                    for reason in part[len("non-finite-ok: "):].split(", "):
                        tally[reason] = tally.get(reason, 0) + 1
                if part.startswith("non-finite at "):
                    for path in part[len("non-finite at "):].split(", "):
                        tally["FAIL " + path] = tally.get("FAIL " + path, 0) + 1
            if any(k in FAILURES for k in kinds):
                failures.append({"set": kind, "kinds": [k for k in kinds if k in FAILURES], "args": args, "detail": detail[:400],
                                 "seconds": round(elapsed, 2)})
            elif "no-answer" in kinds:
                no_answers.setdefault(re.sub(r"[-+]?\d[\d.e+-]*", "#", detail)[:160], []).append(" ".join(args))
    shutil.rmtree(folder, ignore_errors=True)
    total = {k: 0 for k in KINDS}
    total.update(runs=0)
    print("%-10s %-16s %s" % ("set", "command", " ".join("%s" % k for k in ["runs"] + KINDS + ["over_10s", "max_s"])))
    for (kind, command), row in sorted(summary.items()):
        print("%-10s %-16s %s" % (kind, command, " ".join(str(row[k]) for k in ["runs"] + KINDS + ["over_10s", "max_s"])))
        for k in KINDS + ["runs"]:
            total[k] += row[k]
    print("%-27s %s" % ("total", " ".join(str(total[k]) for k in ["runs"] + KINDS)))
    print("no-answer messages (valid inputs the engine could not compute), by kind:")
    for text, examples in sorted(no_answers.items(), key=lambda kv: -len(kv[1])):
        print("  x%d  %s\n        e.g. freespec %s" % (len(examples), text, examples[0]))
    print("non-finite values in answers (runs), by reason or by path (FAIL):")
    for reason, n in sorted(tally.items(), key=lambda kv: -kv[1]):
        print("  x%d  %s" % (n, reason))
    for s, args in sorted(slow, reverse=True)[:10]:
        print("slow: %.1f s  freespec %s" % (s, args))
    for f in failures:
        print("FAIL " + json.dumps(f, ensure_ascii=False))
    print("seed %d, %d valid configurations, %d malformed invocations, timeouts %g s / %g s, %d jobs, %.0f s, binary %s"
          % (a.seed, sum(1 for j in jobs if j[0] == "valid"), sum(1 for j in jobs if j[0] == "malformed"),
             a.timeout, a.malformed_timeout, a.jobs, time.time() - started, binary))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
