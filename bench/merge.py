#!/usr/bin/python3
"""merge.py — several processes' runs of one benchmark set as one file.

  merge.py OUT RUN.json RUN.json [RUN.json ...]

Why: on a shared machine a row's time moves between processes by more than
its repetitions scatter within one (at batch 1 a process's placement of the
weights in physical memory is part of its speed, ours and oneDNN's alike:
docs/performance.md §5.23), so one process's median is one draw of that
lottery. `make bench PROCESSES=N` runs the set in N processes and merges
them here; the judged figures are then medians over processes.

Every RUN must be the same configuration measured on the same machine: the
context keys of SAME agree (else exit 2 naming the key and the two files).
The output, written atomically:
  - each row's iterations: every process's repetitions, each tagged with
    "process" (0-based, in the order given), so the tracking tools
    (bench/runs.py recomputes aggregates from iterations) see the spread
    between processes as part of the row's scatter;
  - each row's one "median" aggregate (what bench/results.py medians(),
    bench/targets.py and the tables read), named ROW_median as Google
    Benchmark names its own (also for rows each process timed once, whose
    processes wrote no aggregate): field by field, the median over
    the processes of their own median aggregates (numbers only; strings
    such as the label are the first process's), with "processes" (how many
    had the row without an error) and "vs_onednn_min" / "vs_onednn_max"
    over those processes where vs_onednn is there;
  - a row no process ran without an error keeps the first process's entries;
  - the context: the first run's, each number every run's context holds
    (probes: peaks, bandwidths, the load at start) replaced by the median
    over runs, plus "processes" and "merged_from" (the files' names).
"""
import json
import math
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from results import load, write_atomic  # noqa: E402

SAME = ("machine", "rnnsimd_isa", "rnnsimd_version", "sweep", "set_rows_hash", "filter", "dtype",
        "tuning", "git_commit", "git_dirty", "emulated", "interleaved")
UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
TIMES = ("real_time", "cpu_time")
# Numbers that count or index rather than measure: the first entry's stay.
COUNTS = ("repetitions", "repetition_index", "threads", "family_index",
          "per_family_instance_index", "iterations", "process")


class MergeError(Exception):
    pass


def number(v):
    """v as a finite float, or None (bools and strings are not numbers here)."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return float(v) if math.isfinite(v) else None


def context_number(v):
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def merged_context(paths, docs):
    ctxs = [d.get("context", {}) for d in docs]
    first = ctxs[0]
    for key in SAME:
        for p, c in zip(paths[1:], ctxs[1:]):
            if c.get(key) != first.get(key):
                raise MergeError(f"{p} and {paths[0]} differ in context key {key!r}: "
                                 f"{c.get(key)!r} vs {first.get(key)!r}; merge runs of one "
                                 f"configuration on one machine only")
    out = dict(first)
    for key, v in first.items():
        if key in SAME or context_number(v) is None:
            continue
        vals = [context_number(c.get(key)) for c in ctxs]
        if any(x is None for x in vals) or all(x == vals[0] for x in vals):
            continue
        m = statistics.median(vals)
        if not isinstance(v, (int, float)):
            m = str(int(m)) if m == int(m) else f"{m:.6g}"
        out[key] = m
    out["processes"] = len(docs)
    out["merged_from"] = ", ".join(os.path.basename(p) for p in paths)
    return out


def rows_of(doc):
    """{row name: (iterations, median aggregate or None)} in the file's order."""
    rows = {}
    for b in doc.get("benchmarks", []):
        it, med = rows.setdefault(b.get("run_name", b["name"]), ([], [None]))
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                med[0] = b
        else:
            it.append(b)
    return {k: (it, med[0]) for k, (it, med) in rows.items()}


def usable(entry):
    """A process's view of a row, or None when any of its entries errored:
    its median aggregate, else (a file without aggregates) the field-wise
    median of its repetitions."""
    it, med = entry
    if any(b.get("error_occurred") for b in it) or (med and med.get("error_occurred")):
        return None
    return med or (field_median(it) if it else None)


