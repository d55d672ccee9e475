"""Reading `freespec --format json` output (the contract of Sources/freespec/JSONOutput.swift).

Non-finite numbers are written as null, and each record (the top-level object, or each object
of a top-level list) names them in `nonFinite`: path inside the record -> "+inf", "-inf", "nan".
`load` puts the floats back, so checks can treat them as numbers, and lists what breaks the
contract: a listed path that is not null, a null that is not listed, a number spelled as a
string ("Infinity", "NaN"). `without_engine_text` drops the `(engine: …)` parts of an error
message, so checks for jargon read only what is addressed to the user.
"""
import json
import math
import re

VALUES = {"+inf": math.inf, "-inf": -math.inf, "nan": math.nan}


def _components(path):
    out = []
    for part in path.split("."):
        name, *indices = part.split("[")
        out.append(name)
        out += [int(i.rstrip("]")) for i in indices]
    return out


def _restore_record(record, problems, where):
    marks = record.pop("nonFinite", None) if isinstance(record, dict) else None
    for path, name in (marks or {}).items():
        node, keys = record, _components(path)
        try:
            for k in keys[:-1]:
                node = node[k]
            if node[keys[-1]] is not None:
                problems.append("%s%s listed in nonFinite but is %r" % (where, path, node[keys[-1]]))
            node[keys[-1]] = VALUES[name]
        except (KeyError, IndexError, TypeError):
            problems.append("%snonFinite names %s, which is not in the record" % (where, path))
    _scan(record, where.rstrip(".") or "$", problems)


def _scan(value, path, problems):
    if value is None:
        problems.append("null not listed in nonFinite at " + path)
    elif isinstance(value, str) and value in ("NaN", "Infinity", "-Infinity"):
        problems.append("number written as the string %r at %s" % (value, path))
    elif isinstance(value, dict):
        for k, v in value.items():
            _scan(v, path + "." + k, problems)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _scan(v, "%s[%d]" % (path, i), problems)


def load(text):
    """(document with non-finite floats restored, list of contract problems)."""
    d = json.loads(text)
    problems = []
    if isinstance(d, list) and all(isinstance(r, dict) for r in d):
        for i, r in enumerate(d):
            _restore_record(r, problems, "[%d]." % i)
    else:
        _restore_record(d, problems, "")
    return d, problems


def strip_index(path):
    return re.sub(r"\[\d+\]", "[]", path)


def without_engine_text(message):
    """`message` without its `(engine: …)` parts (parentheses balanced): the engine's own text,
    kept for reports, may name its methods."""
    out, i = [], 0
    while True:
        j = message.find("(engine:", i)
        if j < 0:
            return "".join(out) + message[i:]
        out.append(message[i:j])
        depth, k = 0, j
        while k < len(message):
            depth += {"(": 1, ")": -1}.get(message[k], 0)
            k += 1
            if depth == 0:
                break
        i = k
