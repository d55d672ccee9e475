#!/usr/bin/env python3
"""Rewrite the documented outputs of the ```console examples in README.md and Docs/*.md.

The test suite (Tests/FreeSpectraTests/DocsExamplesTests.swift) runs every `$ freespec …`
command of a ```console block and compares its output with the lines that follow it. When a
change of behaviour is intended, this script runs the same commands with the built binary and
writes their outputs back, so the change shows up as a diff of the documentation to be read
line by line before it is committed (it is not a way to make the test pass unread).

A documented line `…` (any number of lines) is kept: the lines before it are replaced by as
many first lines of the new output, the lines after it by as many last lines. Commands whose
--plot/--eigenvalues path lies under Docs/ are run from the package root, so the committed
figures are redrawn too; the others run in a temporary folder.

Usage: python3 Validation/refresh_docs_examples.py [--binary PATH] [FILE.md …]
"""
import argparse
import os
import shlex
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def examples(lines):
    """(index of the `$ freespec` line, index of the first output line, end index, argv) per example."""
    found, in_console, i = [], False, 0
    while i < len(lines):
        t = lines[i].strip()
        if t.startswith("```"):
            in_console = (not in_console) and t == "```console"
            i += 1
            continue
        if in_console and t.startswith("$ "):
            start = i
            command = t[2:]
            while command.endswith("\\"):
                i += 1
                command = command[:-1].strip() + " " + lines[i].strip()
            first = i + 1
            j = first
            while j < len(lines) and not lines[j].strip().startswith("$ ") and not lines[j].strip().startswith("```"):
                j += 1
            end = j
            while end > first and not lines[end - 1].strip():
                end -= 1
            words = shlex.split(command)
            if words and words[0] == "freespec":
                found.append((start, first, end, words[1:]))
            i = j
            continue
        i += 1
    return found


def run(binary, argv):
    under_docs = any(a.startswith("Docs/") for a in argv)
    folder = ROOT if under_docs else tempfile.mkdtemp(prefix="freespec-docs-")
    for option, value in zip(argv, argv[1:]):
        if option in ("--plot", "--eigenvalues"):
            os.makedirs(os.path.dirname(os.path.join(folder, value)) or folder, exist_ok=True)
    p = subprocess.run([binary] + argv, cwd=folder, capture_output=True, text=True, timeout=600)
    return p.returncode, p.stdout, p.stderr


def refresh(path, binary):
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    changed = 0
    for start, first, end, argv in reversed(examples(lines)):
        documented = lines[first:end]
        fails = bool(documented) and (documented[0].startswith("Error:") or documented[0].startswith("freespec: error:"))
        status, out, err = run(binary, argv)
        text = err if fails else out
        new = text.rstrip("\n").split("\n") if text.strip() else []
        if (status != 0) != fails:
            print(f"{os.path.relpath(path, ROOT)}:{start + 1}: exit {status} ({'expected failure' if fails else 'expected success'}): {err.strip()}", file=sys.stderr)
        if "…" in [d.strip() for d in documented]:
            k = [d.strip() for d in documented].index("…")
            head, tail = k, len(documented) - k - 1
            if head + tail <= len(new):
                new = new[:head] + [documented[k]] + (new[len(new) - tail:] if tail else [])
        if new != documented:
            lines[first:end] = new
            changed += 1
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    print(f"{os.path.relpath(path, ROOT)}: {changed} example(s) rewritten")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/release/freespec"))
    parser.add_argument("files", nargs="*")
    args = parser.parse_args()
    files = args.files or [os.path.join(ROOT, "README.md")] + sorted(
        os.path.join(ROOT, "Docs", n) for n in os.listdir(os.path.join(ROOT, "Docs")) if n.endswith(".md"))
    for path in files:
        refresh(os.path.abspath(path), args.binary)


if __name__ == "__main__":
    main()