def in_unit(b, key, unit):
    """b[key] (a time) converted to unit."""
    return b[key] * UNIT_NS.get(b.get("time_unit", "ns"), 1.0) / UNIT_NS.get(unit, 1.0)


def field_median(entries):
    """The first entry with each number replaced by the median of that field
    over the entries that have it (times in the first entry's unit), as a
    "median" aggregate."""
    out = dict(entries[0])
    unit = out.get("time_unit", "ns")
    for b in entries:
        if b.get("time_unit", "ns") not in UNIT_NS:
            raise MergeError(f"row {b.get('run_name', b['name'])}: unknown time_unit "
                             f"{b.get('time_unit')!r}")
    for key, v in entries[0].items():
        if number(v) is None or key in COUNTS:
            continue
        have = [b for b in entries if number(b.get(key)) is not None]
        vals = [in_unit(b, key, unit) if key in TIMES else float(b[key]) for b in have]
        out[key] = statistics.median(vals)
    out["run_type"], out["aggregate_name"] = "aggregate", "median"
    return out


def merged_median(meds, name):
    """Row name's median aggregate over the processes' views meds, named as
    Google Benchmark names its aggregates (name_median, run_name name) even
    where the processes ran one repetition and wrote none."""
    out = field_median(meds)
    for key in ("repetition_index", "process"):
        out.pop(key, None)
    out["name"], out["run_name"] = name + "_median", name
    out.setdefault("aggregate_unit", "time")
    out["processes"] = len(meds)
    ratios = [number(m.get("vs_onednn")) for m in meds if number(m.get("vs_onednn")) is not None]
    if ratios:
        out["vs_onednn_min"], out["vs_onednn_max"] = min(ratios), max(ratios)
    return out


def merge(paths):
    if len(paths) < 2:
        raise MergeError("give two or more runs to merge")
    docs = []
    for p in paths:
        try:
            docs.append(load(p))
        except (OSError, ValueError) as e:
            raise MergeError(f"{p}: not a readable benchmark JSON file ({e})")
        d = docs[-1]
        if not isinstance(d, dict) or not isinstance(d.get("benchmarks"), list) or \
                not all(isinstance(b, dict) and isinstance(b.get("name"), str)
                        for b in d["benchmarks"]):
            raise MergeError(f"{p}: not a Google Benchmark JSON file (a benchmarks list of "
                             f"named entries)")
    ctx = merged_context(paths, docs)
    per = [rows_of(d) for d in docs]
    order = list(per[0])
    for r in per[1:]:
        order += [k for k in r if k not in order]
    benches = []
    for name in order:
        present = [(k, r[name]) for k, r in enumerate(per) if name in r]
        for k, (it, _) in present:
            benches += [dict(b, process=k) for b in it]
        meds = [m for m in (usable(e) for _, e in present) if m is not None]
        if meds:
            benches.append(merged_median(meds, name))
        else:
            _, (it, med) = present[0]
            if med:
                benches.append(med)
    return {"context": ctx, "benchmarks": benches}


def main(argv):
    if len(argv) > 1 and argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0
    if len(argv) < 4:
        print("usage: " + __doc__.strip().splitlines()[2].strip() +
              "   (--help says what it writes)", file=sys.stderr)
        return 2
    try:
        doc = merge(argv[2:])
    except MergeError as e:
        print(f"merge.py: {e}", file=sys.stderr)
        return 2
    try:
        write_atomic(argv[1], json.dumps(doc, indent=1) + "\n")
    except OSError as e:
        print(f"merge.py: cannot write {argv[1]}: {e}", file=sys.stderr)
        return 1
    n = sum(1 for b in doc["benchmarks"] if b.get("aggregate_name") == "median")
    print(f"merge.py: {n} rows from {len(argv) - 2} processes -> {argv[1]}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
