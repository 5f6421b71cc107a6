#!/usr/bin/python3
"""noise.py — calibrates the regression gate: each row's run-to-run spread on
this machine, from A/A runs (the same code measured again), written beside
the baseline as results/<machine>/<isa>-<set>.noise.json.

  noise.py OUT RUN.json [RUN.json ...] [--multiple K] [--floor F]

Every RUN must come from one machine, table and set (same set_rows_hash).
For each row, in log space (ln of the time; a spread s reads as a relative
change of about s):
  between  the largest difference between two runs' medians;
  within   the difference of two medians the repetitions' own scatter
           predicts, one standard deviation: sqrt(2) x 1.2533 x 1.4826 x
           MAD / sqrt(n) (MAD of ln times, n repetitions; 1.4826 MAD estimates
           the standard deviation, 1.2533 sigma / sqrt(n) that of a median);
  machine  1.4826 x the median over all rows of `between`: the run-to-run
           shift the whole machine shows (a change of load between runs hits
           every row), so one lucky row cannot calibrate a tiny threshold;
  spread   the largest of the three.
for cpu_time, real_time and the paired vs_onednn. With one RUN, its
repetitions are split into two interleaved halves (even and odd repetition
indices), which stand for two runs ("reuses repetitions").
The gate's threshold for a row is max(F, K x spread) (defaults K = 4,
F = 0.05): recorded here, so the bar is a property of the calibration.
K = 4 keeps a gate of some 140 row metrics quiet on A/A runs (a Gaussian
4-sigma excursion is 3e-5 a metric) when the spread is estimated from only
a few runs.
"""
import argparse
import math
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runs  # noqa: E402

METRICS = ("cpu", "real", "vs_onednn")


def values(row, metric):
    return row.ratio if metric == "vs_onednn" else row.times(metric)


def mad(xs):
    m = statistics.median(xs)
    return statistics.median(abs(x - m) for x in xs)


def spread(samples):
    """samples: one list of positive values per run. (between, within) in ln
    units and the repetition counts, or None if unusable."""
    logs = [[math.log(v) for v in s] for s in samples if len(s) >= 2]
    if len(logs) < 2:
        return None
    meds = [statistics.median(s) for s in logs]
    between = max(abs(a - b) for i, a in enumerate(meds) for b in meds[i + 1:])
    within_sq = [(math.sqrt(2) * 1.2533 * 1.4826 * mad(s) / math.sqrt(len(s))) ** 2 for s in logs]
    within = math.sqrt(sum(within_sq) / len(within_sq))
    return between, within, [len(x) for x in logs]


def rel(x):
    return round(math.expm1(x), 5)


def split_halves(run):
    """Two pseudo-runs from one: even and odd repetitions of every row."""
    a, b = {}, {}
    for name, r in run.rows.items():
        for dest, k in ((a, 0), (b, 1)):
            h = runs.Row(name)
            h.cpu, h.real, h.ratio = r.cpu[k::2], r.real[k::2], r.ratio[k::2]
            h.errors = r.errors
            dest[name] = h
    return [a, b]


def calibrate(paths, multiple, floor):
    loaded = [runs.load(p) for p in paths]
    first = loaded[0]
    for other in loaded[1:]:
        diff = runs.identity_differences(first, other)
        if diff:
            raise SystemExit("noise.py: the runs differ, so their spread is not noise:\n  "
                             + "\n  ".join(diff) + f"\n  ({first.path} vs {other.path})")
    if first.emulated:
        raise SystemExit("noise.py: emulated runs: their times mean nothing")
    row_sets = [r.rows for r in loaded] if len(loaded) > 1 else split_halves(first)
    names = [n for n in first.rows if all(n in rs for rs in row_sets)]
    raw = {}
    for name in names:
        if first.rows[name].is_peer:
            continue
        for m in METRICS:
            s = spread([values(rs[name], m) for rs in row_sets])
            if s:
                raw.setdefault(name, {})[m] = s
    machine = {}
    for m in METRICS:
        b = [e[m][0] for e in raw.values() if m in e]
        machine[m] = 1.4826 * statistics.median(b) if len(b) >= 5 else 0.0
    rows = {}
    for name, e in raw.items():
        rows[name] = {m: {"between": rel(b), "within": rel(w), "machine": rel(machine[m]),
                          "spread": rel(max(b, w, machine[m])), "n": n}
                      for m, (b, w, n) in e.items()}
    doc = {
        "about": "run-to-run spread of each row on this machine: the regression gate's "
                 "calibration (bench/noise.py, docs/tracking.md)",
        "machine": first.machine, "isa": first.isa, "set": first.set_name,
        "set_rows_hash": first.set_hash,
        "method": "per row and metric, in ln units shown as relative changes: spread = "
                  "max(largest difference of run medians, sqrt(2)*1.2533*1.4826*MAD/sqrt(n), "
                  "1.4826 * median over rows of the first; the last needs 5+ rows); "
                  "gate threshold = max(floor, multiple * spread)"
                  + ("; one run: even and odd repetitions as two runs" if len(loaded) == 1 else ""),
        "multiple": multiple, "floor": floor,
        "machine_spread": {m: rel(v) for m, v in machine.items()},
        "runs": [{"file": os.path.relpath(r.path), "date": r.context.get("date"),
                  "git_commit": r.context.get("git_commit"),
                  "load_average_1min_at_start": r.context.get("load_average_1min_at_start")}
                 for r in loaded],
        "rows": rows,
    }
    return doc


def summary(doc):
    k, f = doc["multiple"], doc["floor"]
    lines = [f"noise: {len(doc['rows'])} rows from {len(doc['runs'])} run(s) on {doc['machine']}"
             f" ({doc['isa']}, SET={doc['set']}); threshold = max({f:.0%}, {k:g} x spread)"]
    for m in METRICS:
        sp = sorted(e[m]["spread"] for e in doc["rows"].values() if m in e)
        if not sp:
            continue
        th = [max(f, k * s) for s in sp]
        lines.append(f"  {m:9}: spread median {statistics.median(sp):.1%}, largest {sp[-1]:.1%};"
                     f" thresholds {min(th):.1%}-{max(th):.1%}, {sum(t > 0.10 for t in th)} of"
                     f" {len(th)} above 10%")
    return "\n".join(lines)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("runs", nargs="+")
    ap.add_argument("--multiple", type=float, default=4.0)
    ap.add_argument("--floor", type=float, default=0.05)
    a = ap.parse_args(argv[1:])
    if not (a.multiple > 0 and 0 <= a.floor < 1):
        print("noise.py: --multiple must be > 0 and --floor in [0, 1)", file=sys.stderr)
        return 2
    for p in a.runs:
        if not os.path.isfile(p):
            print(f"noise.py: {p}: no such file", file=sys.stderr)
            return 2
    doc = calibrate(a.runs, a.multiple, a.floor)
    if not doc["rows"]:
        print("noise.py: no row of ours has 2+ repetitions in every run: nothing to calibrate",
              file=sys.stderr)
        return 1
    import json
    runs.write_atomic(a.out, json.dumps(doc, indent=1, sort_keys=False) + "\n")
    print(summary(doc))
    print(f"noise.py: wrote {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
