#!/usr/bin/python3
"""gate.py — the regression gate over Google Benchmark compare.py's `-d` JSON.

  gate.py DIFF.json [--threshold 0.10] [--alpha 0.05] [--field cpu|time]

Judges our rows only (the IMPL segment of the name is not onednn or blas); a
row regresses when its median time grew by more than THRESHOLD (10%) and:
  - compare.py's Mann-Whitney U test over the repetitions says the change is
    significant (p < ALPHA) and both sides had >= 4 repetitions (with 3 vs 3
    the smallest two-sided p is 0.1: such a test can never reject at 0.05), or
  - no such test is possible (a row run with 1-3 repetitions because it is
    long) and the growth exceeds 3 x THRESHOLD: only gross slowdowns count
    without a test, so one noisy sample does not fail a build.
The field is cpu_time by default: single-threaded rows, and CPU time does not
count the time the process waited for a shared core. The peers' median change
is printed as a hint of machine drift (if they moved as much as ours, suspect
the machine). Exit 1 if any row regressed, 0 otherwise.
"""
import argparse
import json
import math
import statistics
import sys

PEERS = ("onednn", "blas")


def impl_of(name):
    parts = name.split("/")
    return parts[2] if len(parts) > 2 else ""


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("diff")
    ap.add_argument("--threshold", type=float, default=0.10)
    ap.add_argument("--alpha", type=float, default=0.05)
    ap.add_argument("--field", choices=("cpu", "time"), default="cpu")
    a = ap.parse_args()
    with open(a.diff) as f:
        diff = json.load(f)
    base_key = "cpu_time" if a.field == "cpu" else "real_time"
    pkey = "cpu_pvalue" if a.field == "cpu" else "time_pvalue"

    judged, regressed, peer_changes, tested = 0, [], [], 0
    for e in diff:
        if e.get("run_type") == "aggregate" or e["name"] == "OVERALL_GEOMEAN":
            continue
        ms = e.get("measurements", [])
        if not ms:
            continue
        old = statistics.median(m[base_key] for m in ms)
        new = statistics.median(m[base_key + "_other"] for m in ms)
        if old <= 0:
            continue
        change = new / old - 1.0
        if impl_of(e["name"]) in PEERS:
            peer_changes.append(change)
            continue
        judged += 1
        u = e.get("utest") or {}
        n = min(u.get("nr_of_repetitions", 0), u.get("nr_of_repetitions_other", 0))
        p = u.get(pkey)
        if p is not None and n >= 4:
            tested += 1
            bad = change > a.threshold and p < a.alpha
            why = f"U test p={p:.3g} over {n} vs {n} repetitions"
        else:
            bad = change > 3 * a.threshold
            why = f"no usable U test ({len(ms)} repetitions): needs > {3 * a.threshold:.0%}"
        if bad:
            regressed.append((e["name"], change, why))

    for name, change, why in regressed:
        print(f"REGRESSION {name}: {change:+.1%} {a.field} time ({why})")
    if peer_changes:
        med = statistics.median(peer_changes)
        print(f"peers (machine drift hint): median change {med:+.1%} over {len(peer_changes)} rows")
    print(f"gate: {judged} rows of ours judged ({tested} with a U test), {len(regressed)} regressed "
          f"(threshold {a.threshold:.0%}, alpha {a.alpha}, {a.field} time)")
    if judged == 0:
        print("gate: nothing to judge: no common rows between baseline and fresh run")
        return 1
    return 1 if regressed else 0


if __name__ == "__main__":
    sys.exit(main())
